"""The `asdf` console command. Each subcommand is one `add_<name>_command(subparsers)` function.

User errors (bad files, refused scores, results that cannot be written) print one line on stderr that
names the file and the cause, and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import logging
import math
import signal
import sys
from pathlib import Path

from asdf.base.errors import AsdfError, ConfigError, DataError, install_hint
from asdf.base.fileio import ensure_folder
from asdf.compute.allocator import keep_freed_memory
from asdf.data.protocols import PROTOCOL_READERS, read_asv_scores_2019, read_protocol
from asdf.data.scorefiles import SCORE_FORMATS, detect_score_format, drop_unlisted, join_scores, read_score_file
from asdf.metrics.bootstrap import DEFAULT_BOOTSTRAP_RESAMPLES
from asdf.metrics.calibration import LinearCalibration, fit_calibration
from asdf.pretrained import DEFAULT_MODEL

logger = logging.getLogger("asdf")

USER_ERROR_EXIT = 2  # also when results cannot be written: the command stopped before its end
FAILED_FILES_EXIT = 1  # `asdf score`: every file was processed but at least one could not be scored
INTERRUPTED_EXIT = 130  # Ctrl-C, as shells report it
CALIBRATION_FILE = "a calibration.json written by `asdf evaluate --calibrate-on`"


@contextlib.contextmanager
def _reading(path: Path, expected: str):
    """A file that is missing, a folder or not text stops the command with one line naming it and what was expected."""
    try:
        yield
    except FileNotFoundError:
        raise DataError(f"{path}: no such file (expected {expected})") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder (expected {expected})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text file (expected {expected})") from None


def _load_calibration(path: Path) -> LinearCalibration:
    """The calibration in `path`, or one line saying why the file is not one."""
    with _reading(path, CALIBRATION_FILE):
        try:
            calibration = LinearCalibration.load(path)
            usable = (math.isfinite(calibration.scale) and math.isfinite(calibration.offset)
                      and 0 < calibration.prior < 1)
        except (ValueError, TypeError, AttributeError) as error:  # not JSON, not an object, unknown or odd fields
            raise DataError(f"{path} is not {CALIBRATION_FILE} ({error})") from None
    if not usable:
        raise DataError(f"{path}: the calibration needs a finite scale and offset and a prior between 0 and 1")
    return calibration


def _scored_trials(scores_path: Path, protocol_path: Path, score_format: str, protocol_format: str):
    """A score file joined to its protocol (refusing missing, duplicated or unknown ids; the results of
    `asdf score` on a folder may hold files the protocol does not list, which are left out)."""
    with _reading(protocol_path, "a protocol / key file"):
        protocol = read_protocol(protocol_path, protocol_format)
    with _reading(scores_path, "a score file in ASVspoof 2019, 2021 or 5 format, or asdf score results"):
        score_format = detect_score_format(scores_path) if score_format == "auto" else score_format
        scores = read_score_file(scores_path, score_format)
    if score_format == "asdf-score":
        scores = drop_unlisted(scores, protocol, str(scores_path))
    return join_scores(scores, protocol, source=str(scores_path))


def _fit_dev_calibration(args: argparse.Namespace, out_dir: Path) -> LinearCalibration:
    """Fit the score calibration on the dev scores and save it beside the report."""
    from asdf.reports.evaluate import class_scores

    dev_trials = _scored_trials(args.calibrate_on, args.dev_protocol, args.format, args.protocol_format)
    calibration = fit_calibration(*class_scores(dev_trials))
    calibration.save(out_dir / "calibration.json")
    logger.info("calibration fitted on %s: llr = %.6g x score + %.6g", args.calibrate_on,
                calibration.scale, calibration.offset)
    return calibration


def _settings_header(args: argparse.Namespace) -> str:
    """The settings of this evaluation, written at the head of the report."""
    settings = {name: value for name, value in vars(args).items() if name not in ("handler", "command")}
    return "Settings (asdf evaluate):\n\n" + "\n".join(f"- {name} = {value}" for name, value in settings.items())


def run_evaluate(args: argparse.Namespace) -> int:
    """`asdf evaluate`: metrics, Markdown table and plots of one score file against its protocol."""
    from asdf.reports import evaluate_trials, write_report  # here: plotting is slow to import, and `score` needs none

    if (args.calibrate_on is None) != (args.dev_protocol is None):
        raise ValueError("--calibrate-on and --dev-protocol go together")
    out_dir = ensure_folder(args.out)
    trials = _scored_trials(args.scores, args.protocol, args.format, args.protocol_format)
    asv_scores = None
    if args.asv_scores:
        with _reading(args.asv_scores, "ASVspoof 2019 ASV scores"):
            asv_scores = read_asv_scores_2019(args.asv_scores)
    calibration = _fit_dev_calibration(args, out_dir) if args.calibrate_on else None
    results = evaluate_trials(trials, asv_scores, conditions=args.conditions, bootstrap=args.bootstrap,
                              seed=args.seed, calibration=calibration)
    name = args.name or Path(args.scores).stem
    for path in write_report(results, trials, out_dir, name, _settings_header(args)):
        logger.info("wrote %s", path)
    logger.info("EER %.3f %% over %d trials", 100 * results["eer"], results["counts"]["total"])
    return 0


def add_evaluate_command(subparsers) -> None:
    """Register `asdf evaluate`."""
    parser = subparsers.add_parser("evaluate", help="score file + protocol -> metrics JSON, Markdown table, plots",
                                   description="Evaluate a countermeasure score file (higher = bona fide).")
    parser.add_argument("--scores", required=True, type=Path,
                        help="score file (ASVspoof 2019, 2021 or 5 format, or the results of asdf score)")
    parser.add_argument("--protocol", required=True, type=Path, help="protocol / key file with the true labels")
    parser.add_argument("--asv-scores", type=Path, help="ASVspoof 2019 ASV scores, for the min t-DCF")
    parser.add_argument("--format", default="auto", choices=("auto",) + SCORE_FORMATS, help="score file format")
    parser.add_argument("--protocol-format", default="auto", choices=("auto", *PROTOCOL_READERS),
                        help="protocol format")
    parser.add_argument("--calibrate-on", type=Path, help="dev score file to fit a calibration on")
    parser.add_argument("--dev-protocol", type=Path, help="protocol of the dev score file")
    parser.add_argument("--conditions", nargs="+", default=["attack"],
                        help="protocol columns to break the results down by (default: attack)")
    parser.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP_RESAMPLES,
                        help="bootstrap resamples for the EER confidence interval (0: none)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--name", help="report name (default: the score file's name)")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.set_defaults(handler=run_evaluate)


def _named(values: list[str] | None, option: str, what: str) -> dict[str, str]:
    """{NAME: VALUE} of a repeated `NAME=VALUE` option; a malformed or repeated NAME stops with one line."""
    named = {}
    for text in values or []:
        name, separator, value = text.partition("=")
        if not (separator and name and value):
            raise ConfigError(f"{option} {text!r}: expected NAME={what}")
        if name in named:
            raise ConfigError(f"{option}: {name!r} is given twice")
        named[name] = value
    return named


def _system_score_files(system: str, spec: str, sets: list[str]) -> dict[str, Path]:
    """The score file of each set of one `--system`: a folder holding `<set>.txt` (or one `<set>.*.txt`, as the
    eval stage's `scores/<list>.<checkpoint>.txt`), or `SET:FILE,SET:FILE` for the sets it scored."""
    folder = Path(spec)
    if folder.is_dir():
        files = {}
        for set_name in sets:
            exact = folder / f"{set_name}.txt"
            found = [exact] if exact.is_file() else sorted(folder.glob(f"{glob.escape(set_name)}.*.txt"))
            if len(found) != 1:
                raise DataError(f"--system {system}: {folder} has {len(found)} score files of set {set_name!r} "
                                f"({', '.join(path.name for path in found) or f'expected {set_name}.txt'}); "
                                f"name them with {system}=SET:FILE,SET:FILE")
            files[set_name] = found[0]
        return files
    files = {}
    for pair in spec.split(","):
        set_name, separator, path = pair.partition(":")
        if not (separator and path) or set_name not in sets:
            raise ConfigError(f"--system {system}={spec}: {pair!r} is not SET:FILE with SET among the --set names "
                              f"{sets} (or {spec} is not a folder)")
        files[set_name] = Path(path)
    return files


def run_compare(args: argparse.Namespace) -> int:
    """`asdf compare`: several systems' score files on several sets -> one comparison table, JSON and plots."""
    from asdf.reports.compare import ScoredSet, SystemScores, compare_systems, write_comparison

    protocols = {name: Path(path) for name, path in _named(args.set, "--set", "PROTOCOL").items()}
    asv_tables = {}
    for set_name, path in _named(args.asv_scores, "--asv-scores", "FILE").items():
        if set_name not in protocols:
            raise ConfigError(f"--asv-scores {set_name}: no --set {set_name}=PROTOCOL")
        with _reading(Path(path), "ASVspoof 2019 ASV scores"):
            asv_tables[set_name] = read_asv_scores_2019(path)
    named_systems = _named(args.system, "--system", "SCORES_FOLDER or NAME=SET:FILE,...")
    unknown = [name for name in args.calibrated if name not in named_systems]
    if unknown:
        raise ConfigError(f"--calibrated {unknown[0]}: no --system of that name")
    systems = []
    for name, spec in named_systems.items():
        sets = {set_name: ScoredSet(_scored_trials(path, protocols[set_name], args.format, args.protocol_format),
                                    asv_tables.get(set_name))
                for set_name, path in _system_score_files(name, spec, list(protocols)).items()}
        systems.append(SystemScores(name, sets, calibrated=name in args.calibrated))
    out_dir = ensure_folder(args.out)
    comparison = compare_systems(systems, args.conditions, bootstrap=args.bootstrap, seed=args.seed)
    for path in write_comparison(comparison, systems, out_dir):
        logger.info("wrote %s", path)
    return 0


def add_compare_command(subparsers) -> None:
    """Register `asdf compare`."""
    parser = subparsers.add_parser(
        "compare", help="several systems' scores on several sets -> one comparison table (md, csv, tex, json)",
        description="Compare countermeasures of any toolkit (scores: higher = bona fide) across sets: per set EER, "
                    "min t-DCF (with ASV scores) or minDCF, each set's miss and false-alarm rates at one pooled "
                    "EER threshold, actDCF and Cllr for calibrated systems, per-condition EERs and plots.")
    parser.add_argument("--system", action="append", required=True, metavar="NAME=SCORES",
                        help="a system and its scores: a folder of <set>.txt (or <set>.*.txt) files, or "
                             "SET:FILE,SET:FILE (repeat for each system)")
    parser.add_argument("--set", action="append", required=True, metavar="SET=PROTOCOL",
                        help="a set and its protocol / key file (repeat for each set)")
    parser.add_argument("--asv-scores", action="append", metavar="SET=FILE",
                        help="ASVspoof 2019 ASV scores of a set, for its min t-DCF")
    parser.add_argument("--calibrated", action="append", default=[], metavar="NAME",
                        help="a system whose scores are calibrated LLRs: actDCF and Cllr are reported")
    parser.add_argument("--conditions", nargs="+", default=["attack"],
                        help="protocol columns to break the results down by, where a set has them (default: attack)")
    parser.add_argument("--format", default="auto", choices=("auto",) + SCORE_FORMATS, help="score file format")
    parser.add_argument("--protocol-format", default="auto", choices=("auto", *PROTOCOL_READERS),
                        help="protocol format")
    parser.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP_RESAMPLES,
                        help="bootstrap resamples for each EER's confidence interval (0: none)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.set_defaults(handler=run_compare)


def run_score(args: argparse.Namespace) -> int:
    """`asdf score`: score audio files; exit 1 when any file failed (each failure is in the results)."""
    from asdf.inference import ScoreOptions, load_scorer, run_batch
    from asdf.inference.inputs import expand_inputs
    from asdf.inference.scorers import verdict_options
    from asdf.inference.writers import format_for, open_writer

    paths = expand_inputs(args.paths, args.extensions.split(","))
    scorer = load_scorer(args.model, args.device, args.shared_data, args.window_samples, args.precision)
    if scorer.device == "cpu":  # each window's buffers reused, not faulted in afresh: about 8 % faster
        keep_freed_memory()
    calibration = verdict_options(scorer)
    if args.calibration:  # the user's calibration replaces a shipped model's, range and operating point included
        calibration = {"calibration": _load_calibration(args.calibration), "calibration_source": str(args.calibration)}
    options = ScoreOptions(overlap=args.overlap, batch_size=args.batch_size, aggregation=args.aggregation,
                           per_channel=args.per_channel, threshold=args.threshold, prior=args.prior,
                           min_duration_s=args.min_duration, **calibration)
    writer = open_writer(args.out, format_for(args.out, args.format), args.resume, args.force)
    try:
        summary = run_batch(paths, scorer, options, writer, args.plot)
    finally:
        writer.close()
    skipped = f", {summary.skipped} skipped (already in {args.out})" if summary.skipped else ""
    print(f"asdf score: {summary.scored} files scored, {summary.failed} failed, {summary.undecided} undecided"
          f"{skipped}", file=sys.stderr)
    return FAILED_FILES_EXIT if summary.failed else 0


def add_score_command(subparsers) -> None:
    """Register `asdf score`."""
    from asdf.inference.file_records import AGGREGATIONS, DEFAULT_MIN_DURATION_S
    from asdf.inference.inputs import AUDIO_EXTENSIONS
    from asdf.inference.scorers import PRECISIONS
    from asdf.inference.writers import FORMATS

    parser = subparsers.add_parser(
        "score", help="score audio files with a countermeasure (higher = more bona fide)",
        description="Score audio files of any format, rate, channel count and length. Each file is cut into "
                    "windows of the model's input length, the window scores are aggregated into a file score, "
                    "and a decision is taken at a stated threshold; silent or too short files are 'undecided'. "
                    "Exit status 0 when every file was scored, 1 when any failed, 2 for a usage error or results "
                    "that cannot be written.")
    parser.add_argument("paths", nargs="+", help="audio files, folders (searched recursively), '-' for stdin")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"a shipped model (default {DEFAULT_MODEL}: calibrated, see its model card), "
                             "aasist-official, aasist-l-official, a checkpoint, or an exported .onnx/.ts file")
    parser.add_argument("--out", type=Path, help="results file (.jsonl or .csv); default: JSON Lines on stdout")
    parser.add_argument("--format", choices=FORMATS, help="results format (default: from --out's extension)")
    parser.add_argument("--resume", action="store_true",
                        help="skip the files --out has scores for, retry those that failed, and append")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --out")
    parser.add_argument("--overlap", type=float, default=0.5, help="window overlap fraction (default 0.5)")
    parser.add_argument("--batch-size", type=int,
                        help="windows per forward pass (default 1 on the CPU, which keeps memory under 1 GB; 16 on CUDA)")
    parser.add_argument("--aggregation", choices=tuple(AGGREGATIONS), default="mean",
                        help="window scores -> file score (default mean; min flags short spoofed parts)")
    parser.add_argument("--per-channel", action="store_true", help="score each channel (default: mix down)")
    parser.add_argument("--calibration", type=Path, help="calibration.json of `asdf evaluate`: scores become LLRs")
    parser.add_argument("--prior", type=float,
                        help="bona fide prior of the posterior and the decision, for calibrated scores (default: "
                             "the shipped model's operating point, else the calibration's prior)")
    parser.add_argument("--threshold", type=float,
                        help="bona fide when score > threshold (default 0 for logits, the Bayes threshold at the "
                             "prior for LLRs)")
    parser.add_argument("--window-samples", type=int, help="window length at 16 kHz (default: the model's, 64600)")
    parser.add_argument("--min-duration", type=float, default=DEFAULT_MIN_DURATION_S,
                        help="shorter files are 'undecided' (flag too_short) whatever their score "
                             f"(seconds, default {DEFAULT_MIN_DURATION_S})")
    parser.add_argument("--extensions", default=",".join(e.lstrip(".") for e in AUDIO_EXTENSIONS),
                        help="file extensions searched in folders, comma-separated")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="forward pass in fp32 or bf16 (default auto: bf16 on a CPU with native bf16, about 1.6x "
                             "faster; files within 1.0 of a decision boundary are rescored in fp32, so decisions "
                             "are the fp32 ones)")
    parser.add_argument("--shared-data", type=Path, help="folder with pretrained/aasist (default ../shared/data)")
    parser.add_argument("--plot", type=Path, help="folder for one PNG per file: waveform, spectrogram, scores")
    parser.set_defaults(handler=run_score)


