"""Reading and writing scenario YAML: libyaml's C parser where present, strict typing.

Timestamps and dates are left as strings (the validator parses them, so a
date that does not exist gets a located error instead of a crash), only
true/false are booleans (so a country code NO stays a string), and a key
given twice in one mapping is an error rather than silently overwritten.

The document is built from the parser's events by `_Builder`, not by PyYAML's composer,
which recurses once per level of nesting (in C with libyaml, where 50,000 nested `[`
overflow the stack and kill the process; in Python a RecursionError). Building from events
needs no recursion and refuses, at the line where it happens, what no scenario can need:
nesting deeper than MAX_DEPTH, a mapping of more than MAX_KEYS keys, or aliases that repeat
the file into more than MAX_VALUES values. It is also some two to three times faster than
composing nodes and then constructing objects from them.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

try:  # libyaml's C parser: large scenario files load several times faster
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

from flexhub.core.errors import RuleError

C_LOADER = _BaseLoader.__name__.startswith("C")


class ScenarioLoader(_BaseLoader):
    """The safe loader's parser and scalar constructors with flexhub's stricter scalar rules;
    `_Builder` makes the mappings and lists (and refuses a key given twice)."""


ScenarioLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


MAX_DEPTH = 32  # a scenario nests five deep (tickets, a ticket, its events, an event, a value)
MAX_KEYS = 100  # the largest mapping of the format has a dozen keys
MAX_VALUES = 20_000_000  # four times the values of the doubled load benchmark (docs/benchmarks.md)

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "binary", "timestamp")
)
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = ScenarioLoader.yaml_implicit_resolvers
_WILDCARD = _RESOLVERS.get(None, [])
_RESOLVERS_BY_FIRST = {first: resolvers + _WILDCARD for first, resolvers in _RESOLVERS.items() if first is not None}
_PENDING = -1  # the size of an anchored collection not yet closed
_UNRESOLVED = object()
_RESOLVED_CACHE = 50_000  # distinct plain scalars remembered: the keys and codes come first


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, problem: str, event: Event) -> None:
        # libyaml's Mark reads like yaml.error.Mark, but the stubs give them no common type
        super().__init__(problem=problem, problem_mark=event.start_mark)  # type: ignore[arg-type]


class _Frame:
    """A mapping or list being built, and where the builder is in it."""

    __slots__ = ("anchor", "container", "have_key", "key", "keys", "mapping", "merges", "start")

    def __init__(self, container: Any, anchor: str | None, start: int) -> None:
        self.container = container
        self.mapping = isinstance(container, dict)
        self.anchor = anchor
        self.start = start  # the values counted when it opened, to size it for its aliases
        self.key: Any = None
        self.have_key = False
        self.keys = 0
        self.merges: list[tuple[Any, Event]] = []


class _Builder:
    """One document from the parser's events, with the loader's scalar rules.

    The collections being built are a list (`stack`), so depth costs memory, not the C stack.
    """

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.values = 0
        self.documents = 0
        self.root: Any = None
        self.resolved: dict[str, Any] = {}  # plain scalar text -> its value (immutable values only)

    def build(self) -> Any:
        """Fold the events into the document. The common event, a scalar with no tag or anchor
        inside a collection, is handled inline, its plain text read through a cache (a file
        repeats its keys, codes and event types thousands of times); everything else goes
        through the methods below, which hold every check."""
        loader = self.loader
        get_event = loader.get_event
        stack = self.stack
        resolved = self.resolved
        frame: _Frame | None = None
        while True:  # to the end of the stream (one call per event rather than check_event and get_event)
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                if frame is None or event.tag is not None or event.anchor is not None:
                    self.values += 1
                    value = self.scalar(event)
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1)
                    self.add(value, event)
                    continue
                self.values += 1
                value = event.value
                if event.implicit[0]:  # plain: resolve as the loader would (cached)
                    plain = value
                    value = resolved.get(plain, _UNRESOLVED)
                    if value is _UNRESOLVED:
                        value = plain  # text, unless one of the loader's patterns for its first character matches
                        for _, pattern in _RESOLVERS_BY_FIRST.get(plain[:1], _WILDCARD):
                            if pattern.match(plain):
                                value = self.scalar(event)
                                break
                        if len(resolved) < _RESOLVED_CACHE:
                            resolved[plain] = value
                container = frame.container
                if not frame.mapping:
                    container.append(value)
                elif frame.have_key and frame.key is not _MERGE_KEY:
                    frame.have_key = False
                    container[frame.key] = value
                elif frame.have_key or value is _MERGE_KEY or frame.keys >= MAX_KEYS or value in container:
                    self.add(value, event)  # a merge, or a refusal with its message
                else:
                    frame.keys += 1
                    frame.key = value
                    frame.have_key = True
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                container = {} if kind is MappingStartEvent else []
                if (
                    frame is None
                    or event.tag is not None
                    or event.anchor is not None
                    or len(stack) >= MAX_DEPTH
                    or (frame.mapping and (not frame.have_key or frame.key is _MERGE_KEY))
                ):
                    self.open(event, container)  # with every check, and its refusals
                else:  # a plain list or mapping as an item or a value
                    self.values += 1
                    if frame.mapping:
                        frame.have_key = False
                        frame.container[frame.key] = container
                    else:
                        frame.container.append(container)
                    stack.append(_Frame(container, None, self.values))
                frame = stack[-1]
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                if frame is not None and frame.anchor is None and not frame.merges:
                    stack.pop()
                else:
                    self.close()
                frame = stack[-1] if stack else None
            elif kind is AliasEvent:
                self.alias(event)
            elif kind is DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise _Refused("expected a single document in the file, but found another", event)
            elif kind is StreamEndEvent:
                return self.root

    def scalar(self, event: Any) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value
            tag = _STR
            for candidate, pattern in _RESOLVERS_BY_FIRST.get(value[0] if value else "", _WILDCARD):
                if pattern.match(value):
                    tag = candidate
                    break
            if tag == _STR:
                return value
            if tag == _MERGE:
                return _MERGE_KEY
        if tag not in _SCALAR_TAGS:
            raise _Refused(f"the tag {tag!r} is not used in scenario files", event)
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        try:
            return ScenarioLoader.yaml_constructors[tag](self.loader, node)
        except ValueError as exc:  # an integer of thousands of digits, a malformed binary
            shown = repr(value) if len(value) <= 40 else f"{value[:20]!r}... ({len(value):,} characters)"
            raise _Refused(f"{shown} cannot be read as {tag.rsplit(':', 1)[-1]}", event) from exc

    def open(self, event: Any, container: Any) -> None:
        if event.tag not in (None, "!", _SEQ if isinstance(container, list) else _MAP):
            raise _Refused(f"the tag {event.tag!r} is not used in scenario files", event)
        if len(self.stack) >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep: this is not a scenario file", event)
        parent = self.stack[-1] if self.stack else None
        if parent is not None and isinstance(parent.container, dict) and not parent.have_key:
            raise _Refused("a key must be text or a number, not a list or mapping", event)
        self.values += 1
        self.add(container, event)
        if event.anchor is not None:
            self.anchors[event.anchor] = (container, _PENDING)
        self.stack.append(_Frame(container, event.anchor, self.values))

    def close(self) -> None:
        frame = self.stack.pop()
        for source, event in frame.merges:
            _merge(frame.container, source, event)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, self.values - frame.start + 1)

    def alias(self, event: Any) -> None:
        if event.anchor not in self.anchors:
            raise _Refused(f"the alias *{event.anchor} names no anchor before it", event)
        value, size = self.anchors[event.anchor]
        if size == _PENDING:
            raise _Refused(f"the alias *{event.anchor} is inside the node it names", event)
        self.values += size
        if self.values > MAX_VALUES:
            raise _Refused(f"with its aliases repeated, the file holds more than {MAX_VALUES:,} values", event)
        if isinstance(value, list | dict) and self.stack:
            parent = self.stack[-1]
            if isinstance(parent.container, dict) and not parent.have_key:
                raise _Refused("a key must be text or a number, not a list or mapping", event)
        self.add(value, event)

    def add(self, value: Any, event: Any) -> None:
        """Put a value in the collection being built (or make it the document)."""
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        container = frame.container
        if not isinstance(container, dict):
            container.append(value)
        elif frame.have_key:
            frame.have_key = False
            if frame.key is _MERGE_KEY:
                frame.merges.append((value, event))
            else:
                container[frame.key] = value
        else:
            frame.keys += 1
            if frame.keys > MAX_KEYS:
                raise _Refused(
                    f"a mapping of more than {MAX_KEYS} keys: no mapping in a scenario file has so many", event
                )
            if value is _MERGE_KEY:
                if frame.merges:
                    raise _Refused("key '<<' is given twice", event)
            elif value in container:
                raise _Refused(f"key {value!r} is given twice", event)
            frame.key = value
            frame.have_key = True


class _MergeKey:
    """The `<<` key, which merges mappings into the one it is in (YAML's merge key)."""

    def __repr__(self) -> str:
        return "'<<'"


_MERGE_KEY = _MergeKey()


def _merge(target: dict[Any, Any], source: Any, event: Any) -> None:
    """Add the keys of `source` (a mapping, or a list of them, earlier ones first) that `target`
    does not give itself, as YAML's merge key does."""
    sources = source if isinstance(source, list) else [source]
    for mapping in sources:
        if not isinstance(mapping, dict):
            raise _Refused("'<<' merges a mapping or a list of mappings", event)
        for key, value in mapping.items():
            target.setdefault(key, value)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document; a syntax error or a refused shape becomes a RuleError naming
    line and column."""
    loader = ScenarioLoader(text)
    try:
        return _Builder(loader).build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RuleError(f"{where}{exc.problem or exc.context or 'malformed YAML'}") from exc
    except yaml.YAMLError as exc:
        raise RuleError(f"malformed YAML: {exc}") from exc
    finally:
        loader.dispose()


class _FlowListDumper(_BaseDumper):
    """Writes short mappings (lines, bands, events) on one line, as people write them."""


def _represent_dict(dumper: Any, data: dict[str, Any]) -> Any:
    flow = all(not isinstance(v, dict | list) for v in data.values()) and len(data) <= 6
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: Any, data: list[Any]) -> Any:
    flow = all(not isinstance(v, dict | list) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowListDumper.add_representer(dict, _represent_dict)
_FlowListDumper.add_representer(list, _represent_list)


def dump_yaml(document: dict[str, Any]) -> str:
    """Write a scenario document, keys in the order given."""
    return yaml.dump(document, Dumper=_FlowListDumper, sort_keys=False, allow_unicode=True, width=100)
