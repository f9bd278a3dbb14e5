"""`run.py status`: where a recipe's runs stand, read from their files only (safe beside a running stage).

For each system and stage: done, stale (its inputs changed since; what changed), running (process, start),
unfinished (stopped or failed) or not run. For training: epoch and step, dev EER now and at its best, the
last checkpoint and its age, samples/s, time left and peak memory. Plain lines that read well in a log too.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import yaml

from asdf.base import config_lang
from asdf.base.errors import AsdfError
from asdf.base.paths import OutputLayout
from asdf.base.progress import format_duration
from asdf.base.settings import Settings
from asdf.runner import freshness
from asdf.runner.recipe import Recipe, Stage, StageContext, build_settings, machine_settings, seed_variants


def print_status(recipe: Recipe, run_configs: list[str], override_texts: list[str]) -> None:
    """Print the status of the systems of `run_configs` (or of the default system, each stage judged by the
    settings it ran with)."""
    print(status_text(recipe, run_configs, override_texts), flush=True)


def status_text(recipe: Recipe, run_configs: list[str], override_texts: list[str]) -> str:
    """The whole report: one block per system."""
    overrides = [config_lang.parse_override(text) for text in override_texts]
    if run_configs:
        chosen = [(name, build_settings(recipe, name, overrides)) for name in run_configs]
    else:
        chosen = [("", machine_settings(recipe, overrides))]
    blocks, seen = [], set()
    for name, chosen_settings in chosen:
        for settings in seed_variants(chosen_settings):  # each seed's sibling system of recipe.seeds
            layout = OutputLayout.for_system(recipe.project_root, settings.paths, settings.recipe.system)
            if layout.root not in seen:
                seen.add(layout.root)
                blocks.append(system_block(recipe, StageContext(settings, layout, recipe.project_root), name))
    return "\n\n".join(blocks)


def system_block(recipe: Recipe, context: StageContext, run_config: str) -> str:
    """The stages of one output folder, then what training is doing or did."""
    judged = f"the settings of run config {run_config}" if run_config else "the settings each stage ran with"
    lines = [f"asdf status {time.strftime('%Y-%m-%d %H:%M:%S')}: {context.layout.root} (inputs checked against "
             f"{judged})"]
    for stage in recipe.stages:
        state, detail = stage_state(stage, context, bool(run_config))
        lines.append(f"  {stage.name:<8} {state:<10} {detail}".rstrip())
    lines += [f"  {line}" for line in training_lines(context.layout)]
    return "\n".join(lines)


def stage_state(stage: Stage, context: StageContext, use_context_settings: bool) -> tuple[str, str]:
    """(state, detail) of a stage."""
    layout = context.layout
    record = freshness.read_record(layout.stage_record(stage.name))
    running = _running(layout.running_marker(stage.name))
    # a marker left behind by a finished stage (its folder turned read-only before it could be removed) is not news
    if running and (running[0] != "unfinished" or not (record or {}).get("complete")):
        return running
    if record is None:
        outputs = stage.outputs(context)
        if outputs and all(path.exists() for path in outputs):
            return "done", "(no record of its inputs: made by an older asdf; it reruns next time)"
        return "not run", ""
    if not record.get("complete"):
        return "unfinished", f"stopped or failed (see {layout.log_file(stage.name)}); the next run continues it"
    try:
        settings = context.settings if use_context_settings else _settings_it_ran_with(layout, stage)
        judged = StageContext(settings, layout, context.project_root)
        current = freshness.current_record(stage.inputs(judged), settings, record)
    except (AsdfError, OSError) as error:
        return "done?", f"cannot check its inputs: {error}"
    changes = freshness.differences(record, current)
    if changes:
        return "stale", "its inputs changed: " + "; ".join(changes)
    missing = [str(path.relative_to(layout.root)) for path in stage.outputs(judged) if not path.exists()]
    if missing:
        return "incomplete", "missing " + ", ".join(missing)
    finished = layout.stage_record(stage.name).stat().st_mtime
    return "done", f"{_clock(finished)} ({_ago(finished)} ago)"


def _settings_it_ran_with(layout: OutputLayout, stage: Stage) -> Settings:
    """The settings saved in config/<stage>.yaml when the stage last ran."""
    return config_lang.settings_from_dict(yaml.safe_load(layout.stage_config(stage.name).read_text(encoding="utf-8")))


def _running(marker: Path) -> tuple[str, str] | None:
    """('running', ...) for a live process, ('unfinished', ...) for a marker whose process is gone, else None."""
    try:
        mark = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    started = f"started {_clock(mark['started'])} ({_ago(mark['started'])} ago)"
    if mark["host"] != socket.gethostname():
        return "running?", f"by process {mark['pid']} on {mark['host']} (cannot check from here), {started}"
    if not _alive(mark["pid"]):
        return "unfinished", f"its process {mark['pid']} is gone (killed?), {started}; the next run continues it"
    return "running", f"process {mark['pid']}, {started}"


def _alive(pid: int) -> bool:
    """Whether a process of this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def training_lines(layout: OutputLayout) -> list[str]:
    """Epochs done, dev EER now and best, the last checkpoint, and live progress while training runs."""
    epochs = _epoch_records(layout.training_metrics())
    progress = _json(layout.training_progress())
    if not epochs and progress is None:
        return []
    lines = ["training:"]
    record = freshness.read_record(layout.stage_record("train")) or {}
    total = record.get("settings", {}).get("training.epochs") or (progress or {}).get("epochs")
    if epochs:
        best = min(epochs, key=lambda record: record["dev_eer"])
        last = epochs[-1]
        lines.append(f"  epochs done {last['epoch']}{f'/{total}' if total else ''}; dev EER {100 * last['dev_eer']:.2f}% "
                     f"at epoch {last['epoch']}, best {100 * best['dev_eer']:.2f}% at epoch {best['epoch']}")
        if last.get("peak_memory_mib") is not None:
            lines.append(f"  peak memory {last['peak_memory_mib'] / 1024:.2f} GiB (up to epoch {last['epoch']})")
    checkpoint = layout.checkpoint("last")
    if checkpoint.is_file():
        written = checkpoint.stat().st_mtime
        lines.append(f"  last checkpoint {checkpoint.relative_to(layout.root)}, written {_clock(written)} "
                     f"({_ago(written)} ago)")
    if progress is not None and (_running(layout.running_marker("train")) or ("",))[0] == "running":
        lines.append(_progress_line(progress, epochs))
    return lines


def _progress_line(progress: dict, epochs: list[dict]) -> str:
    """Epoch, step, loss, rate and time left, from the latest progress report of a running train."""
    values = " ".join(f"{name} {value:.4g}" for name, value in progress["values"].items())
    left = ""
    if progress["eta_s"] is not None:
        epoch_seconds = [record["seconds"] for record in epochs]
        later_epochs = progress["epochs"] - progress["epoch"]
        whole = progress["eta_s"] + (sum(epoch_seconds) / len(epoch_seconds) * later_epochs if epoch_seconds else 0)
        left = f", epoch ends in {format_duration(progress['eta_s'])}"
        left += f", training in about {format_duration(whole)}" if epoch_seconds or not later_epochs else ""
    return (f"  now: epoch {progress['epoch']}/{progress['epochs']} step {progress['step']}/{progress['steps']} "
            f"{values} {progress['rate']:.1f} {progress['unit']}/s{left} (reported {_ago(progress['written'])} ago)")


def _epoch_records(path: Path) -> list[dict]:
    """The lines of metrics.jsonl ([] when there are none yet)."""
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return []


def _json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _clock(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _ago(timestamp: float) -> str:
    return format_duration(time.time() - timestamp)
