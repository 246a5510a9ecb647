"""The cells of the reproduction report: one row per compared number (published, ours,
tolerance, verdict) for Table I's counts, a sensitivity curve, a dimensionality curve and a
regression sweep."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .metrics import (
    CHECK_PERCENTS,
    REFERENCE_STEP,
    SLOPE_FLOOR,
    TARGET_ERROR,
    level_at,
    percent_to_reach,
    value_at_percent,
)
from .reasons import ZERO_CURVE
from .tolerances import TOLERANCES, _missing

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
    from ..sensitivity import asymptotic_slope, is_zero_curve

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
