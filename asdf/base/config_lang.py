"""The settings language: `group.field = value` lines, named run configs that inherit, `key=value` overrides.

Values are Python literals read with `ast.literal_eval` (never executed) and checked against the field's type
(a `Literal[...]` field accepts only the values it lists).
A run-config file is a sequence of blocks; a block starts with a header line naming it, optionally with the
blocks it inherits from (`train-demo < train, demo-data`), followed by assignment lines.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from asdf.base.errors import ConfigError
from asdf.base.settings import Settings

_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\s*(?:<\s*(?P<parents>[A-Za-z0-9_.,\s-]+))?$")
_ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.+)$")


@dataclass(frozen=True)
class Assignment:
    """One `group.field = value` line and where it came from."""

    key: str
    value_text: str
    source: str  # "file:line" or "command line"


@dataclass(frozen=True)
class RunConfig:
    """A named block of assignments and the blocks it inherits from."""

    name: str
    parents: tuple[str, ...]
    assignments: tuple[Assignment, ...]


def _strip_comment(line: str) -> str:
    """Drop a trailing `# comment` that is not inside a string literal."""
    quote = None
    for position, character in enumerate(line):
        if quote:
            if character == quote:
                quote = None
        elif character in "'\"":
            quote = character
        elif character == "#":
            return line[:position].rstrip()
    return line.rstrip()


def _meaningful_lines(path: Path):
    """Yield (line number, text) for non-empty, non-comment lines of `path`."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    for number, raw_line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _strip_comment(raw_line).strip()
        if line:
            yield number, line


def parse_assignment_file(path: Path) -> list[Assignment]:
    """Read a file of `group.field = value` lines (the init config)."""
    assignments = []
    for number, line in _meaningful_lines(path):
        match = _ASSIGNMENT.match(line)
        if not match:
            raise ConfigError(f"{path}:{number}: expected 'group.field = value', got {line!r}")
        assignments.append(Assignment(match["key"], match["value"].strip(), f"{path}:{number}"))
    return assignments


def parse_run_config_file(path: Path) -> dict[str, RunConfig]:
    """Read a file of named run-config blocks."""
    blocks: dict[str, tuple[tuple[str, ...], list[Assignment]]] = {}
    current = None
    for number, line in _meaningful_lines(path):
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            if current is None:
                raise ConfigError(f"{path}:{number}: assignment before any run-config name")
            blocks[current][1].append(Assignment(assignment["key"], assignment["value"].strip(), f"{path}:{number}"))
            continue
        header = _HEADER.match(line)
        if not header:
            raise ConfigError(f"{path}:{number}: expected a run-config name or 'group.field = value', got {line!r}")
        current = header["name"]
        if current in blocks:
            raise ConfigError(f"{path}:{number}: run config {current!r} is defined twice")
        parents = tuple(p.strip() for p in (header["parents"] or "").split(",") if p.strip())
        blocks[current] = (parents, [])
    return {name: RunConfig(name, parents, tuple(lines)) for name, (parents, lines) in blocks.items()}


def resolve_chain(name: str, configs: dict[str, RunConfig]) -> list[RunConfig]:
    """Return the blocks to apply for `name`: ancestors first (depth-first, left to right), then `name`."""
    order: list[RunConfig] = []

    def visit(block_name: str, path: tuple[str, ...]) -> None:
        if block_name in path:
            raise ConfigError(f"run config inheritance loops: {' < '.join(path + (block_name,))}")
        if block_name not in configs:
            raise ConfigError(f"unknown run config {block_name!r}{_closest(block_name, configs)}")
        block = configs[block_name]
        for parent in block.parents:
            visit(parent, path + (block_name,))
        if block not in order:
            order.append(block)

    visit(name, ())
    return order


def parse_override(text: str) -> Assignment:
    """Read a command-line `group.field=value` override."""
    key, separator, value = text.partition("=")
    if not separator or not _ASSIGNMENT.match(f"{key.strip()} = {value.strip() or '_'}"):
        raise ConfigError(f"command-line override {text!r}: expected group.field=value")
    return Assignment(key.strip(), value.strip(), "command line")


def field_types(settings: Settings) -> dict[str, Any]:
    """Map every 'group.field' key to its declared type."""
    types = {}
    for group in dataclasses.fields(settings):
        group_hints = typing.get_type_hints(type(getattr(settings, group.name)))
        for item in dataclasses.fields(getattr(settings, group.name)):
            types[f"{group.name}.{item.name}"] = group_hints[item.name]
    return types


def apply_assignments(settings: Settings, assignments: list[Assignment] | tuple[Assignment, ...]) -> None:
    """Set each assigned value on `settings`, checking the key exists and the value has the field's type."""
    types = field_types(settings)
    for assignment in assignments:
        if assignment.key not in types:
            raise ConfigError(f"{assignment.source}: unknown setting {assignment.key!r}{_closest(assignment.key, types)}")
        expected = types[assignment.key]
        value = _parse_value(assignment, expected)
        group, name = assignment.key.split(".")
        setattr(getattr(settings, group), name, value)


