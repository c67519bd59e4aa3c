"""YAML reading that remembers where every value came from, for errors with file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PackIssue:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class LoadedYaml:
    path: Path
    data: Any
    lines: dict[Location, int]

    def line_of(self, loc: Location) -> int:
        """The line of the deepest known node on `loc` (1-based)."""
        probe = tuple(loc)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def _scalar(node: yaml.Node) -> Any:
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _walk(node: yaml.Node, loc: Location, lines: dict[Location, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            out[key] = _walk(value_node, (*loc, key), lines)
            # the key's own line is the one an error about this field should point at
            lines[(*loc, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, (*loc, i), lines) for i, child in enumerate(node.value)]
    return _scalar(node)


def read_yaml(path: Path) -> LoadedYaml:
    """Parse one YAML file; raises `yaml.YAMLError` (with a mark) on a syntax error."""
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[Location, int] = {}
    data = {} if node is None else _walk(node, (), lines)
    return LoadedYaml(path, data, lines)
