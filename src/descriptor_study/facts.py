"""The facts about each representation that are not its numbers, read from ``facts.yaml``.

One concern: what the paper published about a representation (Table I's counts, the
authors' hyperparameters, their file keys, which of their code paths computed its curves,
which figure variants it has) and how the figures and tables draw it (label, colour,
order), one entry per representation in ``facts.yaml`` beside this module.  A
representation class holds what defines its numbers and nothing else, so its code
fingerprint covers exactly that: correcting a fact reruns the jobs that read it (figures,
tables, the report, the cards: :func:`digest` is their parameter) and no representation job.

:func:`of` gives one fact of a class: from the entry of the class's name, else of the
nearest class it derives from that has one (a class renamed in a config, or derived
from a built-in, keeps its facts); a class may also declare a fact itself (a plugin's own
colour).  Every fact has a default (:data:`DEFAULTS`): a user's class needs none.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .errors import ConfigError

#: the data file
FILE = Path(__file__).with_name("facts.yaml")

#: every fact and what a representation without it has
DEFAULTS: MappingProxyType = MappingProxyType(
    {
        "label": "",
        "colour": None,
        "order": 1000.0,
        "panel_order": None,
        "paper_feature_counts": MappingProxyType({}),
        "paper_hyperparameters": MappingProxyType({}),
        "published_keys": (),
        "published_constant_column": False,
        "authors_code": None,
        "authors_python_run": (),
        "degree_parameter": None,
        "standardised_variant": False,
        "seconds_per_1000_atoms": None,
    }
)

#: the authors' two code paths (``authors_code``)
AUTHORS_CODES = ("julia", "python")


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


#: fact -> (what is allowed, check)
_KINDS = {
    "label": ("text", lambda v: isinstance(v, str)),
    "colour": ("a colour as text", lambda v: isinstance(v, str)),
    "order": ("a number", _number),
    "panel_order": ("a number", _number),
    "paper_feature_counts": (
        "a mapping dataset -> count (a number, or text)",
        lambda v: (
            isinstance(v, dict) and all(isinstance(x, (int, str)) and not isinstance(x, bool) for x in v.values())
        ),
    ),
    "paper_hyperparameters": (
        "a mapping name -> number (write 5.0e-11, not 5e-11: YAML reads that as text)",
        lambda v: isinstance(v, dict) and all(_number(x) for x in v.values()),
    ),
    "published_keys": ("a list of names", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "published_constant_column": ("true or false", lambda v: isinstance(v, bool)),
    "authors_code": (" or ".join(AUTHORS_CODES), lambda v: v in AUTHORS_CODES),
    "authors_python_run": ("a list of panels", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "degree_parameter": ("a parameter name", lambda v: isinstance(v, str)),
    "standardised_variant": ("true or false", lambda v: isinstance(v, bool)),
    "seconds_per_1000_atoms": ("a number", _number),
}


def _shown() -> str:
    return f"descriptor_study/{FILE.name}"


@lru_cache(maxsize=1)
def table() -> MappingProxyType:
    """Representation name -> its facts as written (lists as tuples), checked: an unknown
    fact or a value of the wrong kind ends in one ConfigError naming the entry and key."""
    data = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{_shown()}: not a mapping of representation names")
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{_shown()}: {name}: not a mapping of facts")
        checked = {}
        for key, value in entry.items():
            if key not in _KINDS:
                raise ConfigError(f"{_shown()}: {name}.{key}: unknown fact; known: {', '.join(_KINDS)}")
            allowed, ok = _KINDS[key]
            if not ok(value):
                raise ConfigError(f"{_shown()}: {name}.{key}: {value!r} is not allowed; allowed: {allowed}")
            if isinstance(value, list):
                value = tuple(value)
            elif isinstance(value, dict):
                value = MappingProxyType(dict(value))
            checked[key] = value
        out[str(name)] = MappingProxyType(checked)
    return MappingProxyType(out)


def of(cls: type | None, key: str) -> Any:
    """The fact ``key`` of representation class ``cls`` (None: the default).

    The nearest class in ``cls``'s bases that declares ``key`` itself, or whose ``name``
    has an entry in ``facts.yaml`` (which then gives the fact, or leaves it at its
    default), decides."""
    if key not in DEFAULTS:
        raise KeyError(f"{key!r} is not a fact; known: {', '.join(DEFAULTS)}")
    for c in getattr(cls, "__mro__", ()):
        own = vars(c)
        if key in own:
            return own[key]
        name = own.get("name")
        if isinstance(name, str) and name in table():
            return table()[name].get(key, DEFAULTS[key])
    return DEFAULTS[key]


def digest() -> str:
    """SHA-256 of the facts as read (comments and layout of the file are not in it): a
    parameter of every job that reads them, so that correcting one reruns those jobs."""
    plain = {
        n: {
            k: list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, MappingProxyType) else v
            for k, v in e.items()
        }
        for n, e in table().items()
    }
    return hashlib.sha256(json.dumps(plain, default=str).encode()).hexdigest()
