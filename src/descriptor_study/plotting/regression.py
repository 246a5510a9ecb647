"""Figure 9: RR and KRR RMSE per atom against the number of CUR-selected features."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..regression.models import ok_rows
from ..representations.registry import label
from ..vocabulary import MODELS, N_TOP
from .style import (
    PUBLISHED_STYLE,
    dataset_label,
    plt,
    representation_colour,
    representation_order,
    save,
    with_published_entry,
)

TRAIN_STYLE = {"lw": 2.6, "ls": ":", "alpha": 0.45, "zorder": 2}  # thick, dotted, light, beneath: training
TEST_STYLE = {"lw": 1.3, "ls": "-", "zorder": 3}  # thin, solid, above the training lines: test
#: one marker per representation on its test line (by legend order), so that lines of close
#: hues (ACSF and ACSF-X, CHSF and CHSF-mix, the SOAPs) are told apart by shape as well
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", "*", ">", "h", "p")
#: markers spaced along a line by a fraction of the axes' diagonal
MARK_EVERY = 0.1
FENCE_IQR = 3.0  # a value beyond this many interquartile ranges (of log10 values) is an outlier
Y_PAD_DECADES = 0.1


def robust_ylim(values: Iterable[float]) -> tuple[float, float] | None:
    """A log-scale y range over the positive finite values without their far outliers: in
    log10, the values within Tukey's outer fences (quartiles ∓ 3 interquartile ranges), padded
    by a tenth of a decade; one fit at round-off cannot flatten the curves, while curves that
    span decades keep them.  None when there is nothing to draw."""
    v = np.log10([x for x in values if np.isfinite(x) and x > 0])
    if not len(v):
        return None
    q1, q3 = np.percentile(v, [25.0, 75.0])
    fence = FENCE_IQR * (q3 - q1)
    inside = v[(v >= q1 - fence) & (v <= q3 + fence)]
    return 10 ** (inside.min() - Y_PAD_DECADES), 10 ** (inside.max() + Y_PAD_DECADES)


def figure9(
    sweeps: dict[str, dict[str, pd.DataFrame]],
    stem,
    dataset: str,
    n_top: int = N_TOP,
    published: dict[str, dict[str, pd.DataFrame]] | None = None,
    classes=None,
) -> list[Path]:
    """``sweeps[model][rep]``: columns n, train_rmse, test_rmse, percent (and status); ``published``
    the same shape (the authors' test RMSE, drawn dashed); ``classes``: name → class of the
    config (for the colour and order of representations it names by ``class:``); ``n_top``:
    the sizes panels (a) and (c) show (config ``regression.n_top``).

    Training curves are thick, dotted and light, beneath; test curves thin and solid, above,
    with a marker per representation (:data:`MARKERS`), as the legend says. Failed
    fits (status other than "ok") are not drawn: the curve has a gap there, and the panel says
    how many points of which representation it leaves out.  The y range is
    :func:`robust_ylim` of the panel's values; the panel says how many points lie outside it."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    every = representation_order({r for m in sweeps.values() for r in m}, classes)
    marker = {rep: MARKERS[k % len(MARKERS)] for k, rep in enumerate(every)}
    for row, model in enumerate(MODELS):
        reps = representation_order(sweeps.get(model, {}), classes)
        for col, full in enumerate([False, True]):
            ax = axes[row, col]
            left_out, drawn = [], []
            for rep in reps:
                df = sweeps[model][rep]
                part = df if full else df[df["n"] <= n_top]
                ok = ok_rows(part)
                if not ok.all():
                    left_out.append(f"{label(rep, classes)} {int((~ok).sum())}")
                x = part["percent"] if full else part["n"]
                colour = representation_colour(rep, classes)
                ax.plot(x, part["train_rmse"].where(ok), color=colour, label=label(rep, classes), **TRAIN_STYLE)
                ax.plot(
                    x,
                    part["test_rmse"].where(ok),
                    color=colour,
                    label="_test",
                    marker=marker[rep],
                    ms=4,
                    markevery=MARK_EVERY,
                    **TEST_STYLE,
                )
                drawn += part["train_rmse"][ok].tolist() + part["test_rmse"][ok].tolist()
                alone = ok & ~ok.shift(1, fill_value=False) & ~ok.shift(-1, fill_value=False)
                if alone.any() and not ok.all():  # a result between two failed fits: a line cannot show it
                    ax.plot(x[alone], part["train_rmse"][alone], "o", ms=3.5, color=colour, alpha=0.45, zorder=2)
                    ax.plot(x[alone], part["test_rmse"][alone], ".", ms=3, color=colour, zorder=3)
                pub = ((published or {}).get(model) or {}).get(rep)
                if pub is not None:
                    pp = pub if full else pub[pub["n"] <= n_top]
                    ax.plot(
                        pp["percent"] if full else pp["n"],
                        pp["test_rmse"],
                        color=colour,
                        label="_published",
                        zorder=2.5,
                        **PUBLISHED_STYLE,
                    )
                    drawn += pp["test_rmse"].tolist()
            ax.set_yscale("log")
            limits = robust_ylim(drawn)
            if limits:
                ax.set_ylim(*limits)
                below = sum(1 for v in drawn if np.isfinite(v) and 0 < v < limits[0])
                above = sum(1 for v in drawn if np.isfinite(v) and v > limits[1])
                counts = ((below, "below"), (above, "above"))
                left_out += [f"{k} points {where} the y range" for k, where in counts if k]
            ax.set_xlabel("features selected by CUR (%)" if full else "number of CUR-selected features")
            if not full:  # feature counts: whole numbers
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel("RMSE (eV/atom)")
            letter = "abcd"[2 * row + col]
            ax.set_title(f"({letter}) {model.upper()}, {'all features' if full else f'top {n_top}'}", fontsize=10)
            ax.grid(True, which="major", alpha=0.3)
            if left_out:
                ax.text(
                    0.01,
                    0.01,
                    _note(left_out),
                    transform=ax.transAxes,
                    fontsize=7,
                    va="bottom",
                    ha="left",
                    color="0.3",
                )
    from matplotlib.lines import Line2D

    handles, labels = axes[0, 0].get_legend_handles_labels()
    names = {label(rep, classes): rep for rep in every}
    # a colour and a marker per representation
    handles = [
        Line2D([], [], color=h.get_color(), lw=2, marker=marker[names[t]], ms=5) for h, t in zip(handles, labels)
    ]
    handles, labels = with_published_entry(handles, labels, bool(published))
    handles = [*handles, Line2D([], [], color="0.2", **TRAIN_STYLE), Line2D([], [], color="0.2", **TEST_STYLE)]
    labels = [*labels, "training", "test"]
    fig.legend(handles, labels, loc="lower center", ncol=max(1, min(len(labels), 12)), fontsize=9, frameon=False)
    fig.suptitle(f"Figure 9: regression on {dataset_label(dataset)}")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    return save(fig, stem)


def _note(parts: list[str]) -> str:
    """The panel's note: failed fits not drawn, points outside the y range."""
    failed = [p for p in parts if not p.endswith("y range")]
    rest = [p for p in parts if p.endswith("y range")]
    return "; ".join(([f"failed fits, not drawn: {', '.join(failed)}"] if failed else []) + rest)
