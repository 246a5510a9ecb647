"""Figures 6 (CUR), 7 (PCA) and 8 (CUR against FPS), one panel per representation."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..selection import MACHINE_EPS, ZERO_LEVEL
from .style import PUBLISHED_STYLE, dataset_colour, dataset_label, plt, published_label, representation_colour, save

#: {rep: {our dataset: published curve}} (the same columns as ours)
Published = dict[str, dict[str, pd.DataFrame]]

#: the paper's panel order (a–g); CHSF-mix, when present, gets an extra panel after 6h
PANEL_ORDER = ["ACSF-X", "ACSF", "SOAP", "SOAPlite", "CHSF", "ACE", "MBTR", "CHSF-mix"]


def _read(paths: Iterable[str | Path]) -> dict[str, dict[str, pd.DataFrame]]:
    """``.../<method>/<dataset>/<rep>.csv`` → {rep: {dataset: curve}}."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for p in paths:
        p = Path(p)
        out.setdefault(p.stem, {})[p.parent.name] = pd.read_csv(p)
    return out


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


def _overlay(ax, published: Published | None, rep: str, column: str, lo: float = 1e-17, colour=None,
             label: str | None = None) -> None:
    """The published curve of every dataset of this panel, dashed in the dataset's colour; the
    legend gives the number of features the authors' curve runs over."""
    for dataset, df in ((published or {}).get(rep) or {}).items():
        n = df.attrs.get("n_features", len(df))
        ax.plot(df["percent"], _floor(df[column].to_numpy(), lo), color=colour or dataset_colour(dataset),
                label=published_label(f"{label or dataset_label(dataset)} ({n})"), **PUBLISHED_STYLE)


def figure6(curves: dict[str, dict[str, pd.DataFrame]], stem, mbtr_std: dict[str, pd.DataFrame] | None = None,
            ace_degrees: dict[int, pd.DataFrame] | None = None, ace_degree_dataset: str | None = None,
            published: Published | None = None) -> list[Path]:
    reps = [r for r in PANEL_ORDER if r in curves] + [r for r in curves if r not in PANEL_ORDER]
    # the paper's panels a–g, then h for ACE by degree, then extras such as CHSF-mix
    n_paper = sum(r in PANEL_ORDER[:7] for r in reps)
    slots = list(range(n_paper)) + [n_paper + 1 + i for i in range(len(reps) - n_paper)]
    if not ace_degrees:
        slots = list(range(len(reps)))
    fig, axes = _grid(len(reps) + (1 if ace_degrees else 0))
    for rep, k in zip(reps, slots):
        ax = axes[k]
        for dataset, df in curves[rep].items():
            ax.plot(df["percent"], _floor(df["error"].to_numpy()), color=dataset_colour(dataset),
                    label=f"{dataset_label(dataset)} ({len(df)})")
        if rep == "MBTR" and mbtr_std:
            for dataset, df in mbtr_std.items():
                ax.plot(df["percent"], _floor(df["error"].to_numpy()), color=dataset_colour(dataset), ls=":",
                        label=f"{dataset}(STD) ({len(df)})")
        _overlay(ax, published, rep, "error")
        if rep == "MBTR":
            _overlay(ax, published, "MBTR-std", "error", colour="0.4")
        _style_panel(ax, f"({LETTERS[k]}) {rep}", representation_colour(rep), "features selected (%)", CUR_ERROR)
    if ace_degrees:
        ax = axes[n_paper]
        cmap = plt.get_cmap("viridis")
        for i, (deg, df) in enumerate(sorted(ace_degrees.items())):
            colour = cmap(i / max(1, len(ace_degrees) - 1))
            ax.plot(df["percent"], _floor(df["error"].to_numpy()), color=colour, label=f"degree {deg} ({len(df)})")
            _overlay(ax, published, f"ACE-degree{deg}", "error", colour=colour, label=f"degree {deg}")
        _style_panel(ax, f"({LETTERS[n_paper]}) ACE on {ace_degree_dataset or ''} by degree",
                     representation_colour("ACE"), "features selected (%)", CUR_ERROR)
    fig.suptitle("Figure 6: CUR feature selection (legend: number of non-zero features)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, stem)


def figure7(curves: dict[str, dict[str, pd.DataFrame]], stem, published: Published | None = None) -> list[Path]:
    reps = [r for r in PANEL_ORDER if r in curves] + [r for r in curves if r not in PANEL_ORDER]
    fig, axes = _grid(len(reps))
    for k, rep in enumerate(reps):
        ax = axes[k]
        for dataset, df in curves[rep].items():
            ax.plot(df["percent"], _floor(df["variance_ratio"].to_numpy(), 1e-20), color=dataset_colour(dataset),
                    label=f"{dataset_label(dataset)} ({len(df)})")
        _overlay(ax, published, rep, "variance_ratio", 1e-20)
        ax.axhline(ZERO_LEVEL, color="tab:blue", ls="--", lw=0.9, label="zero level (1e-12)")
        ax.axhline(MACHINE_EPS, color="black", ls="--", lw=0.9, label="machine precision")
        _style_panel(ax, f"({LETTERS[k]}) {rep}", representation_colour(rep), "principal components (%)",
                     "explained variance ratio")
        ax.set_ylim(1e-20, 2)
    fig.suptitle("Figure 7: PCA explained variance")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, stem)


