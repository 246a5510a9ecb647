"""Figures 6 (CUR), 7 (PCA) and 8 (CUR against FPS), one panel per representation."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..representations import registry
from ..selection import MACHINE_EPS, ZERO_LEVEL
from .style import (
    PUBLISHED_STYLE,
    dataset_colour,
    dataset_label,
    plt,
    published_handle,
    published_label,
    readable,
    representation_colour,
    save,
)

#: {rep: {our dataset: published curve}} (the same columns as ours)
Published = dict[str, dict[str, pd.DataFrame]]
#: {rep: {dataset: curve}}
Curves = dict[str, dict[str, pd.DataFrame]]
#: name → representation class (``registry.classes_of(config["representations"])``)
Classes = Mapping[str, type] | None


def _panels(names: Iterable[str], classes: Classes) -> list[str]:
    """The panel order of Figures 6-8 (their ``panel_order`` in ``facts.yaml``)."""
    return registry.sort_names(names, classes, panels=True)


def _first_with(attribute: str, names: Iterable[str], classes: Classes) -> str | None:
    found = registry.with_attribute(attribute, list(names), classes)
    return found[0] if found else None


def grid_shape(n_panels: int) -> tuple[int, int]:
    """Rows and columns for ``n_panels`` panels: the fewest empty slots, then the column count
    nearest four (8 → 2×4, 9 → 3×3, 10 → 2×5, 11 → 3×4, 12 → 3×4); one row up to four."""
    if n_panels <= 4:
        return 1, max(n_panels, 1)
    shapes = [(math.ceil(n_panels / cols), cols) for cols in range(2, 6)]
    return min(shapes, key=lambda rc: (rc[0] * rc[1] - n_panels, abs(rc[1] - 4), rc[0]))


def _grid(n_panels: int):
    """The figure, its ``n_panels`` axes and whether a grid slot is left over (it holds the
    figure's legend, :func:`_figure_legend`; no empty axes is left in it)."""
    rows, cols = grid_shape(n_panels)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    spare = list(axes.ravel()[n_panels:])
    for ax in spare:
        ax.remove()
    return fig, list(axes.ravel()[:n_panels]), bool(spare)


LETTERS = "abcdefghijklmnopqrstuvwxyz"
CUR_ERROR = r"$\|X - CC^+X\|_F / \|X\|_F$"


def panel_letters(names: Iterable[str], classes: Classes, degree_rep: str | None = None) -> dict[str, str]:
    """The panel letter of each representation, the same in Figures 6, 7 and 8: the paper's
    representations (Table I's, ``paper_feature_counts`` in ``facts.yaml``) in panel order, then
    the letter of Figure 6h's degree sweep, then the others.  The degree letter (key
    ``degree_rep``, else that of the first class with a ``degree_parameter``) is kept free in
    every figure when such a representation is among ``names``, so that CHSF-mix is (i) in
    Figure 6 and in Figure 7 alike."""
    reps = _panels(names, classes)
    degree_rep = degree_rep or _first_with("degree_parameter", reps, classes)
    paper = set(registry.with_attribute("paper_feature_counts", reps, classes))
    ordered = [r for r in reps if r in paper] + [r for r in reps if r not in paper]
    letters = iter(LETTERS)
    out = {}
    for k, rep in enumerate(ordered):
        if degree_rep and k == len(paper & set(reps)):
            out[DEGREE_PANEL] = next(letters)
        out[rep] = next(letters)
    if degree_rep and DEGREE_PANEL not in out:
        out[DEGREE_PANEL] = next(letters)
    return out


#: the key of the degree-sweep panel in :func:`panel_letters`
DEGREE_PANEL = "<degree sweep>"


def _style_panel(ax, title: str, colour: str, xlabel: str, ylabel: str) -> None:
    """The layout every panel of Figures 6–8 shares: log y, percent on x from 0 to 100 (the
    legend comes once the figure is laid out, :func:`place_legends`)."""
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10, color=colour)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, 100)


#: where a panel's legend may go, in the order tried
LEGEND_PLACES = (
    "upper right",
    "lower left",
    "lower right",
    "center right",
    "center left",
    "upper center",
    "lower center",
    "upper left",
    "center",
)

#: the gid of a reference line (zero level, machine precision): not data a legend must keep clear of
GUIDE = "guide"


