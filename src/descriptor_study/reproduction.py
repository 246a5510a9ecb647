"""How well a run reproduces the paper: every comparable number against the authors'
published results, with a tolerance fixed in advance and a verdict.

One row per compared cell (``results/reproduction.csv``): item, figure (or table),
representation, dataset (the published name), metric, published, ours, tolerance,
verdict, reason.  Verdicts: ``agree``, ``differ``, ``not run`` (the published value exists
but this run did not compute ours) and ``no counterpart`` (a dataset of this run that
stands for no published one, such as the demo sets).

The tolerances are the ``TOLERANCES`` below; docs/reproduction.md states them and why.
They were fixed before any comparison was looked at and are never tuned per cell.  A cell
that differs keeps its verdict; ``deviations.yaml`` beside this module gives the reason
found for it (the authors' code, the libraries of 2020, the paper), and the same file
notes where an agreeing cell needed one of the authors' settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = [
    "item",
    "figure",
    "representation",
    "dataset",
    "metric",
    "published",
    "ours",
    "tolerance",
    "verdict",
    "reason",
]

#: error level whose crossing is compared (Figures 6-8: "features needed to reach 1e-3")
TARGET_ERROR = 1e-3
#: points of the dimensionality curves whose value is compared (% of the features kept)
CHECK_PERCENTS = (10.0, 25.0, 50.0)
#: reference step of the perturbation panels (Å) at which dV levels are compared
REFERENCE_STEP = 1e-3
#: slopes of both curves are fitted above this dV: the paper's noise floor for its codes
SLOPE_FLOOR = 1e-8


@dataclass(frozen=True)
class Tolerance:
    """How far ours may be from the published value and still agree."""

    kind: str  # "exact", "absolute", "decades", "below"
    value: float = 0.0
    floor: float = 0.0  # "decades": values both at or below the floor agree (round-off of either code)

    def describe(self) -> str:
        if self.kind == "exact":
            return "exact"
        if self.kind == "absolute":
            return f"±{self.value:g}"
        if self.kind == "below":
            return f"both < {self.value:g}"
        floor = f"; both ≤ {self.floor:g} agree" if self.floor else ""
        return f"±{self.value:g} decades{floor}"

    def agrees(self, published: float, ours: float) -> bool:
        if self.kind == "below":
            return bool(published < self.value and ours < self.value)
        if _missing(published) or _missing(ours):
            # "never reaches the level" on both sides agrees; one side only does not
            return _missing(published) and _missing(ours)
        if self.kind == "exact":
            return bool(published == ours)
        if self.kind == "absolute":
            return bool(abs(ours - published) <= self.value + 1e-12)
        if self.floor and published <= self.floor and ours <= self.floor:
            return True
        if published <= 0 or ours <= 0:
            return False
        return bool(abs(math.log10(ours / published)) <= self.value + 1e-12)


#: metric kind → tolerance (the one place they are set; docs/reproduction.md explains them)
TOLERANCES: dict[str, Tolerance] = {
    "count": Tolerance("exact"),
    "rotation": Tolerance("below", 1e-9),
    "slope": Tolerance("absolute", 0.25),
    "level": Tolerance("decades", 0.5),
    "percent": Tolerance("absolute", 10.0),
    "error": Tolerance("decades", math.log10(2.0), floor=1e-6),
    "variance": Tolerance("decades", math.log10(2.0), floor=1e-12),
    "rmse": Tolerance("decades", math.log10(2.0)),
}


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# --- metrics of one curve ------------------------------------------------------------


def percent_to_reach(percent: np.ndarray, values: np.ndarray, level: float = TARGET_ERROR) -> float:
    """The smallest % of features whose value is at or below ``level``; NaN if never."""
    percent, values = np.asarray(percent, float), np.asarray(values, float)
    hit = np.flatnonzero(values <= level)
    return float(percent[hit[0]]) if len(hit) else float("nan")


def value_at_percent(percent: np.ndarray, values: np.ndarray, p: float) -> float:
    """The curve at ``p`` % of the features: log-linear interpolation between its points."""
    percent, values = np.asarray(percent, float), np.asarray(values, float)
    ok = np.isfinite(values) & (values > 0)
    if not ok.any() or p < percent[ok][0] or p > percent[ok][-1]:
        return float("nan")
    return float(10 ** np.interp(p, percent[ok], np.log10(values[ok])))


def level_at(t: np.ndarray, dV: np.ndarray, t_ref: float = REFERENCE_STEP) -> float:
    """log-log interpolation of dV(t) at ``t_ref``; NaN outside the curve."""
    t, dV = np.asarray(t, float), np.asarray(dV, float)
    ok = (t > 0) & (dV > 0) & np.isfinite(dV)
    if ok.sum() < 2:
        return float("nan")
    t, dV = t[ok], dV[ok]
    order = np.argsort(t)
    t, dV = t[order], dV[order]
    if t_ref < t[0] or t_ref > t[-1]:
        return float("nan")
    return float(10 ** np.interp(math.log10(t_ref), np.log10(t), np.log10(dV)))


# --- cells -----------------------------------------------------------------------------


def cell(
    item: str,
    figure: str,
    representation: str,
    dataset: str,
    metric: str,
    kind: str,
    published: float | None,
    ours: float | None,
) -> dict[str, Any]:
    tol = TOLERANCES[kind]
    if _missing(published) and _missing(ours) and kind != "percent" or ours is None:
        verdict = "not run"
    else:
        verdict = "agree" if tol.agrees(_num(published), _num(ours)) else "differ"
    return {
        "item": item,
        "figure": figure,
        "representation": representation,
        "dataset": dataset,
        "metric": metric,
        "published": _num(published),
        "ours": _num(ours),
        "tolerance": tol.describe(),
        "verdict": verdict,
        "reason": "",
    }


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def curve_cells(
    figure: str,
    method: str,
    representation: str,
    dataset: str,
    published: pd.DataFrame | None,
    ours: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    """Dimensionality metrics of one (method, representation, dataset): % to reach 1e-3 and
    the value at 10, 25, 50 % (and after the first selection for CUR and FPS)."""
    column = "variance_ratio" if method == "pca" else "error"
    kind = "variance" if method == "pca" else "error"
    label = "variance ratio" if method == "pca" else "error"
    stem = f"{figure}/{method}/{dataset}/{representation}"
    rows = []

    def metric(curve, fn):
        if curve is None:
            return None
        return fn(curve["percent"].to_numpy(), curve[column].to_numpy())

    rows.append(
        cell(
            f"{stem}/percent_to_1e-3",
            figure,
            representation,
            dataset,
            f"% of {'components' if method == 'pca' else 'features'} to reach {label} {TARGET_ERROR:g}",
            "percent",
            metric(published, percent_to_reach),
            metric(ours, percent_to_reach),
        )
    )
    if method != "pca":
        rows.append(
            cell(
                f"{stem}/first",
                figure,
                representation,
                dataset,
                f"{label} after the first feature",
                kind,
                _at_rank(published, column, 1),
                _at_rank(ours, column, 1),
            )
        )
    for p in CHECK_PERCENTS:
        rows.append(
            cell(
                f"{stem}/at_{p:g}",
                figure,
                representation,
                dataset,
                f"{label} at {p:g} %",
                kind,
                metric(published, lambda x, y, p=p: value_at_percent(x, y, p)),
                metric(ours, lambda x, y, p=p: value_at_percent(x, y, p)),
            )
        )
    # a value the published curve does not have (it starts at a later rank, or ends early) is not compared
    return [
        r
        for r in rows
        if not (_missing(r["published"]) and not r["item"].endswith("percent_to_1e-3")) or published is None
    ]


def _at_rank(curve: pd.DataFrame | None, column: str, rank: int) -> float | None:
    """The curve's value at ``rank`` (NaN where the curve has no point there, as on the
    published curves that start at a later rank)."""
    if curve is None:
        return None
    hit = curve.loc[curve["rank"] == rank, column]
    return float(hit.iloc[0]) if len(hit) else float("nan")


def sensitivity_cells(
    panel: str, representation: str, published: pd.DataFrame | None, ours: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """Figure 3: maximum dV (round-off); Figures 4-5: slope as t → 0 and dV at 1e-3 Å."""
    from .sensitivity import asymptotic_slope, is_zero_curve

    figure = {"fig3": "Figure 3", "fig4": "Figure 4"}.get(panel, f"Figure 5{panel[-1]}")
    stem = f"{panel}/{representation}"
    if panel == "fig3":
        return [
            cell(
                f"{stem}/max_dV",
                figure,
                representation,
                "c-Si",
                "maximum dV over θ",
                "rotation",
                None if published is None else float(np.nanmax(published["dV"])),
                None if ours is None else float(np.nanmax(ours["dV"])),
            )
        ]

    def slope(df):
        return None if df is None else asymptotic_slope(df["t"].to_numpy(), df["dV"].to_numpy(), SLOPE_FLOOR)[0]

    def level(df):
        if df is not None and is_zero_curve(df["dV"].to_numpy()):
            return 0.0  # exactly: no interpolation on a log scale needed
        return None if df is None else level_at(df["t"].to_numpy(), df["dV"].to_numpy())

    cells = [
        cell(
            f"{stem}/slope", figure, representation, "c-Si", "slope k as t → 0", "slope", slope(published), slope(ours)
        ),
        cell(
            f"{stem}/level",
            figure,
            representation,
            "c-Si",
            f"dV at t = {REFERENCE_STEP:g} Å",
            "level",
            level(published),
            level(ours),
        ),
    ]
    if ours is not None and is_zero_curve(ours["dV"].to_numpy()):
        for c in cells:  # a reason of its own, whatever deviations.yaml says of the cell
            c["reason"] = ZERO_CURVE
    return cells


def regression_cells(
    model: str, representation: str, dataset: str, published: pd.DataFrame | None, ours: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """Figure 9: best test RMSE and the test RMSE at each published feature count."""
    figure = "Figure 9"
    name = {"rr": "RR", "krr": "KRR"}[model]
    stem = f"fig9/{model}/{dataset}/{representation}"
    rows = [
        cell(
            f"{stem}/best",
            figure,
            representation,
            dataset,
            f"{name} best test RMSE (eV/atom)",
            "rmse",
            None if published is None else float(published["test_rmse"].min()),
            None if ours is None else float(ours["test_rmse"].min()),
        )
    ]
    if published is not None:
        for n in published["n"].to_numpy():
            got = None
            if ours is not None:
                match = ours.loc[ours["n"] == n, "test_rmse"]
                got = float(match.iloc[0]) if len(match) else float("nan")
            pub = float(published.loc[published["n"] == n, "test_rmse"].iloc[0])
            rows.append(
                cell(
                    f"{stem}/n{int(n)}",
                    figure,
                    representation,
                    dataset,
                    f"{name} test RMSE at {int(n)} features (eV/atom)",
                    "rmse",
                    pub,
                    got,
                )
            )
    return rows


def count_cells(published_counts: pd.DataFrame, ours: pd.DataFrame, compare_as: dict[str, str]) -> list[dict]:
    """Table I: non-zero feature counts."""
    rows = []
    mine = {(r.representation, compare_as.get(r.dataset)): int(r.nonzero) for r in ours.itertuples()}
    for r in published_counts.itertuples():
        got = mine.get((r.representation, r.dataset))
        rows.append(
            cell(
                f"table1/{r.dataset}/{r.representation}",
                "Table I",
                r.representation,
                r.dataset,
                "non-zero features",
                "count",
                int(r.n_nonzero),
                got,
            )
        )
    return rows


# --- reasons ---------------------------------------------------------------------------


def load_deviations(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Known reasons: entries with ``match`` (item prefix, representation, dataset, figure,
    metric substring; all optional) and ``reason``."""
    import yaml

    path = Path(path) if path else Path(__file__).with_name("deviations.yaml")
    if not path.is_file():
        return []
    return list(yaml.safe_load(path.read_text()) or [])


