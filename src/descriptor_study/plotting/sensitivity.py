"""Figures 3, 4 and 5 of the paper from the sensitivity curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..representations.registry import label
from ..sensitivity import NOISE_FLOOR, is_zero_curve, local_slopes
from ..vocabulary import PANELS
from .style import PUBLISHED_STYLE, plt, representation_colour, representation_order, save, with_published_entry


def _guide(ax, x0: float, y0: float, slope: float, decades: float = 1.0, label: str | None = None) -> None:
    """A slope triangle with its lower-left corner at (x0, y0)."""
    x1 = x0 * 10**decades
    y1 = y0 * 10 ** (slope * decades)
    ax.plot([x0, x1, x1, x0], [y0, y0, y1, y0], color="0.35", lw=0.8)
    ax.text(x1 * 1.15, np.sqrt(y0 * y1), label or f"{slope:g}", fontsize=8, color="0.25", va="center")


def zero_label(name: str) -> str:
    """The legend entry of a curve that is exactly zero at every t."""
    return f"{name}: dV = 0"


#: height (axes fraction) of the band each "dV = 0" mark takes at the bottom of an axis
ZERO_BAND = 0.1


def _zero_mark(ax, t, rep: str, classes=None, slot: int = 0, variable: str = "t") -> None:
    """A curve that is exactly zero at every t has no point on a log axis: a row of
    downward triangles near the bottom of the axis at its t, in its colour, labelled
    "<rep>: dV = 0", and the same words above them (``slot``: the how-many-th such curve
    of the axis, stacked upwards; :func:`_room_for_zero_marks` then clears the band)."""
    colour = representation_colour(rep, classes)
    name = label(rep, classes)
    y = 0.025 + ZERO_BAND * slot  # axes fraction
    ax.plot(
        np.asarray(t, dtype=float),
        np.full(len(t), y),
        transform=ax.get_xaxis_transform(),  # x in data, y in axes fraction
        ls="none",
        marker="v",
        ms=4,
        color=colour,
        label=zero_label(name),
    )
    ax.text(
        0.98,
        y + 0.022,
        f"{name}: dV = 0 at every {variable}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8,
        color=colour,
    )


def _room_for_zero_marks(ax, n: int) -> None:
    """Lower the (log) y axis so that the ``n`` "dV = 0" marks sit in an empty band below
    everything else the axis shows, shaded light grey (no value of the axis is meant there)."""
    if not n:
        return
    from matplotlib.patches import Rectangle

    ax.autoscale_view()
    lo, hi = ax.get_ylim()
    band = ZERO_BAND * n + 0.02
    decades = np.log10(hi / lo)
    ax.set_ylim(lo / 10 ** (band * decades / (1 - band)), hi)
    ax.add_patch(Rectangle((0, 0), 1, band, transform=ax.transAxes, facecolor="0.93", edgecolor="none", zorder=0))


def _published_line(ax, published: dict | None, key: tuple[str, str], transform=None, classes=None) -> None:
    """The authors' curve of this (panel, representation), dashed in the same colour."""
    df = (published or {}).get(key)
    if df is None:
        return
    v = df["dV"].to_numpy()
    v = transform(v) if transform else v
    ax.plot(
        df["t"],
        np.where(v > 0, v, np.nan),
        color=representation_colour(key[1], classes),
        label="_published",
        **PUBLISHED_STYLE,
    )


def figure3(curves: dict, stem, published: dict | None = None, classes=None) -> list[Path]:
    """``curves[(panel, rep)]``: columns t, dV; ``classes``: name → class of the config (for
    the colour and order of representations it names by ``class:``)."""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    zeros = 0
    for rep in representation_order((r for (p, r) in curves if p == "fig3"), classes):
        df = curves[("fig3", rep)]
        if is_zero_curve(df["dV"]):
            _zero_mark(ax, df["t"], rep, classes, zeros, "θ")
            zeros += 1
        else:
            y = np.where(df["dV"] > 0, df["dV"], np.nan)
            ax.plot(
                df["t"],
                y,
                label=label(rep, classes),
                color=representation_colour(rep, classes),
                lw=1.2,
                marker=".",
                ms=3,
            )
        _published_line(ax, published, ("fig3", rep), classes=classes)
    ax.set_yscale("log")
    ax.set_xlabel("rotation angle θ (degrees)")
    ax.set_ylabel(r"$\|dV\| = \|V(\theta) - V(0)\| / \|V(0)\|$")
    ax.axhline(1e-9, color="0.4", ls="--", lw=0.8)
    ax.text(1, 1.4e-9, "1e-9", fontsize=8, color="0.3")
    ax.set_xlim(0, 90)
    _room_for_zero_marks(ax, zeros)
    ax.set_title("Figure 3: rotation of a 2×2×2 c-Si cluster")
    ax.legend(*with_published_entry(*ax.get_legend_handles_labels(), bool(published)), fontsize=8, ncol=2)
    return save(fig, stem)


