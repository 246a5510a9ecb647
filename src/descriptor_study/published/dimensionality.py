"""Reading the published dimensionality results (Figures 6-8, Table I): one CUR, FPS or
PCA curve, every curve of a method, and the feature counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DatasetError
from .axis import _denominator, _error_curve
from .files import METHOD_FILES, PublishedDataError, Source, _array, _key, _load
from .names import DATASETS, _constant_column, _entries, _entry, _index, published_representations

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd


#: PCA components dropped as zero columns / constant column must be below this × the largest
ZERO_VARIANCE = 1e-10


def _check_method(method: str) -> str:
    if method not in METHOD_FILES:
        raise ValueError(f"unknown selection method {method!r}; published: {sorted(METHOD_FILES)}")
    return METHOD_FILES[method]


def _curve(
    source: Source, method: str, representation: str, dataset: str, missing_ok: bool, as_published: bool
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    import pandas as pd

    fname = _check_method(method)
    path, entry, where = _entry(source, fname, representation, dataset, missing_ok)
    if entry is None:
        return None
    n = int(_key(entry, "feature_num", path, where))
    if method == "pca":
        v = _array(_key(entry, "PCA_variance", path, where), path, f"{where}['PCA_variance']")
        if np.any(np.diff(v) > 1e-12 * abs(v[0])) or v[0] <= 0:
            raise PublishedDataError(f"{path}: {where}['PCA_variance'] is not a descending spectrum")
        ratio = v / v.sum()
        keep = len(v)
        if not as_published:
            nonzero = _nonzero_count(source, representation, dataset)
            if nonzero is None:  # CUR_results.json not given: this file's count, less QUIP's constant column
                nonzero = n - (1 if _constant_column(representation) and len(v) == n else 0)
            keep = min(len(v), nonzero)
            dropped = v[keep:]
            if len(dropped) and dropped.max() > ZERO_VARIANCE * v[0]:
                raise PublishedDataError(
                    f"{path}: {where}: components beyond the {keep} features carry variance "
                    f"{dropped.max():.3g} (largest {v[0]:.3g}); cannot drop them as zero columns"
                )
        ranks = np.arange(1, keep + 1)
        df = pd.DataFrame({"rank": ranks, "percent": 100.0 * ranks / keep, "variance_ratio": ratio[:keep]})
        return df, {"n_features": n, "denominator": keep, "x_key": "PCA_variance"}
    if method == "fps":
        if "FPS" not in entry:
            if missing_ok:
                return None
            raise PublishedDataError(
                f"{path}: {where} has no 'FPS' curve (the authors ran FPS on CHON only; the 'percent'/'total' "
                f"entries of this file are CUR curves)"
            )
        pair = entry["FPS"]
        if not (isinstance(pair, list) and len(pair) == 2):
            raise PublishedDataError(f"{path}: {where}['FPS'] is not [x, error]")
        x = _array(pair[0], path, f"{where}['FPS'][0]")
        y = _array(pair[1], path, f"{where}['FPS'][1]")
        candidates, x_key = [n, n - 1, len(x)], "FPS"
    else:
        x_key = "percent_reduced" if "percent_reduced" in entry else "percent"
        x = _array(_key(entry, x_key, path, where), path, f"{where}[{x_key!r}]")
        y = _array(_key(entry, "total", path, where), path, f"{where}['total']")
        reduced = entry.get("feature_num_reduced") if x_key == "percent_reduced" else None
        candidates = [reduced, n, n - 1, len(x)]
    df, D = _error_curve(x, y, candidates, n, path, where, as_published)
    return df, {"n_features": n, "denominator": D, "x_key": x_key}


def curve(
    source: Source,
    method: str,
    representation: str,
    dataset: str,
    *,
    missing_ok: bool = False,
    as_published: bool = False,
) -> pd.DataFrame | None:
    """One published dimensionality curve in our columns.

    ``method``: "cur", "fps" or "pca"; ``representation``/``dataset`` in our names (a
    variant as ``<name>-degree<d>`` or ``<name>-std``, see the module docstring).  Columns: rank (int, 1-based number of
    selected features or components), percent, and error (cur, fps) or variance_ratio
    (pca); see the module docstring for how rank and percent follow from the file.
    ``missing_ok``: None when the file has no such curve.  ``df.attrs`` holds the file,
    n_features, the denominator D of percent and the x key read.
    """
    got = _curve(source, method, representation, dataset, missing_ok, as_published)
    if got is None:
        return None
    df, meta = got
    df.attrs.update(meta, file=METHOD_FILES[method], method=method, representation=representation, dataset=dataset)
    return df


def _nonzero_count(source: Source, representation: str, dataset: str) -> int | None:
    """Table I's non-zero count from CUR_results.json; None if that file or entry is absent."""
    try:
        counts = feature_counts(source, include_variants=True)
    except PublishedDataError:
        raise
    except DatasetError:  # CUR_results.json not among the files given
        return None
    row = counts[(counts["representation"] == representation) & (counts["dataset"] == dataset)]
    return int(row["n_nonzero"].iloc[0]) if len(row) else None


