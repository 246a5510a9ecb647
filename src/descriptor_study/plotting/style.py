"""One colour per representation and per dataset, kept across every figure.

A representation's colour and order are facts about it (``facts.yaml``, through the
registry), so a representation has one colour in every figure and every process.  What a
figure draws is :func:`representation_colour`: its colour, drawn in the darker tone :data:`FIGURE_TONES`
gives for a light palette tone, and any colour still below :data:`MIN_CONTRAST` on white
darkened until it reaches it."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from ..vocabulary import PUBLISHED_DATASETS

#: dataset → colour: the published datasets (in :data:`PUBLISHED_DATASETS`' order), and the
#: demo datasets of ``config/config.yaml`` in the colour of the one each stands for
DATASET_COLOURS = {
    **dict(zip(PUBLISHED_DATASETS, ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"), strict=True)),
    "Si-demo": "#1f77b4",
    "AlNiCu-demo": "#2ca02c",
}

_DATASET_FALLBACK = ["#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]


#: the least contrast ratio (WCAG 2) a line or title colour has on the white background
MIN_CONTRAST = 3.0

#: figure tones replacing a light palette tone (a representation's colour, by value): too light on
#: white, or once darkened too close to a sibling's hue (the light cyan beside ACSF's blue, the
#: light green beside CHSF's green).  Any class, a user's too, that takes one of these tones is
#: drawn in its replacement; a representation's colour itself stays one fact, in facts.yaml.
FIGURE_TONES = {
    "#17becf": "#00868b",  # light cyan → dark cyan
    "#ff7f0e": "#d95f02",  # orange → dark orange
    "#98df8a": "#808000",  # light green → olive
    "#ff9896": "#b03060",  # light red → rose
    "#e7ba52": "#b8860b",  # light gold → dark goldenrod
}


def contrast_on_white(colour) -> float:
    """The WCAG 2 contrast ratio of ``colour`` against white (1 to 21)."""
    from matplotlib.colors import to_rgb

    rgb = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return 1.05 / (luminance + 0.05)


def readable(colour) -> str:
    """``colour`` as hex, darkened (its lightness lowered, its hue kept) until its contrast on
    white is at least :data:`MIN_CONTRAST`; a colour that has it already is returned as it is."""
    import colorsys

    from matplotlib.colors import to_hex, to_rgb

    h, lightness, s = colorsys.rgb_to_hls(*to_rgb(colour))
    while contrast_on_white(colorsys.hls_to_rgb(h, lightness, s)) < MIN_CONTRAST:
        lightness -= 0.01
    return to_hex(colorsys.hls_to_rgb(h, max(lightness, 0.0), s))


def representation_colour(name: str, classes=None) -> str:
    """A representation's colour, the same in every figure and process: its ``colour`` (facts.yaml),
    else the registry's palette colour of its place in the figure order (``classes``: name →
    class of the config, for representations it names by ``class:``); drawn in its
    :data:`FIGURE_TONES` tone where it has one, and made :func:`readable` on white."""
    from ..representations import registry

    colour = registry.colour(name, classes)
    return readable(FIGURE_TONES.get(colour.lower(), colour) if isinstance(colour, str) else colour)


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


def save(
    fig: plt.Figure, stem: str | Path, formats: tuple[str, ...] = ("pdf", "png"), dpi: int = 150, tight: bool = True
) -> list[Path]:
    """Write ``<stem>.pdf`` and ``<stem>.png`` (``formats``; atomically) and close the figure;
    ``tight``: crop to what is drawn (one more layout pass: a figure laid out by hand skips it)."""
    from ..atomic import atomic_path

    stem = Path(stem)
    out = []
    for ext in formats:
        path = stem.parent / f"{stem.name}.{ext}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext, dpi=dpi, bbox_inches="tight" if tight else None)
        out.append(path)
    plt.close(fig)
    return out
