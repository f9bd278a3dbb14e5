"""Write a tiny randomly initialised wav2vec 2.0 (transformers save_pretrained folder) for the SSL-AASIST demo.

Example: python utils/make_tiny_ssl_model.py output/ssl/tiny-wav2vec2
It has XLS-R's layout and feature encoder but 2 layers of width 32: the recipe runs offline on a CPU in minutes.
"""

from __future__ import annotations

import argparse

from asdf.models.ssl import save_tiny_model


def main(argv: list[str] | None = None) -> int:
    """Create the folder (left as it is when it already holds a model)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default="output/ssl/tiny-wav2vec2", help="folder to write")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    arguments = parser.parse_args(argv)
    print(f"tiny SSL model ready at {save_tiny_model(arguments.out, arguments.seed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
