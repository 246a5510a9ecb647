"""The metrics of one curve that the report compares: the % of features that reaches an
error level, the value at a % of the features, the dV level at a reference step."""

from __future__ import annotations

import math

import numpy as np

#: error level whose crossing is compared (Figures 6-8: "features needed to reach 1e-3")
TARGET_ERROR = 1e-3


#: points of the dimensionality curves whose value is compared (% of the features kept)
CHECK_PERCENTS = (10.0, 25.0, 50.0)


#: reference step of the perturbation panels (Å) at which dV levels are compared
REFERENCE_STEP = 1e-3


#: slopes of both curves are fitted above this dV: the paper's noise floor for its codes
SLOPE_FLOOR = 1e-8


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
