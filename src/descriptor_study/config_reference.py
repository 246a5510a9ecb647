"""``python -m descriptor_study.config_reference``: the reference of every config key,
generated from ``workflow/schemas/config.schema.yaml`` (writes ``docs/config-reference.md``
content to stdout; a test checks the shipped file is current).

The schema is the one place a key is described: its ``description``, type, allowed values
and bounds; this page lays them out as a table per section.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: the schema in a checkout of the repository (the package is installed from it, editable)
SCHEMA = Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"

#: what a map's key stands for in a dotted key, by the map's own key
_MAP_KEYS = {"datasets": "<dataset>", "hyperparameters": "<representation>"}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    """``text`` on one line, safe in a Markdown table cell (``|`` and ``<`` escaped)."""
    return _one_line(text).replace("|", "\\|").replace("<", "\\<")


def _kind(node: dict[str, Any]) -> str:
    """A key's type, allowed values and bounds, in a few words."""
    if "enum" in node:
        return "one of " + ", ".join("null" if v is None else f"`{v}`" for v in node["enum"])
    if "oneOf" in node and "type" not in node:
        return " or ".join(_kind(branch) for branch in node["oneOf"])
    if "$ref" in node or "allOf" in node:
        ref = node.get("$ref") or next((b["$ref"] for b in node.get("allOf", []) if "$ref" in b), "")
        return {
            "#/$defs/positive_number": "number > 0",
            "#/$defs/representation_params": "map: representation name → its parameters",
        }.get(ref, ref)
    kinds = node.get("type", "any")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    words = []
    for kind in kinds:
        if kind == "array":
            item = node.get("items", {})
            words.append(f"list of {_kind(item) if item else 'values'}")
        elif kind == "object" and "properties" not in node and isinstance(node.get("additionalProperties"), dict):
            words.append(f"map to {_kind(node['additionalProperties'])}")
        else:
            words.append(kind)
    text = " or ".join(words)
    bounds = [
        f"{sign} {node[key]}"
        for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<"))
        if key in node
    ]
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def keys(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every key of ``schema`` as (dotted key, its schema), depth first; a map's entries as
    ``<dataset>`` (or ``<representation>``, ``<name>``)."""
    for name, node in (schema.get("properties") or {}).items():
        dotted = f"{prefix}{name}"
        yield dotted, node
        yield from keys(node, dotted + ".")
        entry = node.get("additionalProperties")
        if isinstance(entry, dict) and "properties" in entry:
            placeholder = f"{dotted}.{_MAP_KEYS.get(name, '<name>')}"
            yield placeholder, entry
            yield from keys(entry, placeholder + ".")


def reference(schema: dict[str, Any]) -> str:
    out = [
        "# Configuration keys",
        "",
        "Generated from `workflow/schemas/config.schema.yaml` by `python -m descriptor_study.config_reference`;",
        "do not edit by hand. The config is checked against that schema before any job runs; an unknown",
        "key is an error naming it. A key left out takes the default its meaning gives. `config/config.yaml`",
        "is the default run's config; the README's table lists the others. A representation's own",
        "parameters (under `representations.<name>`) are in [representations.md](representations.md).",
        "",
    ]
    required = set(schema.get("required", []))
    for section, node in (schema.get("properties") or {}).items():
        need = " (required)" if section in required else ""
        text = _one_line(node.get("description", ""))
        out += [f"## `{section}`{need}", "", text[:1].upper() + text[1:], ""]
        rows = [(k, n) for k, n in keys({"properties": {section: node}}) if k != section]
        if rows:
            out += ["| key | type | meaning |", "|---|---|---|"]
            out += [f"| `{k}` | {_cell(_kind(n))} | {_cell(n.get('description', ''))} |" for k, n in rows]
            out.append("")
        else:
            out += [f"Type: {_kind(node)}.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    import yaml

    args = sys.argv[1:] if argv is None else argv
    with open(args[0] if args else SCHEMA) as fh:
        schema = yaml.safe_load(fh)
    print(reference(schema), end="")


if __name__ == "__main__":
    main()
