"""Every rule of the report card, written once, with its threshold as a named constant.

The functions take arrays and numbers (a curve, a table's cells); they never read files.
docs/report-card.md states each rule and why its threshold is where it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..sensitivity import NOISE_FLOOR
from ..slope_report import SLOPE_TOLERANCE

#: invariant when the largest relative change dV (Figure 3's rotation; translation and
#: permutation of the contract's structures) is at most this: float64 round-off of a row
#: summed over a few hundred neighbour terms stays near 1e-13 relative, and any real change
#: of an atom's environment moves a row by far more than 1e-9 of its norm (the contract's TOL,
#: descriptor_study.contract, which imports the stages and so is not imported here; a test
#: keeps the two equal)
INVARIANCE_TOL = 1e-9

#: a measured slope k is of class 1 (linear) or 2 (quadratic) within this of it (the slope
#: table's own tolerance, descriptor_study.slope_report)
SLOPE_CLASS_TOL = SLOPE_TOLERANCE

#: a blind spot: a t range where the local slope d log dV / d log t is below this, i.e.
#: dV falls as the perturbation grows (the representation sees a larger change as smaller)
BLIND_SPOT_SLOPE = 0.0

#: the CUR error and the PCA variance ratio a representation is compressed to (the paper's 1e-3)
COMPRESSION_LEVEL = 1e-3

#: a CUR error at or below this is round-off (the sensitivity study's noise floor): the
#: columns selected after the error first reaches it carry nothing the others lack
ROUNDOFF_FLOOR = NOISE_FLOOR

#: a CUR curve's own round-off: within this factor of its last error (every column selected,
#: so nothing is left but round-off; selection.plateau_start's factor).  A matrix with a tail
#: of singular values near its entries' own precision (featomic SOAP on a few similar
#: structures) keeps the error a little above ROUNDOFF_FLOOR to the end.  Only a last error
#: at most INVARIANCE_TOL (the largest round-off the card allows anywhere) is taken as such
ROUNDOFF_FACTOR = 10.0

#: a structure whose row norm is at least this many times the dataset's median row norm
#: lies outside the numerical range of the others (a kernel or a fit sees little else)
WIDE_ROW_FACTOR = 1e3


def invariance(max_change: float | None, tolerance: float = INVARIANCE_TOL) -> str:
    """``invariant`` when the largest relative change is at most ``tolerance`` (at least
    INVARIANCE_TOL: a float32 model declares a coarser one), else ``not invariant``."""
    if max_change is None or not math.isfinite(max_change):
        return "not measured"
    tol = max(INVARIANCE_TOL, tolerance or 0.0)
    return f"invariant (≤ {tol:g})" if max_change <= tol else f"not invariant (> {tol:g})"


def slope_class(k: float | None, expected: float | None = None, zero: bool = False) -> str:
    """The class of an asymptotic slope k: 1 (linearly stable: a first-order change is seen)
    or 2 (linearly unstable: the first-order change vanishes) within SLOPE_CLASS_TOL, else
    ``other``; ``zero`` / ``below noise floor`` where there is no slope.  A class that is not
    the paper's ``expected`` one says so."""
    if zero:
        return "zero: the perturbation moved nothing the representation sees"
    if k is None or not math.isfinite(k):
        return "below noise floor"
    if abs(k - 1) <= SLOPE_CLASS_TOL:
        found = "k ≈ 1 (linearly stable)"
    elif abs(k - 2) <= SLOPE_CLASS_TOL:
        found = "k ≈ 2 (linearly unstable)"
    else:
        found = f"other (k = {k:.2f})"
    if expected is not None and math.isfinite(expected) and abs(k - expected) > SLOPE_CLASS_TOL:
        found += f"; the paper's is {expected:g}"
    return found


