"""Every path of the output folder is named in asdf/base/paths.py, and only there."""

from __future__ import annotations

import re
from pathlib import Path

from asdf.base.paths import OutputLayout

LIBRARY = Path(__file__).resolve().parents[1] / "asdf"
# the output folder's sub-folders and fixed file names, as code would spell them to build a path by hand
FOLDERS = "lists|checkpoints|scores|results|final|compare|records|config|logs|work|previous"
HAND_BUILT = re.compile(rf"""/ ?["'](?:{FOLDERS})["']|["']results\.(?:json|txt)["']|_folder\(\) / """)


def test_no_output_path_is_built_outside_paths_py():
    offenders = [f"{path.relative_to(LIBRARY)}:{number}: {line.strip()}" for path in LIBRARY.rglob("*.py")
                 if path.name != "paths.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if HAND_BUILT.search(line)]
    assert not offenders, "output paths put together outside asdf/base/paths.py:\n" + "\n".join(offenders)


def test_the_score_stage_files_are_where_the_readme_says(tmp_path):
    layout = OutputLayout(tmp_path / "aasist")
    assert layout.result_file("eval", "best") == tmp_path / "aasist" / "results" / "eval.best.json"
    final = tmp_path / "aasist" / "final"
    assert layout.final_scores("eval", "best", "asvspoof2021") == final / "eval.best.asvspoof2021.txt"
    assert layout.final_results("json") == final / "results.json"