def _matches(row: dict[str, Any], match: dict[str, Any]) -> bool:
    for key, want in match.items():
        if key == "item":
            if not str(row["item"]).startswith(str(want)):
                return False
        elif key == "metric":
            if str(want) not in str(row["metric"]):
                return False
        elif key == "verdict":
            if row["verdict"] not in (want if isinstance(want, list) else [want]):
                return False
        elif isinstance(want, list):
            if row.get(key) not in want:
                return False
        elif row.get(key) != want:
            return False
    return True


#: the reason of a sensitivity cell whose curve of ours is exactly zero (found from the curve)
ZERO_CURVE = "our curve is exactly 0 at every t: the perturbation moved nothing within the cutoff"


def attach_reasons(rows: list[dict[str, Any]], deviations: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        if row["reason"] == ZERO_CURVE:
            continue
        reasons = [d["reason"].strip() for d in deviations if _matches(row, d.get("match", {}))]
        if reasons:
            row["reason"] = " ".join(dict.fromkeys(reasons))


# --- the whole report --------------------------------------------------------------------


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


def is_degree_variant(variant: str, classes=None) -> bool:
    """``<name>-degree<d>`` where ``name``'s class sweeps a degree (Figure 6h)."""
    from .representations import registry

    rep, sep, degree = variant.rpartition("-degree")
    return bool(sep and degree.isdigit() and registry.with_attribute("degree_parameter", [rep], classes))


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
    from . import published as pub

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
    counts = pub.feature_counts(published_dir)
    counts = counts[counts["dataset"].isin(compared)]
    if run.table1 is not None and len(counts):
        rows += count_cells(counts, run.table1, {d: p for d, p in run.compare_as.items() if p})

    # Figures 3-5 (c-Si, built in code: every run that has the sensitivity study)
    for (panel, rep), ours in sorted((run.sensitivity or {}).items()):
        published = pub.sensitivity(published_dir, panel, rep, missing_ok=True)
        if published is not None:
            rows += sensitivity_cells(panel, rep, published, ours)

    # Figures 6-8
    figure_of = {"cur": "Figure 6", "pca": "Figure 7", "fps": "Figure 8"}
    for (method, dataset, variant), ours in sorted((run.dimensionality or {}).items()):
        target = run.compare_as.get(dataset)
        if not target:
            continue
        published = pub.curve(published_dir, method, variant, target, missing_ok=True)
        if published is None:
            continue
        figure = "Figure 6h" if is_degree_variant(variant, run.classes) else figure_of[method]
        rows += curve_cells(figure, method, variant, target, published, ours)

    # Figure 9
    for (model, dataset, rep), ours in sorted((run.regression or {}).items()):
        target = run.compare_as.get(dataset)
        if not target:
            continue
        published = pub.regression(published_dir, model, target, rep, missing_ok=True)
        if published is not None:
            rows += regression_cells(model, rep, target, published, ours)

    # published datasets this run left out
    for target in pub.DATASETS:
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


def compare_as(spec: dict[str, Any]) -> str | None:
    """The published dataset a config entry stands for: ``compare_as`` if given, else its
    pinned source's name; a generated or local dataset without it stands for none."""
    if "compare_as" in spec:
        return spec["compare_as"]
    return spec.get("source")