def rescaled(dV) -> np.ndarray:
    """Figure 4's curve: ``dV`` scaled to 0.1 at its largest value (at the largest dx, 0.1 Å,
    for a growing curve), so that the curves pass through (0.1, 0.1), as the paper draws them."""
    dV = np.asarray(dV, dtype=float)
    return 0.1 * dV / np.max(dV)


#: the y range of each strip of Figure 4's local-slope panel
SLOPE_RANGE = (0.3, 2.7)


def local_slope_curve(t, dV) -> np.ndarray:
    """d log‖dV‖ / d log t of a curve (:func:`.sensitivity.local_slopes`, central differences
    on log axes), NaN where dV is at or below the round-off floor of the slope fits
    (:data:`.sensitivity.NOISE_FLOOR`) or at either neighbour of such a point."""
    t, dV = np.asarray(t, dtype=float), np.asarray(dV, dtype=float)
    above = dV > NOISE_FLOOR
    usable = above & np.r_[above[1:], True] & np.r_[True, above[:-1]]
    return np.where(usable, local_slopes(t, np.where(above, dV, np.nan)), np.nan)


def figure4(curves: dict, stem, published: dict | None = None, classes=None) -> list[Path]:
    """(a) The curves rescaled through (0.1, 0.1), as the paper draws them: on top of each
    other where the slopes agree; (b) the local slope d log‖dV‖ / d log dx of each curve
    (:func:`local_slope_curve`) in a strip of its own, one per representation in legend
    order, so that each can be seen, and where its slope changes."""
    from matplotlib.gridspec import GridSpec

    reps = representation_order((r for (p, r) in curves if p == "fig4"), classes)
    rows = max(len(reps), 1)
    fig = plt.figure(figsize=(12, max(4.8, 0.62 * rows + 1.2)))
    grid = GridSpec(rows, 2, figure=fig, width_ratios=(1.15, 1), hspace=0.12, wspace=0.32)
    ax = fig.add_subplot(grid[:, 0])
    strips = [fig.add_subplot(grid[k, 1]) for k in range(rows)]
    zeros = 0
    for rep, strip in zip(reps, strips):
        df = curves[("fig4", rep)]
        v = df["dV"].to_numpy()
        colour = representation_colour(rep, classes)
        name = label(rep, classes)
        strip.text(0.01, 0.88, name, transform=strip.transAxes, fontsize=8, color=colour, va="top", ha="left")
        if is_zero_curve(v):
            ax.set_xscale("log")
            ax.set_yscale("log")
            _zero_mark(ax, df["t"], rep, classes, zeros)
            zeros += 1
            _published_line(ax, published, ("fig4", rep), rescaled, classes)
            strip.text(0.5, 0.5, "dV = 0 at every t", transform=strip.transAxes, fontsize=8, color=colour, ha="center")
            continue
        scaled = rescaled(v)  # through (0.1, 0.1), as in the paper
        ax.loglog(df["t"], np.where(scaled > 0, scaled, np.nan), label=name, color=colour, lw=1.2)
        _published_line(ax, published, ("fig4", rep), rescaled, classes)
        strip.plot(df["t"], local_slope_curve(df["t"], v), label=name, color=colour, lw=1.4)
        theirs = (published or {}).get(("fig4", rep))
        if theirs is not None:
            strip.plot(
                theirs["t"],
                local_slope_curve(theirs["t"], theirs["dV"]),
                color=colour,
                label="_published",
                **PUBLISHED_STYLE,
            )
    _guide(ax, 1e-7, 1e-6, 1.0)
    _guide(ax, 1e-4, 1e-9, 2.0)
    _room_for_zero_marks(ax, zeros)
    ax.set_xlabel("dx (Å)")
    ax.set_ylabel(r"$\|dV\|$ (rescaled through (0.1, 0.1))")
    ax.set_title("(a) ‖dV‖, every curve through (0.1, 0.1) as in the paper", fontsize=10)
    ax.legend(
        *with_published_entry(*ax.get_legend_handles_labels(), bool(published)), fontsize=8, ncol=2, loc="upper left"
    )
    for k, strip in enumerate(strips):
        strip.set_xscale("log")
        strip.set_xlim(ax.get_xlim())
        strip.set_ylim(*SLOPE_RANGE)
        strip.set_yticks([1, 2])
        strip.tick_params(labelsize=8)
        for slope in (1.0, 2.0):
            strip.axhline(slope, color="0.6", ls=":", lw=0.8, zorder=0)
        if k < rows - 1:
            strip.tick_params(labelbottom=False)
    strips[0].set_title(r"(b) local slope $d \log\|dV\| / d \log dx$ of each curve", fontsize=10)
    strips[-1].set_xlabel("dx (Å)")
    fig.suptitle("Figure 4: mixed perturbation of one atom")
    fig.subplots_adjust(
        left=0.07, right=0.98, top=1 - 0.75 / fig.get_size_inches()[1], bottom=0.6 / fig.get_size_inches()[1]
    )
    return save(fig, stem)