def legend_covers_data(ax, legend) -> bool:
    """Whether ``legend``'s box meets any drawn curve of ``ax`` (its segments, not only its
    points; reference lines with gid :data:`GUIDE` apart)."""
    box = legend.get_window_extent(ax.figure.canvas.get_renderer())
    for line in ax.get_lines():
        if line.get_gid() == GUIDE or not line.get_visible():
            continue
        path = line.get_transform().transform_path(line.get_path())
        if path.intersects_bbox(box, filled=False) or path.contains_points([box.get_points().mean(axis=0)]).any():
            return True
    return False


def legend_entries(ax) -> tuple[list, list[str]]:
    """The panel's legend entries: one per curve of ours, the published curve of the same
    name joined to it ("Si (51; published 51)"), so that a legend has half the rows."""
    handles, labels = ax.get_legend_handles_labels()
    ours = {text.rsplit(" (", 1)[0]: k for k, text in enumerate(labels) if " published (" not in text}
    keep, texts = [], []
    joined = set()
    for k, text in enumerate(labels):
        if " published (" in text:
            name, count = text.split(" published (", 1)
            if name in ours:
                joined.add((ours[name], count.rstrip(")")))
                continue
        keep.append(handles[k])
        texts.append(text)
    for k, count in joined:
        at = keep.index(handles[k])
        texts[at] = f"{texts[at][:-1]}; published {count})"
    return keep, texts


def place_legend(ax, fontsize: int = 8):
    """The panel's legend (:func:`legend_entries`) at the first of :data:`LEGEND_PLACES`
    where it covers no curve, in one column, else two; failing all, at the upper right with
    the (log) y axis raised, a decade at a time, until the legend sits above every curve."""
    handles, labels = legend_entries(ax)
    if not handles:
        return None
    for size, ncol in ((fontsize, 1), (fontsize, 2)):
        for loc in LEGEND_PLACES:
            legend = ax.legend(handles, labels, fontsize=size, loc=loc, ncol=ncol)
            if not legend_covers_data(ax, legend):
                return legend
    # no room: make some above the curves, a decade of the log y axis at a time
    legend = ax.legend(handles, labels, fontsize=fontsize, loc="upper right")
    for _ in range(40):
        if not legend_covers_data(ax, legend):
            break
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * 10)
    return legend


def place_legends(axes, fontsize: int = 8) -> None:
    """Each panel's legend (:func:`place_legend`), once the figure's layout is final."""
    for ax in axes:
        place_legend(ax, fontsize)


def _figure_legend(fig, axes, spare: bool, extra: list | None = None) -> None:
    """One legend for the whole figure: the colour of each dataset (named in full), the
    line styles, ``extra`` handles; in the spare grid slot if there is one, else below.
    Then the layout, then each panel's legend (:func:`place_legends`)."""
    from matplotlib.lines import Line2D

    datasets: dict[str, str] = {}
    published = standardised = False
    for ax in axes:
        for line in ax.get_lines():
            gid = line.get_gid() or ""
            if gid.startswith(DATASET_GID):
                datasets.setdefault(gid[len(DATASET_GID) :], line.get_color())
            published |= "published" in line.get_label()
            standardised |= "(STD)" in line.get_label()
    handles = [Line2D([], [], color=c, lw=2, label=dataset_label(d)) for d, c in datasets.items()]
    if standardised:
        handles.append(Line2D([], [], color="0.3", ls=":", label="standardised features (STD)"))
    if published:
        handles.append(published_handle())
    handles += extra or []
    if spare:  # the grid's last slot, left free by :func:`_grid`
        fig.tight_layout(rect=(0, 0, 1, 0.96))
        rows, cols = axes[0].get_subplotspec().get_gridspec().get_geometry()
        gridspec = axes[0].get_subplotspec().get_gridspec()
        slot = gridspec[rows - 1, cols - 1].get_position(fig)
        fig.legend(
            handles=handles,
            loc="center",
            bbox_to_anchor=slot.bounds,
            bbox_transform=fig.transFigure,
            fontsize=10,
            frameon=False,
        )
    else:
        ncol = min(len(handles), 4)
        fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=10, frameon=False)
        height = fig.get_size_inches()[1]
        fig.tight_layout(rect=(0, (0.15 + 0.25 * math.ceil(len(handles) / ncol)) / height, 1, 0.96))
    place_legends(axes)