def segment_slopes(t: Sequence[float], dV: Sequence[float]) -> np.ndarray:
    """d log dV / d log t between consecutive points (one fewer than the points; NaN where
    either dV is not positive)."""
    t, dV = np.asarray(t, dtype=float), np.asarray(dV, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log10(np.where(dV > 0, dV, np.nan))
        return np.diff(y) / np.diff(np.log10(t))


def blind_spots(t: Sequence[float], dV: Sequence[float], noise_floor: float = NOISE_FLOOR) -> list[dict]:
    """The t ranges of a sensitivity curve where dV falls as t grows: consecutive points,
    both above ``noise_floor``, joined by a local slope d log dV / d log t below
    BLIND_SPOT_SLOPE.  Each range: ``t_start`` (the last t before dV falls), ``t_end`` (the
    t where it stops falling), ``depth``: how far dV lies below the straight line on log
    axes through the two points just outside the range, the largest ratio line/dV over the
    range (None where the range reaches an end of the curve: no line to compare with, then
    ``open`` is True)."""
    t, dV = np.asarray(t, dtype=float), np.asarray(dV, dtype=float)
    s = segment_slopes(t, dV)
    above = dV > noise_floor
    falls = above[:-1] & above[1:] & np.isfinite(s) & (s < BLIND_SPOT_SLOPE)
    spots = []
    i = 0
    while i < len(falls):
        if not falls[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(falls) and falls[j + 1]:
            j += 1
        first, last = i, j + 1  # the points of the range: dV falls from t[first] to t[last]
        before, after = first - 1, last + 1
        bounded = before >= 0 and after < len(t) and dV[before] > 0 and dV[after] > 0
        depth = None
        if bounded:
            lt = np.log10(t[[before, after]])
            lv = np.log10(dV[[before, after]])
            inside = np.log10(t[first : last + 1])
            line = 10 ** (lv[0] + (inside - lt[0]) * (lv[1] - lv[0]) / (lt[1] - lt[0]))
            depth = float(np.max(line / dV[first : last + 1]))
        spots.append({"t_start": float(t[first]), "t_end": float(t[last]), "depth": depth, "open": not bounded})
        i = j + 1
    return spots


def blind_spot_verdict(spots: list[dict]) -> str:
    if not spots:
        return "no blind spot"
    deepest = max((s["depth"] for s in spots if s["depth"] is not None), default=None)
    text = f"{len(spots)} blind spot{'s' if len(spots) > 1 else ''}"
    return text + (f", deepest {deepest:.3g}× below the line" if deepest is not None else "")


def share_to_level(values: Sequence[float], level: float = COMPRESSION_LEVEL) -> tuple[int | None, float | None]:
    """(n, percent): the first n whose value (CUR error, PCA variance ratio) is below
    ``level``, and n as a percentage of the curve's length; (None, None) if none is."""
    values = np.asarray(values, dtype=float)
    below = np.flatnonzero(values < level)
    if not len(below):
        return None, None
    n = int(below[0]) + 1
    return n, round(100 * n / len(values), 1)


def roundoff_floor(errors: Sequence[float], floor: float = ROUNDOFF_FLOOR) -> float:
    """The round-off floor of a CUR error curve over every column: ``floor``, or
    ROUNDOFF_FACTOR × the curve's last error where that is higher (with every column
    selected the matrix is rebuilt exactly: what the last error holds is round-off).  A
    last error above INVARIANCE_TOL is not round-off (a curve cut short): ``floor``."""
    errors = np.asarray(errors, dtype=float)
    last = float(errors[-1]) if len(errors) and np.isfinite(errors[-1]) else 0.0
    return max(floor, ROUNDOFF_FACTOR * last) if last <= INVARIANCE_TOL else floor


def empty_columns(errors: Sequence[float], floor: float = ROUNDOFF_FLOOR) -> int:
    """The columns a CUR selection takes after its error first reaches the curve's round-off
    floor (:func:`roundoff_floor`): they carry nothing the columns before them lack (an
    exact copy of a column, or a combination of columns, selected before it).  0 when it
    never does."""
    errors = np.asarray(errors, dtype=float)
    at = np.flatnonzero(errors <= roundoff_floor(errors, floor))
    return int(len(errors) - at[0] - 1) if len(at) else 0


def row_norm_range(norms: np.ndarray, frames: np.ndarray, factor: float = WIDE_ROW_FACTOR) -> dict:
    """The spread of a dataset's row norms: median, max/median, and the frames (structure
    indices) holding a row at least ``factor`` × the median (sorted, each once)."""
    norms = np.asarray(norms, dtype=float)
    median = float(np.median(norms)) if len(norms) else float("nan")
    if not (median > 0):
        return {"median": median, "max_over_median": None, "wide_frames": []}
    wide = np.unique(np.asarray(frames)[norms >= factor * median])
    return {
        "median": median,
        "max_over_median": float(norms.max() / median),
        "wide_frames": [int(f) for f in wide],
    }


def range_verdict(spread: dict, factor: float = WIDE_ROW_FACTOR) -> str:
    if spread["max_over_median"] is None:
        return "median row norm is 0: no range"
    n = len(spread["wide_frames"])
    if not n:
        return f"every row within {factor:g} × the median"
    return f"{n} structure{'s' if n > 1 else ''} with a row ≥ {factor:g} × the median"


def ranks(values: dict[str, float | None]) -> dict[str, int | None]:
    """Rank 1 for the smallest value (ties share a rank); None for a missing value."""
    present = sorted(v for v in values.values() if v is not None and math.isfinite(v))
    return {k: (present.index(v) + 1 if v is not None and math.isfinite(v) else None) for k, v in values.items()}
