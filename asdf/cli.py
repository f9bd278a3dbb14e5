"""The `asdf` console command. Each subcommand is one `add_<name>_command(subparsers)` function.

User errors (bad files, refused scores) print one line on stderr and exit non-zero, without a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from asdf.errors import AsdfError
from asdf.metrics.calibration import LinearCalibration, fit_calibration
from asdf.protocols import PROTOCOL_READERS, read_asv_scores_2019, read_protocol
from asdf.reports import evaluate_trials, write_report
from asdf.reports.evaluate import DEFAULT_BOOTSTRAP_RESAMPLES, class_scores
from asdf.scorefiles import SCORE_FORMATS, join_scores, read_score_file

logger = logging.getLogger("asdf")

USER_ERROR_EXIT = 2


def _scored_trials(scores_path: Path, protocol_path: Path, score_format: str, protocol_format: str):
    """A score file joined to its protocol (refusing missing, duplicated or unknown ids)."""
    protocol = read_protocol(protocol_path, protocol_format)
    return join_scores(read_score_file(scores_path, score_format), protocol, source=str(scores_path))


def _fit_dev_calibration(args: argparse.Namespace, out_dir: Path) -> LinearCalibration:
    """Fit the score calibration on the dev scores and save it beside the report."""
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
    if (args.calibrate_on is None) != (args.dev_protocol is None):
        raise ValueError("--calibrate-on and --dev-protocol go together")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    trials = _scored_trials(args.scores, args.protocol, args.format, args.protocol_format)
    asv_scores = read_asv_scores_2019(args.asv_scores) if args.asv_scores else None
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
    parser.add_argument("--scores", required=True, type=Path, help="score file (ASVspoof 2019, 2021 or 5 format)")
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


SUBCOMMANDS = [add_evaluate_command]


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
        print(f"asdf {args.command}: error: {error}", file=sys.stderr)
        return USER_ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