#: a curve's gid prefix naming its dataset (the figure legend's colours)
DATASET_GID = "dataset="


def _floor(y: np.ndarray, lo: float = 1e-17) -> np.ndarray:
    return np.where(y > lo, y, lo)


def _overlay(
    ax, published: Published | None, rep: str, column: str, lo: float = 1e-17, colour=None, label: str | None = None
) -> None:
    """The published curve of every dataset of this panel, dashed in the dataset's colour; the
    legend gives the number of features the authors' curve runs over."""
    for dataset, df in ((published or {}).get(rep) or {}).items():
        n = df.attrs.get("n_features", len(df))
        ax.plot(
            df["percent"],
            _floor(df[column].to_numpy(), lo),
            color=colour or dataset_colour(dataset),
            label=f"{published_label(label or dataset)} ({n})",
            **PUBLISHED_STYLE,
        )


def _dataset_curve(ax, df, column: str, dataset: str, lo: float = 1e-17, **kw) -> None:
    """One of our curves: the dataset's colour, its short name and length in the panel legend."""
    ax.plot(
        df["percent"],
        _floor(df[column].to_numpy(), lo),
        color=dataset_colour(dataset),
        label=f"{dataset} ({len(df)})",
        gid=DATASET_GID + dataset,
        **kw,
    )


@dataclass(frozen=True)
class Variants:
    """Figure 6's two variants: ``standardised`` ({dataset: curve}) of ``standardised_rep``
    (Figure 6g's Si(STD)) and ``degrees`` ({degree: curve} on ``degree_dataset``) of
    ``degree_rep`` (Figure 6h).  A representation not named is found through the class
    attributes ``standardised_variant`` and ``degree_parameter``."""

    standardised: dict[str, pd.DataFrame] | None = None
    standardised_rep: str | None = None
    degrees: dict[int, pd.DataFrame] | None = None
    degree_rep: str | None = None
    degree_dataset: str | None = None


def figure6(
    curves: Curves,
    stem,
    variants: Variants | None = None,
    published: Published | None = None,
    classes: Classes = None,
) -> list[Path]:
    """CUR error curves, one panel per representation.

    ``variants.standardised`` is drawn dotted on the panel of the representation with a
    standardised variant; ``variants.degrees`` get a panel of their own for the
    representation with a degree sweep (:class:`Variants`; found through their facts
    ``standardised_variant`` and ``degree_parameter`` in ``facts.yaml`` where not named).  Panel letters:
    :func:`panel_letters`; the grid: :func:`grid_shape`.
    """
    variants = variants or Variants()
    standardised, degrees, degree_dataset = variants.standardised, variants.degrees, variants.degree_dataset
    standardised_rep, degree_rep = variants.standardised_rep, variants.degree_rep
    reps = _panels(curves, classes)
    standardised_rep = standardised_rep or _first_with("standardised_variant", reps, classes)
    degree_rep = degree_rep or _first_with("degree_parameter", reps, classes)
    letters = panel_letters(reps, classes, degree_rep)
    panels = sorted([r for r in reps] + ([DEGREE_PANEL] if degrees else []), key=lambda r: LETTERS.index(letters[r]))
    fig, axes, spare = _grid(len(panels))
    by_panel = dict(zip(panels, axes))
    for rep in reps:
        ax = by_panel[rep]
        for dataset, df in curves[rep].items():
            _dataset_curve(ax, df, "error", dataset)
        if rep == standardised_rep and standardised:
            for dataset, df in standardised.items():
                _dataset_curve(ax, df, "error", dataset, ls=":")
                ax.get_lines()[-1].set_label(f"{dataset}(STD) ({len(df)})")
        _overlay(ax, published, rep, "error")
        if rep == standardised_rep:
            _overlay(ax, published, f"{rep}-std", "error", colour="0.4")
        _style_panel(
            ax,
            f"({letters[rep]}) {registry.label(rep, classes)}",
            representation_colour(rep, classes),
            "features selected (%)",
            CUR_ERROR,
        )
    if degrees:
        ax = by_panel[DEGREE_PANEL]
        for deg, df, colour in zip(*zip(*sorted(degrees.items())), degree_colours(len(degrees))):
            ax.plot(df["percent"], _floor(df["error"].to_numpy()), color=colour, label=f"degree {deg} ({len(df)})")
            _overlay(ax, published, f"{degree_rep}-degree{deg}", "error", colour=colour, label=f"degree {deg}")
        _style_panel(
            ax,
            f"({letters[DEGREE_PANEL]}) {degree_rep or ''} on {degree_dataset or ''} by degree",
            representation_colour(degree_rep, classes) if degree_rep else "black",
            "features selected (%)",
            CUR_ERROR,
        )
    fig.suptitle("Figure 6: CUR feature selection (panel legends: number of non-zero features)")
    _figure_legend(fig, axes, spare)
    return save(fig, stem)


