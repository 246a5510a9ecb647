"""Reading the text values of a workflow configuration that stand for numbers, booleans or
null, where the schema admits them (:func:`coerce_text`, called by ``config.validate_config``).

Snakemake parses ``--config KEY=VALUE`` with ``int``, ``float``, ``True``/``False`` and then
YAML's *base* loader, which leaves every nested scalar as text (``--config
"representations={'SOAP': {'n_max': 4}}"`` gives the string ``'4'``). ``validate_config(...,
overrides=<the --config values>)`` reads such text as a config file would (YAML: ``4``,
``0.5``, ``true``, ``null``; and ``1e-6``, which PyYAML's YAML 1.1 reader leaves as text)
wherever the schema, or the representation's typed parameter, admits the value read: ``'4'``
becomes 4 for ``n_max``, ``'null'`` becomes null for ``data.mirror``, while ``'111'`` stays
text for ``mixed_direction`` (one of ``x``, ``"111"``, ``authors``) and any name stays a
name. Values from config files are left as YAML read them, quoted strings included, with one
exception: a number in exponent form without a dot or without an exponent sign (``cutoff:
1e6``, ``rr_lambda: 1e-11``), which PyYAML reads as text, is that number where only a number
is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

#: a number in exponent form that PyYAML (YAML 1.1) reads as text: no dot, or no sign in
#: the exponent (``1e6``, ``1e-11``, ``2.5e6``); YAML 1.2 and JSON read it as a number
_EXPONENT_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")
_MISSING = object()


def coerce_text(config: dict[str, Any], schema: dict[str, Any], overrides: Mapping[str, Any] | None = None) -> None:
    """Read as numbers, booleans or null, in place, the text values of ``config`` that mean
    one where the schema admits it (see the module docstring).

    ``overrides`` holds the ``--config`` values: a text value of ``config`` that is the
    text given there is read as YAML (then as a YAML 1.2 number) and replaced where the
    schema admits what was read.  Any other text value is replaced only when it is a
    number in exponent form that PyYAML reads as text and the schema admits numbers but no
    text there.  ``schema``: the full schema, representation part included.
    """
    _coerce_node(config, overrides if overrides is not None else _MISSING, (), schema)


def _coerce_node(node: Any, given: Any, path: tuple, schema: dict[str, Any]) -> None:
    if isinstance(node, dict):
        items = [(key, given.get(key, _MISSING) if isinstance(given, Mapping) else _MISSING) for key in node]
    elif isinstance(node, list):
        same = isinstance(given, list) and len(given) == len(node)
        items = [(k, given[k] if same else _MISSING) for k in range(len(node))]
    else:
        return
    for key, text in items:
        value = node[key]
        if isinstance(value, (dict, list)):
            _coerce_node(value, text, path + (key,), schema)
        elif isinstance(value, str):
            new = _read_text(value, text is not _MISSING and text == value, _subschemas(schema, path + (key,)))
            if new is not _MISSING:
                node[key] = new


def _read_text(value: str, from_command_line: bool, nodes: list[dict[str, Any]]) -> Any:
    """What ``value`` becomes at a place with schema ``nodes``; ``_MISSING``: it stays."""
    if not nodes:
        return _MISSING  # a key the schema does not know: its error names it
    if from_command_line:
        try:
            read = yaml.safe_load(value)
        except yaml.YAMLError:
            read = value
        if not (read is None or isinstance(read, (bool, int, float))):
            read = _number(value)
        if read is not _MISSING and _admits(nodes, read):
            return _integral(read, nodes)
        return _MISSING
    if _EXPONENT_NUMBER.fullmatch(value.strip()) and _admits(nodes, 1.5) and not _admits(nodes, value):
        return _integral(float(value), nodes)
    return _MISSING


def _number(text: str) -> Any:
    """``text`` as a YAML 1.2 / JSON number, or ``_MISSING``."""
    text = text.strip()
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text):
        return float(text)
    return _MISSING


def _integral(value: Any, nodes: list[dict[str, Any]]) -> Any:
    """An integral float as an int where the schema wants an integer and no other number."""
    if isinstance(value, float) and value.is_integer() and not _admits(nodes, 1.5):
        return int(value)
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _admits(nodes: list[dict[str, Any]], value: Any) -> bool:
    """Whether one of the schema ``nodes`` admits the type of ``value`` (an ``enum`` or
    ``const``: the value itself); nodes that constrain neither admit anything."""
    kind = _json_type(value)
    constraining = [n for n in nodes if "type" in n or "enum" in n or "const" in n]
    if not constraining:
        return True
    for node in constraining:
        choices = node["enum"] if "enum" in node else [node["const"]] if "const" in node else None
        if choices is not None:
            if any(value == c and _json_type(c) == kind for c in choices) or any(
                kind in ("integer", "number") and _json_type(c) in ("integer", "number") and value == c for c in choices
            ):
                return True
            continue
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if kind in types or (kind == "integer" and "number" in types):
            return True
        if kind == "number" and "integer" in types and float(value).is_integer():
            return True
    return False


def _subschemas(schema: dict[str, Any], path: tuple) -> list[dict[str, Any]]:
    """The schema nodes that may apply to the value at ``path`` (``$ref``, ``allOf``,
    ``anyOf`` and ``oneOf`` followed; empty where the schema does not know the key)."""
    nodes = _branches(schema, schema)
    for step in path:
        following = []
        for node in nodes:
            if isinstance(step, int):
                prefix = node.get("prefixItems") or []
                if step < len(prefix):
                    following += _branches(prefix[step], schema)
                elif isinstance(node.get("items"), dict):
                    following += _branches(node["items"], schema)
            elif step in (node.get("properties") or {}):
                following += _branches(node["properties"][step], schema)
            elif isinstance(node.get("additionalProperties"), dict):
                following += _branches(node["additionalProperties"], schema)
        nodes = following
    return nodes


def _branches(node: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    """``node`` with its ``$ref`` resolved, and the branches of its ``allOf``/``anyOf``/``oneOf``."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref, seen = node["$ref"], seen + 1
        target: Any = root
        for part in ref.lstrip("#/").split("/") if ref.startswith("#/") else []:
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = {**(target if isinstance(target, dict) else {}), **{k: v for k, v in node.items() if k != "$ref"}}
    if not isinstance(node, dict):
        return []
    out = [node]
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key) or []:
            out += _branches(sub, root)
    return out