#: Figure 5's y label, once for its four panels
FIGURE5_YLABEL = (
    r"$\|dV_i\|$: change of the centre atom's descriptor, divided by $\|V_i\|$ (unless normalisation: absolute)"
)


def figure5(curves: dict, stem, published: dict | None = None, classes=None) -> list[Path]:
    panels = [p for p in PANELS if p.startswith("fig5")]
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    for ax, panel, letter in zip(axes.ravel(), panels, "abcd"):
        reps = representation_order((r for (p, r) in curves if p == panel), classes)
        lo = []
        zeros = 0
        ax.set_xscale("log")
        ax.set_yscale("log")
        for rep in reps:
            df = curves[(panel, rep)]
            v = df["dV"].to_numpy()
            if is_zero_curve(v):
                _zero_mark(ax, df["t"], rep, classes, zeros)
                zeros += 1
            else:
                ax.plot(
                    df["t"],
                    np.where(v > 0, v, np.nan),
                    label=label(rep, classes),
                    color=representation_colour(rep, classes),
                    lw=1.2,
                )
            _published_line(ax, published, (panel, rep), classes=classes)
            lo.append(df["t"].min())
        if lo:
            t0 = min(lo)
            _guide(ax, t0 * 10, 1e-12 if panel != "fig5b" else 1e-14, 1.0)
            _guide(ax, t0 * 1e3, 1e-12 if panel != "fig5b" else 1e-14, 2.0)
        ax.axhline(NOISE_FLOOR, color="0.6", ls=":", lw=0.8)  # round-off floor of the slope fits
        _room_for_zero_marks(ax, zeros)
        ax.set_title(f"({letter}) {PANELS[panel]}", fontsize=10)
        ax.set_xlabel("t (Å)")
    # one entry per representation over the four panels (a curve may be zero in one panel
    # only), then one per "dV = 0" mark
    entries: dict[str, Any] = {}
    for ax in axes.ravel():
        for handle, text in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(text, handle)
    names = [label(rep, classes) for rep in representation_order({r for (p, r) in curves if p in panels}, classes)]
    order = [n for n in names if n in entries] + [zero_label(n) for n in names if zero_label(n) in entries]
    order += [text for text in entries if text not in order]
    handles, labels = with_published_entry([entries[text] for text in order], order, bool(published))
    rows = max(-(-len(labels) // 9), 1)  # at most 9 entries a row, the rows filled evenly
    ncol = max(-(-len(labels) // rows), 1)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=9, frameon=False)
    fig.suptitle(
        "Figure 5: radial and tangential perturbations of a neighbour (global representations: whole structure)"
    )
    fig.supylabel(FIGURE5_YLABEL, fontsize=11)
    # each legend row after the first makes the figure 0.3 in taller, the panels keep their size
    height = 8 + 0.3 * (rows - 1)
    fig.set_size_inches(10, height)
    fig.tight_layout(rect=(0, (0.4 + 0.3 * (rows - 1)) / height, 1, 1 - 0.24 / height))
    return save(fig, stem)
