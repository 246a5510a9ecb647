"""Figures 6 (CUR), 7 (PCA) and 8 (CUR against FPS), one panel per representation."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..representations import registry
from ..selection import MACHINE_EPS, ZERO_LEVEL
from .style import PUBLISHED_STYLE, dataset_colour, dataset_label, plt, published_label, save

#: {rep: {our dataset: published curve}} (the same columns as ours)
Published = dict[str, dict[str, pd.DataFrame]]
#: {rep: {dataset: curve}}
Curves = dict[str, dict[str, pd.DataFrame]]
#: name → representation class (``registry.classes_of(config["representations"])``)
Classes = Mapping[str, type] | None


def _panels(names: Iterable[str], classes: Classes) -> list[str]:
    """The panel order of Figures 6-8 (the classes' ``panel_order``)."""
    return registry.sort_names(names, classes, panels=True)


def _first_with(attribute: str, names: Iterable[str], classes: Classes) -> str | None:
    found = registry.with_attribute(attribute, list(names), classes)
    return found[0] if found else None


def _grid(n_panels: int):
    cols = 4 if n_panels > 4 else n_panels
    rows = math.ceil(n_panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for ax in axes.ravel()[n_panels:]:
        ax.axis("off")
    return fig, axes.ravel()


LETTERS = "abcdefghijkl"
CUR_ERROR = r"$\|X - CC^+X\|_F / \|X\|_F$"


def _style_panel(ax, title: str, colour: str, xlabel: str, ylabel: str, legend_size: int = 7) -> None:
    """The layout every panel of Figures 6–8 shares: log y, percent on x from 0 to 100."""
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10, color=colour)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend_size)
    ax.set_xlim(0, 100)


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
            label=published_label(f"{label or dataset_label(dataset)} ({n})"),
            **PUBLISHED_STYLE,
        )


def figure6(
    curves: Curves,
    stem,
    standardised: dict[str, pd.DataFrame] | None = None,
    degrees: dict[int, pd.DataFrame] | None = None,
    degree_dataset: str | None = None,
    published: Published | None = None,
    classes: Classes = None,
    standardised_rep: str | None = None,
    degree_rep: str | None = None,
) -> list[Path]:
    """CUR error curves, one panel per representation.

    ``standardised`` ({dataset: curve}) is drawn dotted on the panel of the representation
    with a standardised variant (Figure 6g's Si(STD)); ``degrees`` ({degree: curve} on
    ``degree_dataset``) get a panel of their own for the representation with a degree sweep
    (Figure 6h).  Both representations are the ones named, else found through the class
    attributes ``standardised_variant`` and ``degree_parameter``.
    """
    reps = _panels(curves, classes)
    standardised_rep = standardised_rep or _first_with("standardised_variant", reps, classes)
    degree_rep = degree_rep or _first_with("degree_parameter", reps, classes)
    # the paper's panels (its Table I representations), then the degree panel, then extras
    paper = set(registry.with_attribute("paper_feature_counts", reps, classes))
    n_paper = sum(r in paper for r in reps)
    slots = list(range(n_paper)) + [n_paper + 1 + i for i in range(len(reps) - n_paper)]
    if not degrees:
        slots = list(range(len(reps)))
    reps = [r for r in reps if r in paper] + [r for r in reps if r not in paper]
    fig, axes = _grid(len(reps) + (1 if degrees else 0))
    for rep, k in zip(reps, slots):
        ax = axes[k]
        for dataset, df in curves[rep].items():
            ax.plot(
                df["percent"],
                _floor(df["error"].to_numpy()),
                color=dataset_colour(dataset),
                label=f"{dataset_label(dataset)} ({len(df)})",
            )
        if rep == standardised_rep and standardised:
            for dataset, df in standardised.items():
                ax.plot(
                    df["percent"],
                    _floor(df["error"].to_numpy()),
                    color=dataset_colour(dataset),
                    ls=":",
                    label=f"{dataset}(STD) ({len(df)})",
                )
        _overlay(ax, published, rep, "error")
        if rep == standardised_rep:
            _overlay(ax, published, f"{rep}-std", "error", colour="0.4")
        _style_panel(
            ax,
            f"({LETTERS[k]}) {registry.label(rep, classes)}",
            registry.colour(rep, classes),
            "features selected (%)",
            CUR_ERROR,
        )
    if degrees:
        ax = axes[n_paper]
        cmap = plt.get_cmap("viridis")
        for i, (deg, df) in enumerate(sorted(degrees.items())):
            colour = cmap(i / max(1, len(degrees) - 1))
            ax.plot(df["percent"], _floor(df["error"].to_numpy()), color=colour, label=f"degree {deg} ({len(df)})")
            _overlay(ax, published, f"{degree_rep}-degree{deg}", "error", colour=colour, label=f"degree {deg}")
        _style_panel(
            ax,
            f"({LETTERS[n_paper]}) {degree_rep or ''} on {degree_dataset or ''} by degree",
            registry.colour(degree_rep, classes) if degree_rep else "black",
            "features selected (%)",
            CUR_ERROR,
        )
    fig.suptitle("Figure 6: CUR feature selection (legend: number of non-zero features)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, stem)


def figure7(curves: Curves, stem, published: Published | None = None, classes: Classes = None) -> list[Path]:
    reps = _panels(curves, classes)
    fig, axes = _grid(len(reps))
    for k, rep in enumerate(reps):
        ax = axes[k]
        for dataset, df in curves[rep].items():
            ax.plot(
                df["percent"],
                _floor(df["variance_ratio"].to_numpy(), 1e-20),
                color=dataset_colour(dataset),
                label=f"{dataset_label(dataset)} ({len(df)})",
            )
        _overlay(ax, published, rep, "variance_ratio", 1e-20)
        ax.axhline(ZERO_LEVEL, color="tab:blue", ls="--", lw=0.9, label="zero level (1e-12)")
        ax.axhline(MACHINE_EPS, color="black", ls="--", lw=0.9, label="machine precision")
        _style_panel(
            ax,
            f"({LETTERS[k]}) {registry.label(rep, classes)}",
            registry.colour(rep, classes),
            "principal components (%)",
            "explained variance ratio",
        )
        ax.set_ylim(1e-20, 2)
    fig.suptitle("Figure 7: PCA explained variance")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
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
    fig, axes = _grid(len(reps))
    for k, rep in enumerate(reps):
        ax = axes[k]
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
            f"({LETTERS[k]}) {registry.label(rep, classes)} ({len(cur[rep])})",
            registry.colour(rep, classes),
            "features selected (%)",
            CUR_ERROR,
            legend_size=8,
        )
    fig.suptitle(f"Figure 8: CUR against FPS on {dataset_label(dataset)}")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, stem)
