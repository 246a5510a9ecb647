"""A report card's figure (``results/cards/<rep>.png``): one representation's curves in its
colour over every other representation's in grey, one panel per study, so that one look
places it among them.

Panels, each on the axes, scales and labels of the paper's figure it comes from:

(a) Figure 4, the mixed path: ‖dV‖ rescaled through (0.1, 0.1), log-log;
(b) Figure 5c, the tangential path in a random direction (1st shell, pre-perturbed): ‖dV‖,
    log-log (:data:`TANGENTIAL_PANEL`; Figure 5b's high-symmetry move gives every
    representation slope 2, 5c is where a representation's slope and blind spots differ);
(c) Figure 6, the CUR error against the share of features selected, on the run's first dataset;
(d) Figure 7, the PCA explained variance ratio, on the run's first dataset;
(e) Figure 9a, the ridge-regression test RMSE against the number of CUR-selected features
    (up to ``regression.n_top``), on the first dataset of the regression study
    (:data:`REGRESSION_MODEL`).

A panel whose study did not run for the representation (the run's ``gaps``) or whose input
is absent says why, in words, where its curves would be."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..plan import CURVE, SELECTION, SWEEP, fill
from ..regression.models import ok_rows
from ..representations.registry import label
from ..selection import ZERO_LEVEL
from ..sensitivity import NOISE_FLOOR, is_zero_curve
from ..vocabulary import PANELS
from . import dimensionality as dim
from .regression import robust_ylim
from .sensitivity import _guide, rescaled
from .style import plt, representation_colour

#: the tangential panel of the card: Figure 5c (see the module's docstring)
TANGENTIAL_PANEL = "fig5c"
#: the model of panel (e): Figure 9's panel (a), ridge regression
REGRESSION_MODEL = "rr"
#: the other representations' curves: light grey, thin, beneath
OTHERS_STYLE = {"color": "0.75", "lw": 0.9, "zorder": 2}
#: the card's representation: its colour, thick, above
OWN_STYLE = {"lw": 2.2, "zorder": 3}
#: a drawn curve's gid: this prefix and its representation's name
GID = "representation="
#: Figure 5's line at the round-off floor of the slope fits, and its gid
FLOOR_STYLE = {"color": "0.6", "ls": ":", "lw": 0.8}
FLOOR_GID = "noise floor"
#: the text colour of a panel's reason
NOTE_COLOUR = "0.25"


def _reason(ax, text: str, colour: str = NOTE_COLOUR) -> None:
    """``text`` in the middle of ``ax``, wrapped, in place of the curves."""
    ax.text(
        0.5,
        0.5,
        textwrap.fill(text, 42, break_long_words=False, break_on_hyphens=False),  # a path stays whole
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        color=colour,
    )


def _empty(ax, text: str) -> None:
    """A panel with nothing to draw: the reason, no ticks."""
    ax.set_xticks([])
    ax.set_yticks([])
    _reason(ax, text)


def _draw(ax, rep: str, xy: Mapping[str, tuple[Any, Any]], colour: str, own_label: str = "_own") -> None:
    """Every other representation's curve (``xy``: rep → (x, y)) in grey, then ``rep``'s in
    ``colour`` above them (``own_label``: its legend entry, none by default)."""
    for other, (x, y) in xy.items():
        if other != rep:
            ax.plot(x, y, gid=GID + other, label="_other", **OTHERS_STYLE)
    if rep in xy:
        x, y = xy[rep]
        ax.plot(x, y, gid=GID + rep, color=colour, label=own_label, **OWN_STYLE)


def _positive(v) -> np.ndarray:
    """Values as drawn on a log axis: NaN where not positive (as Figures 4 and 5 do)."""
    v = np.asarray(v, dtype=float)
    return np.where(v > 0, v, np.nan)


def _sensitivity(ax, rep: str, run: dict, panel: str, colour: str) -> None:
    """Panel (a) (``fig4``, Figure 4's rescaled curves) or (b) (Figure 5's ``panel``); a
    curve that is 0.0 at every t has no point on a log axis: the others' are drawn, its own
    is said."""
    gap = run["gaps"].get(rep, {}).get("sensitivity")
    if gap:
        return _empty(ax, f"No curve: the sensitivity study is {gap}.")
    if (panel, rep) not in run["curves"]:
        return _empty(ax, f"No curve: input absent: {fill(CURVE, panel=panel, rep=rep)}")
    xy = {}
    for (p, r), df in run["curves"].items():
        if p != panel or is_zero_curve(df["dV"]):
            continue
        v = df["dV"].to_numpy()
        xy[r] = (df["t"].to_numpy(), _positive(rescaled(v) if panel == "fig4" else v))
    _draw(ax, rep, xy, colour)
    ax.set_xscale("log")
    ax.set_yscale("log")
    t = run["curves"][(panel, rep)]["t"]
    if panel == "fig4":  # Figure 4's guides and labels
        _guide(ax, 1e-7, 1e-6, 1.0)
        _guide(ax, 1e-4, 1e-9, 2.0)
        ax.set_xlabel("dx (Å)")
        ax.set_ylabel(r"$\|dV\|$ (rescaled through (0.1, 0.1))")
    else:  # Figure 5's
        t0 = float(np.min(t))
        _guide(ax, t0 * 10, 1e-12 if panel != "fig5b" else 1e-14, 1.0)
        _guide(ax, t0 * 1e3, 1e-12 if panel != "fig5b" else 1e-14, 2.0)
        ax.axhline(NOISE_FLOOR, gid=FLOOR_GID, **FLOOR_STYLE)
        ax.set_xlabel("t (Å)")
        ax.set_ylabel(r"$\|dV_i\|$ (centre atom's descriptor)")
    if rep not in xy:  # every dV of rep is 0.0: no point on a log axis
        _reason(ax, f"{label(rep, run.get('classes'))}: dV = 0 at every t", colour)


def first_dataset(rep: str, run: dict, stage: str) -> tuple[str | None, str | None]:
    """The dataset a per-dataset panel draws: the run's first dataset that ``stage``
    (``cur``, ``pca``, ``regression``) has; else None and the reason it has none."""
    gaps = run["gaps"].get(rep, {})
    if stage in ("cur", "pca"):
        if gaps.get(stage):
            return None, f"the {stage.upper()} study is {gaps[stage]}"
        return (run["datasets"][0], None) if run["datasets"] else (None, "the run has no dataset")
    for d in run["datasets"]:
        if not gaps.get(f"regression {d}"):
            return d, None
    first = run["datasets"][0] if run["datasets"] else None
    return None, f"the regression study is {gaps.get(f'regression {first}', 'not run')}"


def _dimensionality(ax, rep: str, run: dict, method: str, colour: str) -> str | None:
    """Panel (c) (``cur``, Figure 6) or (d) (``pca``, Figure 7); returns its dataset."""
    dataset, why = first_dataset(rep, run, method)
    if dataset is None:
        _empty(ax, f"No curve: {why}.")
        return None
    curves = run[method]
    if (dataset, rep) not in curves:
        _empty(ax, f"No curve: input absent: {fill(SELECTION, method=method, dataset=dataset, variant=rep)}")
        return dataset
    column, floor = ("error", 1e-17) if method == "cur" else ("variance_ratio", 1e-20)
    xy = {
        r: (df["percent"].to_numpy(), dim._floor(df[column].to_numpy(), floor))
        for (d, r), df in curves.items()
        if d == dataset
    }
    # its number of features in the panel's legend, as Figures 6 and 7 give it
    own_label = f"{label(rep, run.get('classes'))} ({len(curves[(dataset, rep)])})"
    _draw(ax, rep, xy, colour, own_label)
    if method == "cur":
        dim._style_panel(ax, "", "black", "features selected (%)", dim.CUR_ERROR)
    else:
        dim._guides(ax)
        ax.set_ylim(1e-20, 2)
        dim._style_panel(ax, "", "black", "principal components (%)", "explained variance ratio")
    return dataset


def _regression(ax, rep: str, run: dict, colour: str) -> str | None:
    """Panel (e): Figure 9a's test curves; returns its dataset."""
    dataset, why = first_dataset(rep, run, "regression")
    if dataset is None:
        _empty(ax, f"No curve: {why}.")
        return None
    sweeps = run.get("sweeps", {})
    if (REGRESSION_MODEL, dataset, rep) not in sweeps:
        _empty(ax, f"No curve: input absent: {fill(SWEEP, model=REGRESSION_MODEL, dataset=dataset, rep=rep)}")
        return dataset
    n_top = run.get("n_top")
    xy, drawn = {}, []
    for (model, d, r), df in sweeps.items():
        if model != REGRESSION_MODEL or d != dataset:
            continue
        part = df[df["n"] <= n_top] if n_top else df
        ok = ok_rows(part)
        xy[r] = (part["n"].to_numpy(), part["test_rmse"].where(ok).to_numpy(dtype=float))
        drawn += part["test_rmse"][ok].tolist()
    _draw(ax, rep, xy, colour)
    ax.set_yscale("log")
    limits = robust_ylim(drawn)
    if limits:
        ax.set_ylim(*limits)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of CUR-selected features")
    ax.set_ylabel("RMSE (eV/atom)")
    ax.grid(True, which="major", alpha=0.3)
    return dataset