def run_export(args: argparse.Namespace) -> int:
    """`asdf export`: write an ONNX or TorchScript file and check it against PyTorch."""
    from asdf.inference.export import export_model
    from asdf.inference.writers import output_file

    output_file(args.out, f"model.{'onnx' if args.format == 'onnx' else 'ts'}")  # before the model is traced
    if args.out.exists() and not args.out.is_file():  # the export is renamed into place, which would replace it
        raise ConfigError(f"--out {args.out} is not a regular file (a device or a pipe); give a file name")
    difference = export_model(args.model, args.out, args.format, args.shared_data, args.window_samples,
                              args.check)
    print(f"asdf export: wrote {args.out}; largest difference from PyTorch {difference:.2e}", file=sys.stderr)
    return 0


def add_export_command(subparsers) -> None:
    """Register `asdf export`."""
    parser = subparsers.add_parser("export", help="export a model to ONNX or TorchScript for deployment",
                                   description="Export a model (dynamic batch) and check it against PyTorch.")
    parser.add_argument("model", help="aasist-official, aasist-l-official or a checkpoint")
    parser.add_argument("--format", choices=("onnx", "torchscript"), default="onnx")
    parser.add_argument("--out", required=True, type=Path, help="output file (.onnx, .ts)")
    parser.add_argument("--window-samples", type=int, help="input length at 16 kHz (default 64600)")
    parser.add_argument("--check", nargs="*", default=[], help="audio files whose windows also check the export")
    parser.add_argument("--shared-data", type=Path, help="folder with pretrained/aasist (default ../shared/data)")
    parser.set_defaults(handler=run_export)


