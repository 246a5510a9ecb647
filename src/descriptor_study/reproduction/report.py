"""The whole reproduction report: every comparable cell of a run against the published
results, its summary line and its Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..published.dimensionality import curve as published_curve
from ..published.dimensionality import feature_counts
from ..published.names import DATASETS
from ..published.regression import regression as published_regression
from ..published.sensitivity import sensitivity as published_sensitivity
from .cells import COLUMNS, cell, count_cells, curve_cells, regression_cells, sensitivity_cells
from .names import is_degree_variant
from .reasons import attach_reasons, load_deviations
from .tolerances import _missing


@dataclass
class RunResults:
    """What this run computed, by published name: curves and tables as DataFrames."""

    compare_as: dict[str, str | None]
    table1: pd.DataFrame | None = None
    sensitivity: dict[tuple[str, str], pd.DataFrame] | None = None  # (panel, rep)
    dimensionality: dict[tuple[str, str, str], pd.DataFrame] | None = None  # (method, our dataset, variant)
    regression: dict[tuple[str, str, str], pd.DataFrame] | None = None  # (model, our dataset, rep)
    #: name → class of the run's representations (a config's ``class:`` entries); None: the known ones
    classes: dict[str, type] | None = None


def compare(
    run: RunResults,
    published_dir: str | Path | None,
    not_run: dict[str, str] | None = None,
    deviations: Sequence[dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """Every comparable cell of this run against the published results in ``published_dir``.

    ``published_dir`` None: nothing is compared; the report then lists the run's datasets
    and why they have no published counterpart.
    """
    rows: list[dict[str, Any]] = []
    ours_by_pub = {d: p for d, p in run.compare_as.items() if p}
    for dataset, target in run.compare_as.items():
        if not target:
            rows.append(
                {
                    **cell(f"dataset/{dataset}", "datasets", "", dataset, "published counterpart", "count", None, None),
                    "verdict": "no counterpart",
                    "reason": f"{dataset} stands for no published dataset (no compare_as; demo or own data)",
                }
            )
    if published_dir is None:
        return _frame(rows, deviations)
    published_dir = Path(published_dir)
    compared = set(ours_by_pub.values())
    not_run = dict(not_run or {})

    # Table I
    counts = feature_counts(published_dir)
    counts = counts[counts["dataset"].isin(compared)]
    if run.table1 is not None and len(counts):
        rows += count_cells(counts, run.table1, {d: p for d, p in run.compare_as.items() if p})

    # Figures 3-5 (c-Si, built in code: every run that has the sensitivity study)
    for (panel, rep), ours in sorted((run.sensitivity or {}).items()):
        published = published_sensitivity(published_dir, panel, rep, missing_ok=True)
        if published is not None:
            rows += sensitivity_cells(panel, rep, published, ours)

    # Figures 6-8
    figure_of = {"cur": "Figure 6", "pca": "Figure 7", "fps": "Figure 8"}
    for (method, dataset, variant), ours in sorted((run.dimensionality or {}).items()):
        target = run.compare_as.get(dataset)
        if not target:
            continue
        published = published_curve(published_dir, method, variant, target, missing_ok=True)
        if published is None:
            continue
        figure = "Figure 6h" if is_degree_variant(variant, run.classes) else figure_of[method]
        rows += curve_cells(figure, method, variant, target, published, ours)

    # Figure 9
    for (model, dataset, rep), ours in sorted((run.regression or {}).items()):
        target = run.compare_as.get(dataset)
        if not target:
            continue
        published = published_regression(published_dir, model, target, rep, missing_ok=True)
        if published is not None:
            rows += regression_cells(model, rep, target, published, ours)

    # published datasets this run left out
    for target in DATASETS:
        if target in compared:
            continue
        why = not_run.get(target, "not in this run's config")
        rows.append(
            {
                **cell(f"dataset/{target}", "datasets", "", target, "dataset run", "count", None, None),
                "verdict": "not run",
                "reason": why,
            }
        )
    return _frame(rows, deviations)


def _frame(rows: list[dict[str, Any]], deviations) -> pd.DataFrame:
    attach_reasons(rows, load_deviations() if deviations is None else deviations)
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(df: pd.DataFrame) -> str:
    """The report's first line: how many compared cells agree."""
    compared = df[df["verdict"].isin(["agree", "differ"])]
    agree = int((compared["verdict"] == "agree").sum())
    parts = [f"{agree} of {len(compared)} compared cells agree with the published results"]
    n_not_run = int((df["verdict"] == "not run").sum())
    if n_not_run:
        parts.append(f"{n_not_run} not run")
    n_none = int((df["verdict"] == "no counterpart").sum())
    if n_none:
        parts.append(f"{n_none} dataset(s) without a published counterpart")
    return "; ".join(parts) + "."


def _fmt(v: float) -> str:
    if _missing(v):
        return "—"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def markdown(df: pd.DataFrame, title: str = "Reproduction report") -> str:
    """Summary on top, then the datasets, then one table per figure (Table I first)."""
    lines = [f"# {title}", "", f"**{summary(df)}**", ""]
    compared = df[df["verdict"].isin(["agree", "differ"])]
    if len(compared):
        lines += ["| figure | agree | differ |", "|---|---|---|"]
        for fig, part in compared.groupby("figure", sort=False):
            lines.append(f"| {fig} | {(part['verdict'] == 'agree').sum()} | {(part['verdict'] == 'differ').sum()} |")
        lines.append("")
    datasets = df[df["figure"] == "datasets"]
    if len(datasets):
        lines += ["## Datasets", "", "| dataset | status | why |", "|---|---|---|"]
        for r in datasets.itertuples():
            lines.append(f"| {r.dataset} | {r.verdict} | {r.reason} |")
        lines.append("")
    for fig, part in df[df["figure"] != "datasets"].groupby("figure", sort=False):
        lines += [
            f"## {fig}",
            "",
            "| representation | dataset | metric | published | ours | tolerance | verdict | reason |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in part.itertuples():
            verdict = f"**{r.verdict}**" if r.verdict == "differ" else r.verdict
            lines.append(
                f"| {r.representation} | {r.dataset} | {r.metric} | {_fmt(r.published)} | {_fmt(r.ours)} | "
                f"{r.tolerance} | {verdict} | {r.reason} |"
            )
        lines.append("")
    return "\n".join(lines)
