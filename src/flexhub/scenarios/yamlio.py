"""Reading and writing scenario YAML: libyaml's C parser where present, strict typing.

Timestamps and dates are left as strings (the validator parses them, so a
date that does not exist gets a located error instead of a crash), only
true/false are booleans (so a country code NO stays a string), and a key
given twice in one mapping is an error rather than silently overwritten.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # libyaml's C parser: large scenario files load several times faster
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

from flexhub.core.errors import RuleError

C_LOADER = _BaseLoader.__name__.startswith("C")


class ScenarioLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading with flexhub's stricter scalar and mapping rules."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice", mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


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
ScenarioLoader.add_constructor("tag:yaml.org,2002:map", ScenarioLoader.construct_mapping)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document; a syntax error becomes a RuleError naming line and column."""
    try:
        return yaml.load(text, Loader=ScenarioLoader)  # noqa: S506 - a safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RuleError(f"{where}{exc.problem or exc.context or 'malformed YAML'}") from exc
    except yaml.YAMLError as exc:
        raise RuleError(f"malformed YAML: {exc}") from exc


class _FlowListDumper(_BaseDumper):  # type: ignore[misc, valid-type]
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
    return yaml.dump(  # type: ignore[no-any-return]
        document, Dumper=_FlowListDumper, sort_keys=False, allow_unicode=True, width=100
    )
