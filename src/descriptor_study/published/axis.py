"""The x axis of a published error curve: the feature count D and the ranks k = x·D/100
that the file's six-digit percentages stand for (see :mod:`descriptor_study.published`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .files import PublishedDataError

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd


def _ranks_for(x: np.ndarray, D: int) -> np.ndarray | None:
    """k = x·D/100 for the points after an x = 0 start, if all are integers within the rounding."""
    xs = x[1:] if x[0] == 0 else x
    if len(xs) == 0 or np.any(xs <= 0):
        return None
    k = xs * D / 100.0
    tol = D / 100.0 * 10.0 ** (np.floor(np.log10(xs)) - 5) + 1e-9  # one unit of the 6th digit
    r = np.rint(k)
    if np.any(np.abs(k - r) > tol) or r[0] < 1 or np.any(np.diff(r) <= 0) or r[-1] > D:
        return None
    return r.astype(int)


def _denominator(x: np.ndarray, candidates: Iterable[int | None], n_max: int) -> tuple[int, np.ndarray] | None:
    tried: list[int] = []
    for D in candidates:
        if D and D > 0 and D not in tried:
            tried.append(int(D))
            r = _ranks_for(x, int(D))
            if r is not None:
                return int(D), r
    for D in range(int(n_max), 0, -1):
        if D not in tried:
            r = _ranks_for(x, D)
            if r is not None:
                return D, r
    return None


def _error_curve(
    x: np.ndarray, y: np.ndarray, candidates: list[int | None], n_max: int, path: Path, where: str, as_published: bool
) -> tuple[pd.DataFrame, int]:
    import pandas as pd

    if len(x) != len(y):
        raise PublishedDataError(f"{path}: {where} has {len(x)} x values and {len(y)} errors")
    found = _denominator(x, candidates, n_max)
    if found is None:
        raise PublishedDataError(f"{path}: {where}: no feature count D makes x·D/100 whole numbers")
    D, r = found
    if x[0] == 0:
        first = 2 * r[0] - r[1] if len(r) >= 2 else 1
        ranks = np.concatenate([[max(int(first), 1)], r])
    else:
        ranks = r
    if np.any(np.diff(ranks) <= 0):
        raise PublishedDataError(f"{path}: {where}: derived ranks are not increasing ({ranks[:4]}...)")
    percent = x.astype(float) if as_published else 100.0 * ranks / D
    return pd.DataFrame({"rank": ranks.astype(int), "percent": percent, "error": y.astype(float)}), D
