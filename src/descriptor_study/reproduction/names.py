"""Which published dataset or figure a name of ours stands for: a config entry's
``compare_as`` (or its pinned source) and the degree variants of Figure 6h."""

from __future__ import annotations

from typing import Any


def is_degree_variant(variant: str, classes=None) -> bool:
    """``<name>-degree<d>`` where ``name``'s class sweeps a degree (Figure 6h)."""
    from ..representations import registry

    rep, sep, degree = variant.rpartition("-degree")
    return bool(sep and degree.isdigit() and registry.with_attribute("degree_parameter", [rep], classes))


def compare_as(spec: dict[str, Any]) -> str | None:
    """The published dataset a config entry stands for: ``compare_as`` if given, else its
    pinned source's name; a generated or local dataset without it stands for none."""
    if "compare_as" in spec:
        return spec["compare_as"]
    return spec.get("source")
