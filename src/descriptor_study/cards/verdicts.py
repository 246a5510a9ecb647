"""Every rule of the report card, written once, with its threshold as a named constant.

The functions take arrays and numbers (a curve, a table's cells); they never read files.
docs/report-card.md states each rule and why its threshold is where it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..sensitivity import NOISE_FLOOR, local_slopes
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

#: a blind spot is the slope table's dip (descriptor_study.sensitivity.dip_report, whose
#: defaults these are; a test keeps them equal): a point *stalls* where its local slope
#: d log dV / d log t is below DIP_LOW or dV falls to the next point, and a run of stalled
#: points is a blind spot when the curve recovers after it (a local slope above DIP_RECOVER
#: at a larger t).  The smooth bend from slope 1 to 2 and the flattening at the largest
#: amplitudes are not blind spots.
DIP_LOW = 0.5
DIP_RECOVER = 1.5

#: the sensitivity level of a path is dV at this t (Å): a point of every panel's t grid,
#: inside the power-law range of every curve of the paper's eight
LEVEL_T = 1e-3

#: the slope fit holds when log10 dV lies within this many decades of the fitted line at
#: every point of its window (0.05 decades: 12 %)
FIT_RESIDUAL = 0.05

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
#: lies outside the numerical range of the others (a kernel or a fit sees little else); one
#: whose rows are all this many times below the median is outside it the other way (the
#: median then sits among rows that are far too large)
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


def blind_spots(t: Sequence[float], dV: Sequence[float], noise_floor: float = NOISE_FLOOR) -> list[dict]:
    """Where a sensitivity curve has a blind spot (the slope table's ``dip``: see DIP_LOW).

    Each run of consecutive stalled points above ``noise_floor`` after which the curve
    recovers is one blind spot: ``t_start`` (the first stalled t), ``t_end`` (the last
    stalled t, or the t where dV stops falling after it), ``min_slope`` (the smallest local
    slope in it), ``falls`` (``[t, t']``: from the first t where dV falls to the t where it
    stops; None where dV only stalls), and ``depth``: how far dV lies below
    the straight line on log axes through the two points just outside the run, the largest
    ratio line/dV over the run (None where the run starts at the curve's first point:
    ``open`` is then True)."""
    t, dV = np.asarray(t, dtype=float), np.asarray(dV, dtype=float)
    s = local_slopes(t, dV)
    valid = dV > noise_floor
    stall = valid & ((s < DIP_LOW) | np.append(np.diff(dV) < 0, False))
    recovers = [bool(np.any(valid[i + 1 :] & (s[i + 1 :] > DIP_RECOVER))) for i in range(len(t))]
    spots = []
    i = 0
    while i < len(t):
        if not stall[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(t) and stall[j + 1]:
            j += 1
        if any(recovers[i : j + 1]):
            # the run ends where dV stops falling (the last stalled point may fall to a lower one)
            while j + 1 < len(t) and valid[j + 1] and dV[j + 1] < dV[j]:
                j += 1
            falls = [k for k in range(i, j) if dV[k + 1] < dV[k]]
            before, after = i - 1, j + 1
            bounded = before >= 0 and after < len(t) and dV[before] > 0 and dV[after] > 0
            depth = None
            if bounded:
                lt, lv = np.log10(t[[before, after]]), np.log10(dV[[before, after]])
                line = 10 ** (lv[0] + (np.log10(t[i : j + 1]) - lt[0]) * (lv[1] - lv[0]) / (lt[1] - lt[0]))
                depth = float(np.max(line / dV[i : j + 1]))
            spots.append(
                {
                    "t_start": float(t[i]),
                    "t_end": float(t[j]),
                    "min_slope": float(np.nanmin(s[i : j + 1])),
                    "falls": [float(t[falls[0]]), float(t[falls[-1] + 1])] if falls else None,
                    "depth": depth,
                    "open": not bounded,
                }
            )
        i = j + 1
    return spots


def fit_residual(
    t: Sequence[float], dV: Sequence[float], t_min: float, t_max: float, noise_floor: float
) -> float | None:
    """The largest distance, in decades, of log10 dV from the straight line fitted to it over
    the slope's window [t_min, t_max] (the points above ``noise_floor``); None without two
    such points."""
    t, dV = np.asarray(t, dtype=float), np.asarray(dV, dtype=float)
    window = (t >= t_min * (1 - 1e-9)) & (t <= t_max * (1 + 1e-9)) & (dV > noise_floor)
    if window.sum() < 2:
        return None
    x, y = np.log10(t[window]), np.log10(dV[window])
    line = np.polyval(np.polyfit(x, y, 1), x)
    return float(np.max(np.abs(y - line)))


def fit_verdict(residual: float | None) -> str:
    if residual is None:
        return "no fit"
    held = "holds" if residual <= FIT_RESIDUAL else "does not hold"
    return f"the power law {held}: within {residual:.2g} decades of the line (rule: ≤ {FIT_RESIDUAL:g})"


def level_at(t: Sequence[float], dV: Sequence[float], at: float = LEVEL_T) -> float | None:
    """dV at the point of the curve's t grid nearest ``at`` on a log scale (None if the
    nearest point is more than a tenth of a decade away)."""
    t, dV = np.asarray(t, dtype=float), np.asarray(dV, dtype=float)
    if not len(t):
        return None
    i = int(np.argmin(np.abs(np.log10(t) - np.log10(at))))
    return float(dV[i]) if abs(np.log10(t[i] / at)) <= 0.1 else None


def level_verdict(level: float | None, others: Sequence[float]) -> str:
    """``level`` beside the median of the other representations' levels."""
    others = [x for x in others if x is not None and math.isfinite(x) and x > 0]
    if level is None:
        return f"no point at t = {LEVEL_T:g} Å"
    if not others or not level > 0:
        return f"dV = {level:.3g} at t = {LEVEL_T:g} Å"
    ratio = level / float(np.median(others))
    return f"{ratio:.3g} × the median of the other {len(others)} ({float(np.median(others)):.3g})"


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
    """The spread of a dataset's row norms: median, max/median, the span in decades of the
    non-zero norms (largest over smallest), and the structures (frame indices, sorted) far
    from the median on either side: ``wide_frames`` hold a row at least ``factor`` × the
    median; ``low_frames`` have rows that are not all zero and all at most the median /
    ``factor`` (where most rows are far too large, the median sits among them, and the
    structures of ordinary size are the ones far below it)."""
    norms = np.asarray(norms, dtype=float)
    frames = np.asarray(frames)
    median = float(np.median(norms)) if len(norms) else float("nan")
    if not (median > 0):
        return {"median": median, "max_over_median": None, "span_decades": None, "wide_frames": [], "low_frames": []}
    nonzero = norms[norms > 0]
    ids, inverse = np.unique(frames, return_inverse=True)
    largest = np.zeros(len(ids))
    np.maximum.at(largest, inverse, norms)
    wide = ids[largest >= factor * median]
    low = ids[(largest > 0) & (largest <= median / factor)]
    return {
        "median": median,
        "max_over_median": float(norms.max() / median),
        "span_decades": float(np.log10(nonzero.max() / nonzero.min())),
        "wide_frames": [int(f) for f in wide],
        "low_frames": [int(f) for f in low],
    }


def range_verdict(spread: dict, factor: float = WIDE_ROW_FACTOR) -> str:
    if spread["max_over_median"] is None:
        return "median row norm is 0: no range"
    high, low = len(spread["wide_frames"]), len(spread.get("low_frames", []))
    if not high and not low:
        return f"every structure within a factor {factor:g} of the median row norm"
    said = []
    if high:
        said.append(f"{high} structure{'s' if high > 1 else ''} with a row ≥ {factor:g} × the median")
    if low:
        said.append(f"{low} structure{'s' if low > 1 else ''} with every row ≤ the median / {factor:g}")
    return "; ".join(said) + f"; the non-zero rows span {spread['span_decades']:.3g} decades"


def ranks(values: dict[str, float | None]) -> dict[str, int | None]:
    """Rank 1 for the smallest value (ties share a rank); None for a missing value."""
    present = sorted(v for v in values.values() if v is not None and math.isfinite(v))
    return {k: (present.index(v) + 1 if v is not None and math.isfinite(v) else None) for k, v in values.items()}