def dimensionality_table(source: Source, method: str, *, as_published: bool = False) -> pd.DataFrame:
    """Every published curve of ``method`` in long form: representation, dataset, rank,
    percent, error (cur, fps) or variance_ratio (pca)."""
    import pandas as pd

    fname = _check_method(method)
    value = "variance_ratio" if method == "pca" else "error"
    frames = []
    for rep, dataset in _entries(source, fname):
        df = curve(source, method, rep, dataset, missing_ok=True, as_published=as_published)
        if df is not None:
            frames.append(df.assign(representation=rep, dataset=dataset))
    columns = ["representation", "dataset", "rank", "percent", value]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def feature_counts(source: Source, *, include_variants: bool = False) -> pd.DataFrame:
    """Table I from CUR_results.json: representation, dataset, n_features, n_nonzero.

    n_features is ``feature_num``; n_nonzero the number of columns the authors' curves ran
    on after removing zero columns: ``feature_num_reduced``, else the feature count behind
    ``percent_reduced``, else ``feature_num``.  Only Table I's representations and datasets
    unless ``include_variants`` (the degree sweep and the standardised variant) is set.
    """
    import pandas as pd

    path, data = _load(source, METHOD_FILES["cur"])
    reps = published_representations()
    rows = []
    for (rep, dataset), (top, sub) in _index(data).items():
        if not include_variants and (rep not in reps or dataset not in DATASETS):
            continue
        entry, where = data[top][sub], f"[{top!r}][{sub!r}]"
        n = int(_key(entry, "feature_num", path, where))
        nonzero = entry.get("feature_num_reduced")
        if nonzero is None and "percent_reduced" in entry:
            x = _array(entry["percent_reduced"], path, f"{where}['percent_reduced']")
            found = _denominator(x, [n, n - 1, len(x)], n)
            if found is None:
                raise PublishedDataError(f"{path}: {where}['percent_reduced']: no feature count fits")
            nonzero = found[0]
        rows.append(
            {
                "representation": rep,
                "dataset": dataset,
                "n_features": n,
                "n_nonzero": int(nonzero if nonzero is not None else n),
            }
        )
    df = pd.DataFrame(rows, columns=["representation", "dataset", "n_features", "n_nonzero"])
    order = {r: i for i, r in enumerate(reps)}
    dorder = {d: i for i, d in enumerate(DATASETS)}
    df["_r"] = df["representation"].map(lambda r: order.get(r, len(order)))
    df["_d"] = df["dataset"].map(lambda d: dorder.get(d, len(dorder)))
    return df.sort_values(["_r", "_d"], kind="stable").drop(columns=["_r", "_d"]).reset_index(drop=True)