def run_app(args: argparse.Namespace) -> int:
    """`asdf app`: the Gradio web demo (blocks until stopped)."""
    from asdf.cli.app import DEFAULT_MODELS, launch_app

    # a plain exit on SIGTERM (a service being stopped), so that the demo's temporary files are removed
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    launch_app(args.host, args.port, args.models or DEFAULT_MODELS, args.max_upload_mb, args.shared_data, args.example)
    return 0


def add_app_command(subparsers) -> None:
    """Register `asdf app`."""
    parser = subparsers.add_parser("app", help="web demo: upload or record audio and see the decision",
                                   description=f"Gradio web demo ({install_hint('app')}).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--models", nargs="+",
                        help=f"models offered, the first selected (names or paths; default {DEFAULT_MODEL} and the "
                             "official AASIST and AASIST-L)")
    parser.add_argument("--max-upload-mb", type=float, default=50.0, help="uploads above this size are refused")
    parser.add_argument("--example", help="audio file shown and scored when the page opens")
    parser.add_argument("--shared-data", type=Path, help="folder with pretrained/aasist (default ../shared/data)")
    parser.set_defaults(handler=run_app)


def run_convert_fairseq(args: argparse.Namespace) -> int:
    """`asdf convert-fairseq`: a fairseq wav2vec 2.0 / XLS-R checkpoint -> a transformers model folder."""
    from asdf.models.fairseq_convert import convert_fairseq_checkpoint

    out_dir = convert_fairseq_checkpoint(args.checkpoint, args.out_dir, prefix=args.prefix,
                                         config_from=args.config_from)
    print(f"asdf convert-fairseq: wrote {out_dir}", file=sys.stderr)
    return 0


