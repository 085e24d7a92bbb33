"""YAML loading that remembers where each value was written.

PyYAML's SafeLoader forgets positions once it builds Python objects, and it
silently keeps the last of two equal keys. Curated files need both: every error
names its line, and a key written twice is a mistake worth reporting. This
loader builds mappings and lists that carry their lines, keeps the literal text
of numbers (so the M49 code `021` stays "021" and not octal 17, and
`19075668.00` stays an exact decimal), reads only true/false as booleans (so the
country code `NO` stays "NO"), and leaves impossible dates such as
`2019-02-30` as text so the reader can say what is wrong with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line = 0
        self.lines: dict[str, int] = {}


class LineList(list):
    """A list that remembers its own line and the line of each item (1-based)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.line = 0
        self.lines: list[int] = []


class ScalarInt(int):
    """An integer that keeps the text it was written as (`text`)."""

    text: str


class ScalarFloat(float):
    """A float that keeps the text it was written as (`text`)."""

    text: str


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    line: int
    first_line: int


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's constructors raise plain Python errors for explicit tags that do not fit their value
        (`!!int abc`, `!!timestamp x`, `!!map [a]`): those become broken YAML at the value's line."""
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, OverflowError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            value = f" {node.value[:40]!r}" if isinstance(node, yaml.ScalarNode) else ""
            raise yaml.constructor.ConstructorError(problem=f"the value{value} cannot be read as {tag}",
                                                    problem_mark=node.start_mark) from None


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)  # resolves `<<: *anchor` merges
    d = LineDict()
    d.line, d.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]` or `? *alias`: text of it could be exponential
            raise yaml.constructor.ConstructorError(problem="a key must be a plain value, not a list or mapping "
                                                            "(or an alias of one)", problem_mark=key_node.start_mark)
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in d.lines:
            loader.duplicates.append(DuplicateKey(key, line, d.lines[key]))
        d[key] = loader.construct_object(value_node, deep=True)
        d.lines[key] = line
    return d


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(n, deep=True) for n in node.value)
    items.line, items.lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
    return items


def _int(loader: _Loader, node: yaml.ScalarNode) -> ScalarInt:
    value = ScalarInt(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.text = node.value
    return value


def _float(loader: _Loader, node: yaml.ScalarNode) -> ScalarFloat:
    value = ScalarFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.text = node.value
    return value


def _bool(loader: _Loader, node: yaml.ScalarNode) -> bool | str:
    """Only true/false are booleans (as in YAML 1.2): `NO` is Norway, `on`/`yes` stay text."""
    return node.value.lower() == "true" if node.value.lower() in ("true", "false") else node.value


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:  # looks like a date but is not one (2019-02-30): keep the text
        return node.value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor("tag:yaml.org,2002:bool", _bool)


MAX_DEPTH = 64  # a project file nests a few levels; PyYAML's composer recurses and crashes near 1,000


def _check_depth(text: str) -> None:
    """Refuse deep nesting from the event stream (no recursion) before the recursive composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(problem=f"nested more than {MAX_DEPTH} levels deep",
                                           problem_mark=event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_with_lines(text: str) -> tuple[Any, list[DuplicateKey]]:
    """Parse one YAML document; raises `yaml.YAMLError` (with `problem_mark`) when it is broken."""
    _check_depth(text)
    loader = _Loader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def literal(value: Any) -> str:
    """The text a scalar was written as: `021` stays "021", `16.10` stays "16.10"."""
    return getattr(value, "text", None) or str(value)


def kind(value: Any) -> str:
    """How to name a value's type in an error message."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