def degree_colours(n: int) -> list[str]:
    """``n`` colours for the degree sweep, dark blue to green (viridis without its light
    yellow end), each :func:`.style.readable` on white."""
    cmap = plt.get_cmap("viridis")
    return [readable(cmap(0.75 * i / max(1, n - 1))) for i in range(n)]


def _guides(ax) -> None:
    """Figure 7's reference lines: the zero level and machine precision."""
    ax.axhline(ZERO_LEVEL, color="tab:blue", ls="--", lw=0.9, label="_zero level", gid=GUIDE)
    ax.axhline(MACHINE_EPS, color="black", ls="--", lw=0.9, label="_machine precision", gid=GUIDE)


def figure7(curves: Curves, stem, published: Published | None = None, classes: Classes = None) -> list[Path]:
    """PCA explained variance, one panel per representation; letters as Figure 6's
    (:func:`panel_letters`); each panel's legend where it covers no curve."""
    from matplotlib.lines import Line2D

    reps = _panels(curves, classes)
    letters = panel_letters(reps, classes)
    fig, axes, spare = _grid(len(reps))
    for ax, rep in zip(axes, reps):
        for dataset, df in curves[rep].items():
            _dataset_curve(ax, df, "variance_ratio", dataset, 1e-20)
        _overlay(ax, published, rep, "variance_ratio", 1e-20)
        _guides(ax)
        ax.set_ylim(1e-20, 2)
        _style_panel(
            ax,
            f"({letters[rep]}) {registry.label(rep, classes)}",
            representation_colour(rep, classes),
            "principal components (%)",
            "explained variance ratio",
        )
    fig.suptitle("Figure 7: PCA explained variance (panel legends: number of features)")
    guides = [
        Line2D([], [], color="tab:blue", ls="--", lw=0.9, label="zero level (1e-12)"),
        Line2D([], [], color="black", ls="--", lw=0.9, label="machine precision"),
    ]
    _figure_legend(fig, axes, spare, guides)
    return save(fig, stem)


def figure8(
    cur: dict[str, pd.DataFrame],
    fps: dict[str, pd.DataFrame],
    dataset: str,
    stem,
    published_cur: dict[str, pd.DataFrame] | None = None,
    published_fps: dict[str, pd.DataFrame] | None = None,
    classes: Classes = None,
) -> list[Path]:
    reps = _panels(cur, classes)
    letters = panel_letters(reps, classes)
    fig, axes, _spare = _grid(len(reps))
    for ax, rep in zip(axes, reps):
        ax.plot(cur[rep]["percent"], _floor(cur[rep]["error"].to_numpy()), color="tab:red", label="CUR")
        if rep in fps:
            ax.plot(fps[rep]["percent"], _floor(fps[rep]["error"].to_numpy()), color="tab:blue", label="FPS")
        for name, pub, colour in (("CUR", published_cur, "tab:red"), ("FPS", published_fps, "tab:blue")):
            if pub and rep in pub:
                ax.plot(
                    pub[rep]["percent"],
                    _floor(pub[rep]["error"].to_numpy()),
                    color=colour,
                    label=published_label(name),
                    **PUBLISHED_STYLE,
                )
        _style_panel(
            ax,
            f"({letters[rep]}) {registry.label(rep, classes)} ({len(cur[rep])})",
            representation_colour(rep, classes),
            "features selected (%)",
            CUR_ERROR,
        )
    fig.suptitle(f"Figure 8: CUR against FPS on {dataset_label(dataset)}")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    place_legends(axes)
    return save(fig, stem)