def add_convert_fairseq_command(subparsers) -> None:
    """Register `asdf convert-fairseq`."""
    parser = subparsers.add_parser(
        "convert-fairseq", help="convert a fairseq wav2vec 2.0 / XLS-R checkpoint to a transformers folder",
        description="Convert a fairseq wav2vec 2.0 / XLS-R checkpoint (e.g. xlsr2_300m.pt) into a transformers "
                    "Wav2Vec2Model folder (safetensors) without fairseq. The file is read without running any "
                    "code in it; pretraining-only weights (quantizer, project_q, final_proj) are dropped.")
    parser.add_argument("checkpoint", type=Path, help="fairseq checkpoint (.pt)")
    parser.add_argument("out_dir", type=Path, help="output folder (must not exist or be empty)")
    parser.add_argument("--prefix", help="prefix of the wav2vec 2.0 keys, e.g. 'ssl_model.model.' "
                                         "(default: found from the keys)")
    parser.add_argument("--config-from", type=Path,
                        help="fairseq checkpoint whose settings describe the model, for a checkpoint without them "
                             "(e.g. a fine-tuned SSL-AASIST model: the xlsr2_300m.pt it started from)")
    parser.set_defaults(handler=run_convert_fairseq)


def run_corpus(args: argparse.Namespace) -> int:
    """`asdf corpus`: list the synthesis engines, or build a corpus in the ASVspoof 2019 LA layout."""
    from asdf.corpus_builders.demo_la import prepare_demo_la
    from asdf.corpus_builders.open_spoof import build_open_spoof, inventory_table
    from asdf.corpus_builders.open_spoof.collections import GITHUB, get_collections, read_manifest

    if args.action == "engines":
        print(inventory_table())
        return 0
    if args.action == "get-collections":
        failures = get_collections(args.folder, read_manifest(args.manifest), args.url_base or GITHUB)
        print(f"asdf corpus: collections in {args.folder}" + (f"; {len(failures)} repositories failed" if failures
                                                              else ""), file=sys.stderr)
        return 1 if failures else 0
    if args.corpus == "demo-la":
        root = prepare_demo_la(args.source, args.out, seed=args.seed, workers=args.workers)
    else:
        root = build_open_spoof(args.out, args.source, args.preset, args.seed, tuple(args.real_dir), args.workers,
                                args.collections, args.collections_manifest)
    print(f"asdf corpus: {args.corpus} ready at {root} (point paths.{args.corpus.replace('-', '_')} at it)",
          file=sys.stderr)
    return 0


