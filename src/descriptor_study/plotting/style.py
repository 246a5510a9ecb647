"""One colour per representation and per dataset, kept across every figure.

A representation's colour and order come from its class (through the registry), so a
representation has one colour in every figure and every process."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

DATASET_COLOURS = {
    "Si": "#1f77b4",
    "CHON": "#d62728",
    "AlNiCu": "#2ca02c",
    "TiO2": "#ff7f0e",
    "Si-demo": "#1f77b4",
    "AlNiCu-demo": "#2ca02c",
}

_DATASET_FALLBACK = ["#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]


def representation_colour(name: str, classes=None) -> str:
    """A representation's colour, the same in every figure and process: its class's
    ``colour``, else the registry's palette colour of its place in the figure order
    (``classes``: name → class of the config, for representations it names by ``class:``)."""
    from ..representations import registry

    return registry.colour(name, classes)


def representation_order(names, classes=None, panels: bool = False) -> list[str]:
    """Names in table/legend order (``panels``: the panel order of Figures 6-8)."""
    from ..representations import registry

    return registry.sort_names(names, classes, panels=panels)


def dataset_colour(name: str) -> str:
    return DATASET_COLOURS.get(name, _DATASET_FALLBACK[sum(map(ord, name)) % len(_DATASET_FALLBACK)])


def dataset_label(name: str) -> str:
    """Legend label; demo datasets are named as classical-potential demo data."""
    if name == "Si-demo":
        return "Si-demo (Stillinger-Weber demo data)"
    if name == "AlNiCu-demo":
        return "AlNiCu-demo (EMT demo data)"
    return name


#: how a published curve is drawn beside ours: dashed, same colour, thinner
PUBLISHED_STYLE = {"ls": (0, (4, 2)), "lw": 1.0, "alpha": 0.9}


def published_label(label: str) -> str:
    return f"{label} published"


def published_handle():
    """One legend entry standing for every dashed published curve of a figure."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color="0.3", label="published (dashed)", **PUBLISHED_STYLE)


def with_published_entry(handles: list, labels: list, any_published: bool) -> tuple[list, list]:
    if any_published:
        handles, labels = handles + [published_handle()], labels + ["published (dashed)"]
    return handles, labels


def save(fig: plt.Figure, stem: str | Path) -> list[Path]:
    """Write ``<stem>.pdf`` and ``<stem>.png`` (atomically) and close the figure."""
    from ..atomic import atomic_path

    stem = Path(stem)
    out = []
    for ext in ("pdf", "png"):
        path = stem.with_suffix(f".{ext}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext, dpi=150, bbox_inches="tight")
        out.append(path)
    plt.close(fig)
    return out
