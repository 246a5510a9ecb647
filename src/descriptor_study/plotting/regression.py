"""Figure 9: RR and KRR RMSE per atom against the number of CUR-selected features."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..regression import ok_rows, read_sweeps
from ..representations.registry import label
from .style import (
    PUBLISHED_STYLE,
    dataset_label,
    plt,
    representation_colour,
    representation_order,
    save,
    with_published_entry,
)


def figure9(
    sweeps: dict[str, dict[str, pd.DataFrame]],
    stem,
    dataset: str,
    n_top: int = 65,
    published: dict[str, dict[str, pd.DataFrame]] | None = None,
    classes=None,
) -> list[Path]:
    """``sweeps[model][rep]``: columns n, train_rmse, test_rmse, percent (and status); ``published``
    the same shape (the authors' test RMSE, drawn dashed); ``classes``: name → class of the
    config (for the colour and order of representations it names by ``class:``).

    Failed fits (status other than "ok") are not drawn: the curve has a gap there, and the
    panel says how many points of which representation it leaves out."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    for row, model in enumerate(["rr", "krr"]):
        reps = representation_order(sweeps.get(model, {}), classes)
        for col, full in enumerate([False, True]):
            ax = axes[row, col]
            left_out = []
            for rep in reps:
                df = sweeps[model][rep]
                part = df if full else df[df["n"] <= n_top]
                ok = ok_rows(part)
                if not ok.all():
                    left_out.append(f"{label(rep, classes)} {int((~ok).sum())}")
                x = part["percent"] if full else part["n"]
                colour = representation_colour(rep, classes)
                ax.plot(x, part["train_rmse"].where(ok), color=colour, lw=2.6, alpha=0.85, label=label(rep, classes))
                ax.plot(x, part["test_rmse"].where(ok), color=colour, lw=1.0)
                alone = ok & ~ok.shift(1, fill_value=False) & ~ok.shift(-1, fill_value=False)
                if alone.any() and not ok.all():  # a result between two failed fits: a line cannot show it
                    ax.plot(x[alone], part["train_rmse"][alone], "o", ms=3.5, color=colour, alpha=0.85)
                    ax.plot(x[alone], part["test_rmse"][alone], ".", ms=3, color=colour)
                pub = ((published or {}).get(model) or {}).get(rep)
                if pub is not None:
                    pp = pub if full else pub[pub["n"] <= n_top]
                    ax.plot(
                        pp["percent"] if full else pp["n"],
                        pp["test_rmse"],
                        color=colour,
                        label="_published",
                        **PUBLISHED_STYLE,
                    )
            ax.set_yscale("log")
            ax.set_xlabel("features selected by CUR (%)" if full else "number of CUR-selected features")
            ax.set_ylabel("RMSE (eV/atom)")
            letter = "abcd"[2 * row + col]
            ax.set_title(f"({letter}) {model.upper()}, {'all features' if full else f'top {n_top}'}", fontsize=10)
            ax.grid(True, which="major", alpha=0.3)
            if left_out:
                ax.text(
                    0.01,
                    0.01,
                    "failed fits, not drawn: " + ", ".join(left_out),
                    transform=ax.transAxes,
                    fontsize=7,
                    va="bottom",
                    ha="left",
                    color="0.3",
                )
    handles, labels = with_published_entry(*axes[0, 0].get_legend_handles_labels(), bool(published))
    fig.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)), fontsize=9, frameon=False)
    fig.suptitle(f"Figure 9: regression on {dataset_label(dataset)} — thick: training, thin: test")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    return save(fig, stem)


def figure9_from_files(
    sweeps: Iterable[Mapping[str, Any]],
    dataset: str,
    out,
    published_dir=None,
    compare_as: str | None = None,
    classes=None,
) -> list[Path]:
    """Figure 9 of ``dataset`` from sweep records ``{"model": "rr"|"krr", "dataset": ...,
    "rep": ..., "path": ...}`` (the names come from the records, not the paths); records of
    other datasets are ignored."""
    by_model: dict[str, dict[str, pd.DataFrame]] = {"rr": {}, "krr": {}}
    for (model, _ds, rep), df in read_sweeps(r for r in sweeps if str(r["dataset"]) == dataset).items():
        by_model.setdefault(model, {})[rep] = df
    published: dict[str, dict[str, pd.DataFrame]] = {}
    if published_dir and compare_as:
        from .. import published as pub

        for model, reps in by_model.items():
            for rep in reps:
                df = pub.regression(published_dir, model, compare_as, rep, missing_ok=True)
                if df is not None:
                    published.setdefault(model, {})[rep] = df
    return figure9(by_model, Path(out).with_suffix(""), dataset, published=published, classes=classes)
