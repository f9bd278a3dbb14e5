"""What a stage consumed: the settings it depends on and a fingerprint of each input file.

A stage's record is saved beside its outputs (`records/<stage>.json`). The next run compares it with what the
stage would consume now: equal, the stage is skipped and nothing is written; different, the differences are
named in one line and the stage reruns. A file is fingerprinted by its SHA-256; when its size and modification
time are those recorded, the recorded hash is trusted instead of reading the file again.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from asdf.base.config_lang import settings_as_dict
from asdf.base.errors import DataError
from asdf.base.fileio import atomic_write_json
from asdf.base.settings import Settings

HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class StageInputs:
    """What a stage reads: setting keys ('group' or 'group.field'), files, and tables it reads from elsewhere."""

    settings: tuple[str, ...]
    files: dict[str, Path] = field(default_factory=dict)  # name in messages -> file
    tables: dict[str, str] = field(default_factory=dict)  # name -> SHA-256 of content read outside the output folder
    ignored: tuple[str, ...] = ()  # 'group.field' keys inside `settings` groups that do not change the outputs


def selected_settings(settings: Settings, keys: tuple[str, ...], ignored: tuple[str, ...] = ()) -> dict[str, Any]:
    """{'group.field': value} for each key ('group' takes every field of the group), less `ignored`."""
    everything = settings_as_dict(settings)
    chosen = {}
    for key in keys:
        group, _, name = key.partition(".")
        names = [name] if name else list(everything[group])
        chosen.update({f"{group}.{field_name}": everything[group][field_name] for field_name in names})
    return {key: value for key, value in chosen.items() if key not in ignored}


def file_hash(path: Path) -> str:
    """SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(path: Path, known: dict | None = None) -> dict | None:
    """{size, mtime_ns, sha256} of `path`, None when it does not exist; `known` is reused if size and time match."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    if known and known.get("size") == status.st_size and known.get("mtime_ns") == status.st_mtime_ns:
        return known
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "sha256": file_hash(path)}


def current_record(inputs: StageInputs, settings: Settings, saved: dict | None) -> dict:
    """The record of what the stage would consume now."""
    known_files = (saved or {}).get("files", {})
    files = {name: fingerprint(path, known_files.get(name)) for name, path in inputs.files.items()}
    chosen = selected_settings(settings, inputs.settings, inputs.ignored)
    # through JSON, as the saved record went, so that tuples, lists and numbers compare alike
    return json.loads(json.dumps({"settings": chosen, "files": files, "tables": dict(inputs.tables)}))


def differences(saved: dict, current: dict) -> list[str]:
    """What changed between two records, a short phrase each ('training.epochs 3 -> 1', 'checkpoints/best.pt changed').

    A setting the saved record lacks (added to asdf since) changes nothing while it keeps its default, which is
    the behaviour the run was made with."""
    changes = []
    old_settings, new_settings = saved.get("settings", {}), current["settings"]
    defaults = json.loads(json.dumps(selected_settings(Settings(), tuple(new_settings))))
    for key, value in new_settings.items():
        if key not in old_settings:
            if value != defaults[key]:
                changes.append(f"{key} (not recorded) -> {value!r}")
        elif old_settings[key] != value:
            changes.append(f"{key} {old_settings[key]!r} -> {value!r}")
    for kind in ("files", "tables"):
        old, new = saved.get(kind, {}), current[kind]
        for name in sorted(set(old) | set(new)):
            changes += _file_change(name, old.get(name), new.get(name), kind == "files")
    return changes


def _file_change(name: str, old, new, is_file: bool) -> list[str]:
    """One phrase for a file or table whose fingerprint differs, none when it does not."""
    old_hash = old.get("sha256") if is_file and old else old
    new_hash = new.get("sha256") if is_file and new else new
    if old_hash == new_hash:
        return []
    if new_hash is None:
        return [f"{name} is gone"]
    return [f"{name} is new"] if old_hash is None else [f"{name} changed"]


def read_record(path: Path) -> dict | None:
    """A saved record, None when there is none; a damaged one counts as none (the stage then reruns)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    except OSError as error:
        raise DataError(f"cannot read the stage record {path}: {error.strerror or error}") from None
    return record if isinstance(record, dict) else None


def write_record(path: Path, record: dict, complete: bool) -> None:
    """Save a record: `complete` False while the stage runs (train resumes only into the same record)."""
    atomic_write_json(path, {**record, "complete": complete})


@contextmanager
def marked_running(path: Path) -> Iterator[None]:
    """Keep `path` (process id, host, start time) while the block runs, so another terminal can tell a running
    stage from one that was killed."""
    atomic_write_json(path, {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # a folder turned read-only: `run.py status` sees the process gone and the record complete


def table_hash(text: str) -> str:
    """SHA-256 of a table's text, for `StageInputs.tables`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def output_files(root: Path, paths: list[Path]) -> dict[str, Path]:
    """`StageInputs.files` for files of the output folder, named by their path inside it."""
    return {str(path.relative_to(root)): path for path in paths}
