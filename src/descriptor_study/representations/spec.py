"""Typed parameters of a representation: one declaration per parameter, in its class.

A representation class lists its parameters as :class:`Param` objects in
``Representation.parameters``.  From that one list come

* the defaults (the paper's values),
* the checks of a user's value: type, range or choices, with one :class:`ConfigError`
  line naming representation, key, value and what is allowed,
* the representation part of the config schema (:meth:`Param.json_schema`), and
* the parameter table of ``docs/`` (:func:`markdown_table`).

Old names of a parameter (``aliases``) are accepted with a one-line deprecation message.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

log = logging.getLogger("descriptor_study")

#: JSON-schema type of each kind
_JSON_TYPES = {
    "number": "number",
    "integer": "integer",
    "boolean": "boolean",
    "string": "string",
    "list": "array",
    "mapping": "object",
}

_warned: set[str] = set()


@dataclass(frozen=True)
class Param:
    """One parameter: name, kind, default, unit, allowed values and a one-line doc.

    ``kind`` is one of number, integer, boolean, string, list, mapping; ``choices`` lists
    the allowed values (any kind); ``minimum``/``maximum`` bound numbers (``exclusive``
    makes the minimum strict); ``nullable`` admits ``null`` (the default then usually
    means "derived from another parameter", said in ``doc``).  ``schema`` replaces the
    generated JSON schema where a value has structure (a nested block, one of several
    forms); ``check`` is then the function that tests a value (True when valid).
    """

    name: str
    kind: str
    default: Any
    doc: str
    unit: str = ""
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False
    nullable: bool = False
    aliases: tuple[str, ...] = ()
    schema: Mapping[str, Any] | None = None
    check: Callable[[Any], bool] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in _JSON_TYPES and self.kind != "any":
            raise ValueError(f"Param {self.name}: unknown kind {self.kind!r}")

    # --- schema ---------------------------------------------------------------------
    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of one value of this parameter, with its doc as description."""
        if self.schema is not None:
            out = dict(self.schema)
        elif self.choices is not None:
            out = {"enum": list(self.choices)}
        else:
            out = {} if self.kind == "any" else {"type": _JSON_TYPES[self.kind]}
            if self.minimum is not None:
                out["exclusiveMinimum" if self.exclusive else "minimum"] = self.minimum
            if self.maximum is not None:
                out["maximum"] = self.maximum
        if self.nullable:
            out = {"anyOf": [out, {"type": "null"}]}
        desc = self.doc + (f" [{self.unit}]" if self.unit else "")
        return {**out, "description": desc}

    def allowed(self, unit: bool = True) -> str:
        """What is allowed, in words: 'a number > 0', 'one of: amp, absolute', …"""
        if self.choices is not None:
            text = "one of: " + ", ".join(str(c) for c in self.choices)
        elif self.schema is not None:
            text = self.schema.get("description") or "see docs/adding-a-representation.md"
        else:
            noun = {
                "number": "a number",
                "integer": "an integer",
                "boolean": "true or false",
                "string": "a string",
                "list": "a list",
                "mapping": "a mapping",
                "any": "any value",
            }[self.kind]
            lo = hi = ""
            if self.minimum is not None:
                lo = f"{'>' if self.exclusive else '≥'} {self.minimum:g}"
            if self.maximum is not None:
                hi = f"≤ {self.maximum:g}"
            text = " ".join(filter(None, [noun, lo, ("and " + hi) if lo and hi else hi]))
        if self.unit and unit:
            text += f" ({self.unit})"
        return text + (" or null" if self.nullable else "")

    # --- checking ---------------------------------------------------------------------
    def _valid(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if self.check is not None:
            return bool(self.check(value))
        if self.choices is not None:
            return any(value == c and isinstance(value, bool) == isinstance(c, bool) for c in self.choices)
        if self.schema is not None:
            import jsonschema

            return jsonschema.Draft202012Validator(dict(self.schema)).is_valid(value)
        if self.kind == "boolean":
            return isinstance(value, bool) or type(value).__name__ == "bool_"
        if self.kind in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) and not _is_numpy_number(value):
                return False
            if not math.isfinite(float(value)):
                return False
            if self.kind == "integer" and float(value) != int(value):
                return False
            if self.minimum is not None and (value <= self.minimum if self.exclusive else value < self.minimum):
                return False
            return self.maximum is None or value <= self.maximum
        if self.kind == "string":
            return isinstance(value, str)
        if self.kind == "list":
            return isinstance(value, (list, tuple))
        if self.kind == "mapping":
            return isinstance(value, Mapping)
        return True

    def coerce(self, value: Any, where: str) -> Any:
        """The checked value in its Python type; ConfigError naming ``where.<name>`` otherwise."""
        if not self._valid(value):
            raise ConfigError(f"{where}.{self.name}: {value!r} is not allowed; allowed: {self.allowed()}")
        if value is None:
            return None
        if self.kind == "number":
            return float(value)
        if self.kind == "integer":
            return int(value)
        if self.kind == "boolean":
            return bool(value)
        if self.kind == "list":
            return list(value)
        if self.kind == "mapping":
            return dict(value)
        return value


def _is_numpy_number(value: Any) -> bool:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_)


def resolve(parameters: Iterable[Param], given: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
    """Defaults overridden by ``given``, every value checked.

    Unknown keys end with one ConfigError listing the allowed ones; an old name is
    renamed with one deprecation line (logged once per process and key).
    """
    params = {p.name: p for p in parameters}
    alias_of = {a: p.name for p in parameters for a in p.aliases}
    given = dict(given or {})
    renamed: dict[str, Any] = {}
    for key, value in given.items():
        name = alias_of.get(key, key)
        if name not in params:
            allowed = ", ".join(params) or "none"
            raise ConfigError(f"{where}.{key}: unknown parameter (allowed: {allowed})")
        if name != key:
            message = f"{where}.{key} is deprecated: use {name}"
            if message not in _warned:
                _warned.add(message)
                log.warning(message)
            if name in given:
                raise ConfigError(f"{where}: both {key} (deprecated) and {name} given; keep {name}")
        renamed[name] = value
    return {name: (p.coerce(renamed[name], where) if name in renamed else p.default) for name, p in params.items()}


def markdown_table(parameters: Iterable[Param]) -> str:
    """The parameter table of one representation (name, default, unit, allowed, meaning)."""
    rows = ["| parameter | default | unit | allowed | meaning |", "|---|---|---|---|---|"]
    for p in parameters:
        old = f" (old name: {', '.join(p.aliases)})" if p.aliases else ""
        rows.append(f"| `{p.name}` | `{p.default!r}` | {p.unit} | {p.allowed(unit=False)} | {p.doc}{old} |")
    return "\n".join(rows)
