"""Build the asdf demo corpus (ASVspoof 2019 LA layout) from the shared real speech.

Example: python utils/make_demo_corpus.py --source ../shared/data --out output/corpora/demo_la --seed 0
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from asdf.base.errors import AsdfError
from asdf.corpus_builders.demo_la import prepare_demo_la


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="../shared/data", help="folder of real speech (the shared data folder)")
    parser.add_argument("--out", default="output/corpora/demo_la", help="corpus folder to create (will contain LA/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="processes rendering audio (default 2)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the corpus; a data problem becomes a message and exit code 1."""
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    started = time.monotonic()
    try:
        root = prepare_demo_la(arguments.source, arguments.out, seed=arguments.seed, workers=arguments.workers)
    except AsdfError as error:
        logging.error("%s", error)
        return 1
    logging.info("demo corpus ready at %s (%.1f s)", root, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
