"""Reading a fairseq checkpoint without fairseq or omegaconf, and without running anything in it.

A fairseq checkpoint is a `torch.save` pickle of a dict holding `model` (the state dict), `cfg` (newer fairseq: a
plain dict since mid-2021, an omegaconf `DictConfig` before; its `model` section may itself be an
`argparse.Namespace`) or `args` (older fairseq: an `argparse.Namespace`), and training state (`optimizer_history`,
`last_optimizer_state`, `extra_state`, `task_state`, ...).

`torch.load(weights_only=True)` refuses such a file because of the config objects. `load_fairseq_checkpoint` still
uses torch's weights-only unpickler (tensors, storages and plain containers as torch allows them) and allowlists,
under the names the file refers to, a few inert stand-in classes for the config objects: they only record the
state the pickle hands them and never import or call the real class. Everything else is refused with an error
naming the global. The stand-ins are then turned into plain dicts, lists and values.
"""

from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

import torch

from asdf.models.fairseq_convert.errors import FairseqConversionError


class PickledRecord:
    """Stand-in for an object of a class we never construct: it keeps the arguments and state the pickle gives."""

    pickled_name = "?"

    def __new__(cls, *args, **kwargs):
        record = object.__new__(cls)
        record.pickled_args = args
        record.pickled_state = None
        return record

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.pickled_state = state

    def __repr__(self) -> str:
        return f"<pickled {self.pickled_name}>"


class GlobalReference:
    """Stand-in for a class or typing name the pickle only refers to (e.g. `typing.Any` as a type annotation)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _new_defaultdict(*args):
    """`collections.defaultdict(factory)` as a plain dict (the factory is not kept)."""
    return {}


_OMEGACONF_NODES = ("AnyNode", "StringNode", "IntegerNode", "FloatNode", "BooleanNode", "EnumNode", "BytesNode",
                    "PathNode", "ValueNode", "InterpolationResultNode")
ENUM_CLASSES = ("fairseq.dataclass.constants.Choices",)  # settings saved before fairseq's enum_to_str (2021)
RECORDED_CLASSES = (
    "argparse.Namespace",
    "omegaconf.dictconfig.DictConfig",
    "omegaconf.listconfig.ListConfig",
    "omegaconf.base.ContainerMetadata",
    "omegaconf.base.Metadata",
    *(f"omegaconf.nodes.{node}" for node in _OMEGACONF_NODES),
    # training bookkeeping that may sit beside the weights: numpy scalars in meters, a fine-tuning dictionary
    "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "numpy.dtype",
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray",
    "fairseq.data.dictionary.Dictionary",
    *ENUM_CLASSES,
)
REFERENCED_NAMES = ("typing.Any", "typing.Dict", "typing.List", "typing.Tuple", "typing.Optional", "typing.Union",
                    "builtins.dict", "builtins.list", "builtins.tuple", "builtins.int", "builtins.float",
                    "builtins.str", "builtins.bool", "builtins.bytes", "builtins.object")

_RECORD_TYPES = {name: type(name.rsplit(".", 1)[1], (PickledRecord,), {"pickled_name": name})
                 for name in RECORDED_CLASSES}
_SAFE_GLOBALS = ([(record_type, name) for name, record_type in _RECORD_TYPES.items()]
                 + [(GlobalReference(name), name) for name in REFERENCED_NAMES]
                 + [(_new_defaultdict, "collections.defaultdict")])


def _refused_globals(path: Path, error: Exception) -> list:
    """The globals of the checkpoint that the loader refuses (read from its opcodes, nothing is run)."""
    names = list(dict.fromkeys(re.findall(r"GLOBAL (\S+)", str(error))))
    if not names:
        try:
            with torch.serialization.safe_globals(_SAFE_GLOBALS):
                names = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
        except Exception:  # not a zip checkpoint, or unreadable: the torch message is all there is
            names = []
    return names


def load_fairseq_checkpoint(path) -> dict:
    """The fairseq checkpoint at `path` as plain dicts, lists, values and tensors; no code in it is run."""
    path = Path(path)
    if not path.is_file():
        raise FairseqConversionError(f"fairseq checkpoint {path} does not exist")
    try:
        with torch.serialization.safe_globals(_SAFE_GLOBALS):
            content = torch.load(path, map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path))
    except Exception as error:  # the unpickler and the zip reader raise several types
        refused = _refused_globals(path, error)
        if refused:
            raise FairseqConversionError(
                f"refusing fairseq checkpoint {path}: it pickles {', '.join(refused)}, which is neither a tensor, "
                "a plain container nor a known fairseq/omegaconf config class (nothing in the file was run)"
            ) from error
        raise FairseqConversionError(f"cannot read fairseq checkpoint {path}: {_one_line(error)}") from error
    return _plain(content, {})


def _one_line(error: Exception) -> str:
    """The gist of a (possibly long, multi-line) torch.load error."""
    text = str(error)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _plain(value, seen: dict):
    """Config stand-ins -> plain dicts/lists/values; tensors and other values are returned as they are."""
    if isinstance(value, torch.Tensor):
        return value
    key = id(value)
    if key in seen:
        return seen[key]
    if isinstance(value, dict):
        result = type(value)() if type(value) is not dict else {}
        seen[key] = result
        for name, item in value.items():
            result[name] = _plain(item, seen)
        return result
    if isinstance(value, list):
        result = []
        seen[key] = result
        result.extend(_plain(item, seen) for item in value)
        return result
    if isinstance(value, tuple):
        return tuple(_plain(item, seen) for item in value)
    if isinstance(value, GlobalReference):
        return value.name
    if isinstance(value, argparse.Namespace):  # the real class, where a caller allowlisted it for torch.load
        return _plain(vars(value), seen)
    if isinstance(value, PickledRecord):
        return _plain_record(value, seen)
    return value


def _record_state(record: PickledRecord) -> dict:
    state = record.pickled_state
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], (dict, type(None))):
        state = state[0]  # (dict state, slot state)
    return state if isinstance(state, dict) else {}


def _plain_record(record: PickledRecord, seen: dict):
    name = record.pickled_name
    state = _record_state(record)
    if name == "argparse.Namespace":
        result = {}
        seen[id(record)] = result
        result.update((field, _plain(item, seen)) for field, item in state.items())
        return result
    if name in ("omegaconf.dictconfig.DictConfig", "omegaconf.listconfig.ListConfig"):
        # state: _metadata (ContainerMetadata), _parent (the enclosing container), _content (dict/list of nodes,
        # or None, or a string such as '???' or an interpolation)
        content = state.get("_content")
        if isinstance(content, (dict, list)):
            result = {} if isinstance(content, dict) else []
            seen[id(record)] = result
            if isinstance(content, dict):
                result.update((field, _plain(item, seen)) for field, item in content.items())
            else:
                result.extend(_plain(item, seen) for item in content)
            return result
        return content
    if name.startswith("omegaconf.nodes."):
        return _plain(state.get("_val"), seen)
    if name in ENUM_CLASSES:  # pickled as Class(value)
        return _plain(record.pickled_args[0], seen) if record.pickled_args else None
    return record  # bookkeeping objects nobody reads: kept as inert records