def _parse_value(assignment: Assignment, expected: Any) -> Any:
    """Turn the value text into a Python value of the expected type, or raise naming the key."""
    value = _literal_value(assignment, expected)
    checked = _coerce(value, expected)
    if checked is _MISMATCH:
        raise ConfigError(f"{assignment.source}: {_mismatch(assignment.key, value, expected)}")
    return checked


def _literal_value(assignment: Assignment, expected: Any) -> Any:
    """The Python literal written as the value, or raise naming the key."""
    try:
        return ast.literal_eval(assignment.value_text)
    except (ValueError, SyntaxError):
        # On the command line a bare word is a string: paths.output_folder=/data/out needs no quotes.
        if assignment.source == "command line" and _accepts(expected, str):
            return assignment.value_text
        raise ConfigError(
            f"{assignment.source}: {assignment.key} = {assignment.value_text}: not a Python literal "
            f"(strings need quotes)"
        ) from None


_MISMATCH = object()


def _options(expected: Any) -> tuple:
    """The alternatives of a declared type: those of an Optional/Union, else the type itself."""
    return typing.get_args(expected) if typing.get_origin(expected) is typing.Union else (expected,)


def allowed_values(expected: Any) -> tuple:
    """The values a `Literal[...]` type (or an Optional of one) allows; () for any other type."""
    return tuple(value for option in _options(expected) if typing.get_origin(option) is Literal
                 for value in typing.get_args(option))


def _coerce(value: Any, expected: Any) -> Any:
    """Return `value` converted to `expected` where that is lossless, else _MISMATCH."""
    for option in _options(expected):
        if option is type(None) and value is None:
            return None
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if option is str and isinstance(value, str):
            return value
        if option is list and isinstance(value, (list, tuple)):
            return list(value)
        if any(value == allowed and type(value) is type(allowed) for allowed in allowed_values(option)):
            return value
    return _MISMATCH


def _accepts(expected: Any, kind: type) -> bool:
    """Whether the declared type admits values of `kind`."""
    return kind in _options(expected) or any(isinstance(value, kind) for value in allowed_values(expected))


def _mismatch(key: str, value: Any, expected: Any) -> str:
    """Why `value` does not fit the declared type of `key`: the allowed values, or the expected type."""
    if allowed_values(expected):
        return choice_problem(key, value, allowed_values(expected))
    names = " or ".join("None" if option is type(None) else option.__name__ for option in _options(expected))
    return f"{key} expects {names}, got {type(value).__name__} {value!r}"


def choice_problem(key: str, value: Any, allowed) -> str:
    """'<key> must be one of <allowed>, got <value>', with the closest allowed value of a misspelt name."""
    listed = ", ".join(repr(choice) for choice in allowed)
    return f"{key} must be one of {listed}, got {value!r}{_did_you_mean(value, allowed)}"


def _did_you_mean(text: Any, candidates) -> str:
    """A ' (did you mean ...?)' suffix naming the candidate closest to `text`, or ''."""
    names = [candidate for candidate in candidates if isinstance(candidate, str)]
    matches = difflib.get_close_matches(text, names, n=1, cutoff=0.5) if isinstance(text, str) else []
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _closest(key: str, candidates) -> str:
    """A ' (did you mean ...?)' suffix naming the closest valid key (or one with the same field name), or ''."""
    suffix = _did_you_mean(key, candidates)
    if suffix or "." not in key:
        return suffix
    field_name = key.split(".", 1)[1]
    same_field = [candidate for candidate in candidates if candidate.split(".", 1)[-1] == field_name]
    return f" (did you mean {same_field[0]!r}?)" if same_field else ""


def settings_as_dict(settings: Settings) -> dict[str, dict[str, Any]]:
    """The settings as a nested dict of plain values (for YAML, JSON and comparison)."""
    return dataclasses.asdict(settings)


def settings_from_dict(values: dict) -> Settings:
    """Settings rebuilt from `settings_as_dict`'s form (a saved config/<stage>.yaml); unknown keys are an error."""
    settings = Settings()
    for group, fields in values.items():
        target = getattr(settings, group, None)
        if not dataclasses.is_dataclass(target) or not isinstance(fields, dict):
            raise ConfigError(f"unknown settings group {group!r}")
        for name, value in fields.items():
            if name not in {field.name for field in dataclasses.fields(target)}:
                raise ConfigError(f"unknown setting {group}.{name}")
            setattr(target, name, value)
    return settings


def format_settings(settings: Settings) -> str:
    """The settings as `group.field = value` lines, in the same language the config files use."""
    lines = []
    for group, values in settings_as_dict(settings).items():
        for name, value in values.items():
            lines.append(f"{group}.{name} = {value!r}")
    return "\n".join(lines)
