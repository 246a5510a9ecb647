"""The authors' names in our names: their top-level keys and sub-keys → (representation,
dataset), the variants ``<name>-std`` and ``<name>-degree<d>`` included (see
:mod:`descriptor_study.published`), and the entry of one (representation, dataset) in a file."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..vocabulary import PUBLISHED_DATASETS
from .files import PublishedDataError, Source, _load

#: the published datasets (Table I's columns; its rows: :func:`published_representations`)
DATASETS = PUBLISHED_DATASETS


_DEGREE = re.compile(r"(\d+)\s*(?:st|nd|rd|th)?\s+Degree", re.IGNORECASE)


_ON_DATASET = re.compile(r"(.+?)\s*\((\w+)\)")


_STD = re.compile(r"(.+?)\s*\(STD\)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _key_names() -> dict[str, str]:
    """The authors' top-level key → our representation name, from every known
    representation's ``published_keys`` (``facts.yaml``)."""
    from .. import facts
    from ..representations import registry

    out: dict[str, str] = {}
    for name in registry.with_attribute("published_keys"):
        for key in facts.of(registry.get_class(name), "published_keys"):
            out.setdefault(key, name)
    return out


def published_representations() -> tuple[str, ...]:
    """Our names of the representations in the authors' files (Table I's rows), in table order."""
    from ..representations import registry

    return tuple(registry.sort_names(set(_key_names().values())))


def _constant_column(representation: str) -> bool:
    """The published counts of ``representation`` include QUIP's trailing constant column."""
    from ..representations import registry

    return representation in _key_names().values() and bool(
        registry.with_attribute("published_constant_column", [representation])
    )


def our_names(top: str, sub: str) -> tuple[str, str]:
    """(representation, dataset) in our names for a published ``{top: {sub: ...}}`` entry."""
    names = _key_names()
    m = _ON_DATASET.fullmatch(top)
    if m and m.group(1) in names:
        d = _DEGREE.fullmatch(sub)
        if d:
            return f"{names[m.group(1)]}-degree{int(d.group(1))}", m.group(2)
    m = _STD.fullmatch(top)
    if m and m.group(1) in names:
        return f"{names[m.group(1)]}-std", sub
    m = _STD.fullmatch(sub)
    if m and top in names:
        return f"{names[top]}-std", m.group(1)
    return names.get(top, top), sub


def _index(data: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """(our representation, our dataset) → (published key, published sub-key)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    if isinstance(data, dict):
        for top, subs in data.items():
            if isinstance(subs, dict):
                for sub, entry in subs.items():
                    if isinstance(entry, dict):
                        out.setdefault(our_names(top, sub), (top, sub))
    return out


def _entry(source: Source, fname: str, representation: str, dataset: str, missing_ok: bool):
    path, data = _load(source, fname)
    keys = _index(data).get((representation, dataset))
    if keys is None:
        if missing_ok:
            return path, None, None
        raise PublishedDataError(f"{path}: no entry for representation {representation!r} on dataset {dataset!r}")
    return path, data[keys[0]][keys[1]], f"[{keys[0]!r}][{keys[1]!r}]"


def _entries(source: Source, fname: str) -> list[tuple[str, str]]:
    _, data = _load(source, fname)
    return list(_index(data))