def card_figure(rep: str, run: dict) -> plt.Figure:
    """The card's figure of ``rep`` from ``run`` (:func:`..stages.cards.read_run`): five
    panels (see the module's docstring), the sixth slot holding the legend."""
    classes = run.get("classes")
    colour = representation_colour(rep, classes)
    name = label(rep, classes)
    fig, grid = plt.subplots(2, 3, figsize=(15, 8.6))
    a, b, c, d, e, spare = grid.ravel()
    spare.remove()  # the legend's slot

    _sensitivity(a, rep, run, "fig4", colour)
    a.set_title("(a) Figure 4: mixed path", fontsize=10)
    _sensitivity(b, rep, run, TANGENTIAL_PANEL, colour)
    b.set_title(f"(b) Figure {TANGENTIAL_PANEL[3:]}: {PANELS[TANGENTIAL_PANEL]}", fontsize=10)
    cur = _dimensionality(c, rep, run, "cur", colour)
    c.set_title(f"(c) Figure 6: CUR{f' on {cur}' if cur else ''}", fontsize=10)
    pca = _dimensionality(d, rep, run, "pca", colour)
    d.set_title(f"(d) Figure 7: PCA{f' on {pca}' if pca else ''}", fontsize=10)
    reg = _regression(e, rep, run, colour)
    top = f", top {run['n_top']}" if run.get("n_top") else ""
    e.set_title(f"(e) Figure 9a: RR test RMSE{top}{f' on {reg}' if reg else ''}", fontsize=10)

    fig.suptitle(f"{name}: its curves in colour, the other representations' in grey", color=colour)
    # margins set by hand: a tight layout of the five panels costs a second per card
    fig.subplots_adjust(left=0.06, right=0.985, bottom=0.065, top=0.9, wspace=0.32, hspace=0.32)
    dim.place_legends([c, d])  # where it covers no curve, once the layout is final
    handles = [Line2D([], [], color=colour, label=name, **OWN_STYLE)]
    handles.append(Line2D([], [], label="the other representations", **OTHERS_STYLE))
    # the reference lines drawn, as Figures 5 and 7 name them
    if any(line.get_gid() == FLOOR_GID for line in b.get_lines()):
        handles.append(Line2D([], [], label=f"(b) round-off floor of the slope fits ({NOISE_FLOOR:g})", **FLOOR_STYLE))
    if any(line.get_gid() == dim.GUIDE for line in d.get_lines()):
        handles.append(Line2D([], [], color="tab:blue", ls="--", lw=0.9, label=f"(d) zero level ({ZERO_LEVEL:g})"))
        handles.append(Line2D([], [], color="black", ls="--", lw=0.9, label="(d) machine precision"))
    fig.legend(
        handles=handles,
        loc="center",
        bbox_to_anchor=a.get_subplotspec().get_gridspec()[1, 2].get_position(fig).bounds,
        bbox_transform=fig.transFigure,
        fontsize=10,
        frameon=False,
    )
    return fig
