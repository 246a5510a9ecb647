"""Name → representation class, imported lazily so that a missing optional backend
(Julia) or a heavy library is only touched when that representation is asked for."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Sequence

from ..errors import ConfigError
from .base import Representation

#: registry key → "module:Class" inside this package
_ENTRIES: dict[str, str] = {
    "ACSF": "acsf:ACSF",
    "ACSF-X": "acsf_x:ACSFX",
    "SOAP": "soap:SOAP",
    "SOAPlite": "soap:SOAPlite",
    "MBTR": "mbtr:MBTR",
    "CHSF": "chsf:CHSF",
    "CHSF-mix": "chsf:CHSFMix",
    "ACE": "ace:ACE",
}

#: the paper's order, used for tables and legends
PAPER_ORDER = ["ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"]


def names() -> list[str]:
    return list(_ENTRIES)


def get_class(name: str) -> type[Representation]:
    try:
        target = _ENTRIES[name]
    except KeyError:
        raise ConfigError(
            f"representations: unknown representation {name!r}; known: {sorted(_ENTRIES)}"
        ) from None
    module, cls = target.split(":")
    return getattr(import_module(f"{__package__}.{module}"), cls)


def build(name: str, species: Sequence[str], params: dict[str, Any] | None = None) -> Representation:
    """Build representation ``name`` for ``species`` with ``params`` overriding its defaults."""
    cls = get_class(name)
    try:
        return cls(species, **(params or {}))
    except TypeError as exc:
        raise ConfigError(f"representations.{name}: {exc}") from None
