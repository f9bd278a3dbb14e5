"""Users' own data: `<list>.txt` files of `path label [attack] [speaker]` lines (label bonafide or spoof)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.base.errors import DataError
from asdf.corpora.common import CORPUS_COLUMNS
from asdf.data.protocols import CM_KEYS, ProtocolError

LABELS = {"bonafide": "bonafide", "bona-fide": "bonafide", "spoof": "spoof"}
FORMAT = "path label [attack] [speaker]"


def parse_line(line: str, where: str, folder: Path) -> tuple[str, str, str, str, str]:
    """(utt_id, path, speaker, attack, key) of one line; relative paths are taken from the list's folder."""
    fields = line.split()
    if not 2 <= len(fields) <= 4:
        raise ProtocolError(f"{where}: expected 2 to 4 fields ({FORMAT}), found {len(fields)}: {line.strip()!r}")
    if fields[1] not in LABELS:
        raise ProtocolError(f"{where}: label {fields[1]!r} is not one of {', '.join(CM_KEYS)}")
    path = Path(fields[0]).expanduser()
    path = path if path.is_absolute() else folder / path
    attack = fields[2] if len(fields) > 2 else "-"
    speaker = fields[3] if len(fields) > 3 else "-"
    return str(Path(fields[0]).with_suffix("")), str(path), speaker, attack, LABELS[fields[1]]


def read_plain_list(path: Path) -> pd.DataFrame:
    """The utterances of a plain list file, in order; utt_id is the path as written without its extension."""
    rows = [parse_line(line, f"{path}:{number}", path.parent)
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise ProtocolError(f"{path}: no entries (expected lines of {FORMAT})")
    table = pd.DataFrame(rows, columns=["utt_id", "path", "speaker", "attack", "key"])
    duplicated = table["utt_id"].duplicated()
    if duplicated.any():
        raise ProtocolError(f"{path}: {table['utt_id'][duplicated].iloc[0]!r} is listed twice")
    return table[CORPUS_COLUMNS]


class PlainLists:
    """A folder of plain lists: list name `eval` is the file `<folder>/eval.txt`."""

    def __init__(self, root: Path, setting: str = "paths.plain_list") -> None:
        self.root, self.setting = root, setting

    def utterances(self, list_name: str) -> pd.DataFrame:
        """The utterances of `<root>/<list_name>.txt`."""
        path = self.root / f"{list_name}.txt"
        if not path.is_file():
            raise DataError(f"plain list {list_name!r} not found: expected {path} with lines '{FORMAT}' "
                            f"(set {self.setting} to the folder of your lists)")
        return read_plain_list(path)

    def asv_scores(self, list_name: str) -> None:
        """Plain lists carry no ASV scores."""
        return None