def add_corpus_command(subparsers) -> None:
    """Register `asdf corpus engines` and `asdf corpus build`."""
    parser = subparsers.add_parser("corpus", help="build a training corpus offline; list the synthesis engines",
                                   description="Build a corpus in the ASVspoof 2019 LA layout from real speech and "
                                               "installed synthesis engines, or list which engines are present.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("engines", help="each TTS engine: present or missing, version, and how to install it")
    get = actions.add_parser("get-collections", help="clone the demo-page repositories of the collections manifest",
                             description="Fetches the branches the collections manifest reads of each repository "
                                         "into FOLDER/owner/name (bare git repositories); run again to resume.")
    get.add_argument("folder", type=Path, help="where the repositories go (then: build --collections FOLDER)")
    get.add_argument("--url-base", help="where the repositories are served (default: https://github.com)")
    get.add_argument("--manifest", type=Path, help="another collections manifest (default: the shipped one)")
    build = actions.add_parser("build", help="build (or resume) a corpus",
                               description="An interrupted build resumes where it stopped; a complete one is kept.")
    build.add_argument("corpus", choices=("open-spoof", "demo-la"))
    build.add_argument("--out", required=True, type=Path, help="folder to create (will contain LA/)")
    build.add_argument("--preset", choices=("small", "full"), default="full",
                       help="open-spoof size: small (tests, about a minute) or full (default)")
    build.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    build.add_argument("--source", type=Path, default=Path("../shared/data"),
                       help="the shared data folder of real speech (default ../shared/data)")
    build.add_argument("--real-dir", type=Path, action="append", default=[],
                       help="open-spoof: a folder of your own real speech to add as bona fide (repeatable)")
    build.add_argument("--collections", type=Path,
                       help="open-spoof: the folder `asdf corpus get-collections` filled with the demo-page "
                            "repositories of the collections manifest (default: none)")
    build.add_argument("--collections-manifest", type=Path,
                       help="open-spoof: another collections manifest, in the shipped one's columns (default: the "
                            "shipped asdf/corpus_builders/open_spoof/collections.tsv)")
    build.add_argument("--workers", type=int, default=2, help="processes rendering audio (default 2)")
    parser.set_defaults(handler=run_corpus)


SUBCOMMANDS = [add_evaluate_command, add_compare_command, add_score_command, add_export_command, add_app_command,
               add_convert_fairseq_command, add_corpus_command]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(prog="asdf", description="asdf: speech anti-spoofing toolkit")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in SUBCOMMANDS:
        add_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `asdf` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except (AsdfError, ValueError, OSError) as error:
        print(f"asdf {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return USER_ERROR_EXIT
    except KeyboardInterrupt:
        print(f"asdf {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT


def _one_line(error: Exception) -> str:
    """The error as one line; an OSError names its file (its str() has the errno, not always the path)."""
    if isinstance(error, OSError) and error.filename is not None:
        text = f"{error.filename}: {error.strerror or error}"
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