def figure8(cur: dict[str, pd.DataFrame], fps: dict[str, pd.DataFrame], dataset: str, stem,
            published_cur: dict[str, pd.DataFrame] | None = None,
            published_fps: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    reps = [r for r in PANEL_ORDER if r in cur] + [r for r in cur if r not in PANEL_ORDER]
    fig, axes = _grid(len(reps))
    for k, rep in enumerate(reps):
        ax = axes[k]
        ax.plot(cur[rep]["percent"], _floor(cur[rep]["error"].to_numpy()), color="tab:red", label="CUR")
        if rep in fps:
            ax.plot(fps[rep]["percent"], _floor(fps[rep]["error"].to_numpy()), color="tab:blue", label="FPS")
        for name, pub, colour in (("CUR", published_cur, "tab:red"), ("FPS", published_fps, "tab:blue")):
            if pub and rep in pub:
                ax.plot(pub[rep]["percent"], _floor(pub[rep]["error"].to_numpy()), color=colour,
                        label=published_label(name), **PUBLISHED_STYLE)
        _style_panel(ax, f"({LETTERS[k]}) {rep} ({len(cur[rep])})", representation_colour(rep),
                     "features selected (%)", CUR_ERROR, legend_size=8)
    fig.suptitle(f"Figure 8: CUR against FPS on {dataset_label(dataset)}")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, stem)


def published_curves(published_dir, compare_as: dict[str, str | None] | None, method: str,
                     reps: Iterable[str], datasets: Iterable[str]) -> Published:
    """The published curves of ``reps`` × ``datasets`` (ours, mapped through ``compare_as``)."""
    from .. import published as pub

    out: Published = {}
    if not published_dir:
        return out
    for rep in reps:
        for dataset in datasets:
            target = (compare_as or {}).get(dataset)
            df = pub.curve(published_dir, method, rep, target, missing_ok=True) if target else None
            if df is not None:
                out.setdefault(rep, {})[dataset] = df
    return out


def figure6_from_files(curves, mbtr_std, ace_degrees, out, published_dir=None, compare_as=None) -> list[Path]:
    ours = _read(curves)
    std = {Path(p).parent.name: pd.read_csv(p) for p in mbtr_std}
    degrees = {int(re.search(r"degree(\d+)", Path(p).stem).group(1)): pd.read_csv(p) for p in ace_degrees}
    dataset = Path(list(ace_degrees)[0]).parent.name if ace_degrees else None
    datasets = {d for rep in ours.values() for d in rep}
    published = published_curves(published_dir, compare_as, "cur", list(ours), datasets)
    published.update(published_curves(published_dir, compare_as, "cur", ["MBTR-std"], list(std)))
    if dataset:
        published.update(published_curves(published_dir, compare_as, "cur",
                                           [f"ACE-degree{d}" for d in degrees], [dataset]))
    return figure6(ours, Path(out).with_suffix(""), std, degrees, dataset, published)


def figure7_from_files(curves, out, published_dir=None, compare_as=None) -> list[Path]:
    ours = _read(curves)
    datasets = {d for rep in ours.values() for d in rep}
    return figure7(ours, Path(out).with_suffix(""), published_curves(published_dir, compare_as, "pca", list(ours),
                                                                     datasets))


def figure8_from_files(cur, fps, dataset, out, published_dir=None, compare_as=None) -> list[Path]:
    c = {rep: d[dataset] for rep, d in _read(cur).items()}
    f = {rep: d[dataset] for rep, d in _read(fps).items()}
    pc = {r: d[dataset] for r, d in published_curves(published_dir, compare_as, "cur", list(c), [dataset]).items()}
    pf = {r: d[dataset] for r, d in published_curves(published_dir, compare_as, "fps", list(c), [dataset]).items()}
    return figure8(c, f, dataset, Path(out).with_suffix(""), pc, pf)
