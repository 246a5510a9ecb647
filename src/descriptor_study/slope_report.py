"""The slope table as it is written (``results/tables/sensitivity_slopes.{csv,md}``).

:func:`.sensitivity.slope_table` measures every curve; this module words it for a reader:
a slope that differs from the expected one is flagged in the verdict, Figure 3's rows
(a rotation: no slope) hold the largest dV instead of empty slope cells, and every column
is explained under the Markdown table (:data:`COLUMNS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

#: how far a measured slope k may lie from the expected one and still count as it: the
#: half-width of the verdicts "k ≈ 1" and "k ≈ 2" (:func:`.sensitivity.verdict`)
SLOPE_TOLERANCE = 0.15

#: what a cell that does not apply shows in the Markdown table (the CSV leaves it empty)
NOT_APPLICABLE = "—"

#: every column of the slope table and what it holds (the Markdown table's legend)
COLUMNS = {
    "representation": "the representation's name in the config",
    "panel": "the figure panel: fig3 (Figure 3), fig4 (Figure 4), fig5a-fig5d (Figure 5a-d)",
    "path": "how the crystal is perturbed along the panel's path",
    "k": (
        "the slope of log dV against log t as t → 0, fitted on the 8 smallest t whose dV lies above the noise "
        f"floor; {NOT_APPLICABLE} for Figure 3 (a rotation has no slope) and for a curve with no two points above "
        "the floor"
    ),
    "t_min": f"the smallest t of the fit window ({NOT_APPLICABLE} where k is {NOT_APPLICABLE})",
    "t_max": f"the largest t of the fit window ({NOT_APPLICABLE} where k is {NOT_APPLICABLE})",
    "expected": f"the slope the paper reports for the panel ({NOT_APPLICABLE} for Figure 3)",
    "verdict": (
        "k ≈ 1: linearly stable; k ≈ 2: linearly unstable (the first-order change vanishes); "
        f"'differs from expected' when k lies more than {SLOPE_TOLERANCE} from expected; 'below noise floor' "
        "when dV never rises above the floor; 'zero' when dV is exactly 0 at every t; for Figure 3 the largest dV"
    ),
    "max_dV": (
        "Figure 3 only: the largest dV over the rotation angles; a rotation-invariant representation leaves only "
        "round-off there (far below the noise floor), 0 if it is exactly invariant"
    ),
    "dip": (
        "True if dV stalls or falls and then rises again at larger t: a blind spot, where a larger displacement "
        f"changes the features less ({NOT_APPLICABLE} for Figure 3)"
    ),
    "zero": "True if dV is exactly 0 at every t: the representation saw nothing of the perturbation",
    "noise_floor": (
        "the dV below which a curve is round-off and not fitted: 1e-12, or the representation's declared "
        "relative precision where that is coarser (a float32 model)"
    ),
}


def differs(k: float, expected: float, tol: float = SLOPE_TOLERANCE) -> bool:
    """A measured slope ``k`` that is not the ``expected`` one within ``tol``; False where
    either is missing (no slope: below the noise floor, zero, or Figure 3)."""
    if k is None or expected is None or not (math.isfinite(k) and math.isfinite(expected)):
        return False
    return abs(k - expected) > tol


def slope_report(table: pd.DataFrame, curves: Mapping[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """The slope table of :func:`.sensitivity.slope_table` as written: the verdict of a
    slope that differs from the expected one starts "differs from expected <e>", a
    ``max_dV`` column holds Figure 3's largest dV (from ``curves``: (panel, representation)
    → curve), and Figure 3's ``dip`` is empty (it is not looked for)."""
    out = table.copy()
    verdicts, max_dv, dips = [], [], []
    for row in out.itertuples(index=False):
        rotation = row.panel == "fig3"
        verdict = row.verdict
        if not rotation and not row.zero and differs(row.k, row.expected):
            verdict = f"differs from expected {row.expected:g} (by more than {SLOPE_TOLERANCE}): {verdict}"
        verdicts.append(verdict)
        max_dv.append(float(curves[(row.panel, row.representation)]["dV"].max()) if rotation else None)
        dips.append(None if rotation else bool(row.dip))
    out["verdict"] = verdicts
    out.insert(out.columns.get_loc("verdict") + 1, "max_dV", pd.array(max_dv, dtype="Float64"))
    out["dip"] = pd.array(dips, dtype="boolean")
    return out


def slope_markdown(report: pd.DataFrame) -> str:
    """The slope table as Markdown: a cell that does not apply shows NOT_APPLICABLE (not
    ``nan``), and a legend under it explains every column."""
    from .tables import markdown_table

    shown = report.astype(object).where(report.notna(), NOT_APPLICABLE)
    legend = "\n".join(f"- `{name}`: {text}" for name, text in COLUMNS.items())
    return markdown_table(shown) + "\n\nColumns:\n\n" + legend
