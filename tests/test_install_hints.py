"""Install hints name this toolkit's distribution and extras that exist: `pip install 'asdf[app]'` would install
another project (the ASDF Standard)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from asdf.base.errors import install_hint

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [path for folder in ("asdf", "docs", "tests", "utils", "bench", "egs", "recipes", "configs")
           for path in (ROOT / folder).rglob("*") if path.suffix in (".py", ".md", ".sh", ".txt")]
SOURCES = [path for path in SOURCES if path != Path(__file__).resolve()] + [ROOT / "README.md"]
EXTRAS = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"])
# pip install 'asdf[app]' / "asdf[app]" / asdf[app]: the ASDF Standard's extras, not ours
OTHER_PROJECT = re.compile(r"""pip install[^\n]*?(?<![\w.-])['"]?asdf\[""")
NAMED_EXTRA = re.compile(r"""(?:asdf-antispoof|['"]\.)\[([\w,-]+)\]|install_hint\(['"]([\w-]+)['"]\)""")


def test_no_hint_installs_the_other_asdf():
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in SOURCES
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if OTHER_PROJECT.search(line.replace("\\[", "["))]
    assert not offenders, f"install hints that name the ASDF Standard's distribution: {offenders}"


def test_every_extra_a_hint_names_exists():
    named = {(path.relative_to(ROOT), extra) for path in SOURCES
             for match in NAMED_EXTRA.finditer(path.read_text(encoding="utf-8"))
             for group in match.groups() if group for extra in group.split(",")}
    assert {extra for _, extra in named} >= {"app", "export", "formats"}  # the hints the code gives
    unknown = sorted((str(path), extra) for path, extra in named if extra not in EXTRAS)
    assert not unknown, f"hints naming extras that pyproject.toml does not define: {unknown}"


def test_the_hint_installs_this_distribution_from_an_index_or_a_clone():
    assert install_hint("app") == "pip install 'asdf-antispoof[app]' (from a clone of asdf: pip install -e '.[app]')"
