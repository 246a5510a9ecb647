"""The authors' published results, fetched as a pinned input and read into our tidy tables.

Onat, Ortner & Kermode published the data behind Figures 3-9 as five JSON files in the
GitHub repository ``DescriptorZoo/sensitivity-dimensionality-results`` (folder
``results/``, MIT licence).  :data:`PUBLISHED_FILES` (defined in
:mod:`descriptor_study.pins`) pins them to one commit by git blob sha1 and sha256;
:func:`fetch_published` copies one of them, checked, from a mirror directory
(``<mirror>/<file name>``) or downloads it through pooch.

The readers turn the files into the tables the workflow writes for its own results, with
the same column names:

=========================  =============================================================
``curve``                  rank, percent, error (cur, fps) or variance_ratio (pca)
``dimensionality_table``   representation, dataset, rank, percent, error|variance_ratio
``sensitivity``            t, dV
``sensitivity_table``      panel, representation, t, dV
``regression``             n, train_rmse, test_rmse, percent
``regression_table``       representation, dataset, n, train_rmse, test_rmse, percent
``feature_counts``         representation, dataset, n_features, n_nonzero
``available``              method, representation, dataset, points, n_features,
                           denominator, first_rank, last_rank, x_key
=========================  =============================================================

Names.  Each representation class lists the top-level keys the authors' files give it
(``published_keys``); those keys map to the class's name, and the published datasets Si,
CHON, AlNiCu, TiO2 are ours unchanged.  Two kinds of key name a variant.  A key followed
by ``(STD)`` (Figure 6g's standardised MBTR: the sub-key ``Si(STD)`` under the MBTR key in
the CUR file, the key ``MBTR(STD)`` with sub-key ``Si`` in the FPS file) is the class's
standardised variant ``<name>-std`` on that dataset.  A key followed by a dataset in
parentheses, with sub-keys ``<d>th Degree`` (Figure 6h's ACE on AlNiCu in the CUR file;
the RR file names the same sweep after ACE-SHIPs), is the class's degree sweep
``<name>-degree<d>`` on that dataset.  A key no class lists keeps its own name.

What the files hold, read from them and from the authors' scripts in the same repository
(``generate-results/*`` wrote the numbers, ``plot-results/Plot_*_results.py`` drew the
figures from these files):

* CUR and FPS error curves: ``percent`` (x) and ``total`` (the relative error
  ‖X − CUR‖/‖X‖).  x is 100·k/D for the number k of selected features, printed with six
  significant digits, where D is the number of selections the authors' run made (their
  script's ``-c`` option; the file, not the run scripts, tells which).  D is the feature
  count (``feature_num``) for most curves, one less for others (the last column is then
  implied: ACSF on Si 50 of 51, AlNiCu 281 of 282 and CHON 461 of 462; CHSF Si 19, CHSF
  CHON 43, ACE TiO2 29, SOAPlite Si/AlNiCu/TiO2, ACSF-X CHON, MBTR CHON/TiO2).  The
  first point of every curve is drawn at x = 0, whatever its k.  The errors are recorded
  every p-th selection: the authors' CUR script records the error after the first
  selection, after selections 1 + p, 1 + 2p, … and after the last one (ACSF on AlNiCu:
  k = 1, 4, 7, …); some curves stop before D (ACSF AlNiCu at 259 of 281, ACSF-X CHON at
  1638, MBTR CHON at 4951, MBTR TiO2 at 892).

  ``rank`` here is k, derived from the file: D is the first of (``feature_num_reduced``
  for ``percent_reduced``,) ``feature_num``, ``feature_num`` − 1, the number of points
  that turns every x (but the first) into integers k = x·D/100 within the six-digit
  rounding (if none does: the largest D ≤ ``feature_num`` that does); the first point's k
  continues the grid backwards, 2·k₂ − k₃ (this gives k = 1 on every CUR curve but ACSF-X
  CHON, whose grid is 9, 18, 27, …).  ``percent`` is 100·rank/D: the published x at every
  point but the first (which the file puts at 0), and equal to our 100·rank/n where D is
  the number n of non-zero features.  ``as_published=True`` keeps the file's x verbatim.
* ACSF-X on Si and AlNiCu was reduced to its non-zero columns (57 of 195, 544 of 1017);
  ``percent`` there is over the full feature set and ``percent_reduced`` over the reduced
  one.  Ours is over the non-zero columns, so ``percent_reduced`` is read.  On CHON the
  authors ran ACSF-X over all 1644 columns (the paper reduced only Si and AlNiCu; Table I's
  634 non-zero columns appear nowhere in the files).
* FPS: Figure 8 is FPS on CHON only.  Its curves are the ``FPS`` entries of
  FPS_results.json (``[x, error]``, same x convention; MBTR's D is 4972).  The
  ``percent`` and ``total`` entries beside them are CUR curves: the authors' Figure 8
  script draws them as the "CUR" line, and 27 of the file's 29 are identical to
  CUR_results.json (the other two, CHSF TiO2 over 40 and ACE Si over 63 features, match
  no curve there).  ``curve(..., "fps", ...)`` therefore exists for CHON only.
* PCA: ``PCA_variance`` is scikit-learn's ``explained_variance_`` with every component
  kept (n_components = number of columns), so variance_ratio = v/Σv is its
  ``explained_variance_ratio_``, our column.  The authors drew x = 100·(s+1)/len and
  v/(max − min), a rescaling of the same curve.  Lengths: ACSF-X AlNiCu has 1017 values
  (its zero columns included) and MBTR Si 200 for 182 features; QUIP's SOAP appends a
  constant column, so SOAP's counts are 451, 6661, 3781, 1711 (Table I: 450, 6660, 3780,
  1710) and the spectrum has one extra zero-variance component; ACSF-X Si has 195 values
  for 57 non-zero columns.  By default the table keeps the leading n components, n the
  non-zero count of :func:`feature_counts` (CUR_results.json; without that file the PCA
  file's ``feature_num``, less one for SOAP), after checking that every dropped value is
  below 1e-10 of the largest, and percent = 100·rank/n, as ours (our SOAP drops QUIP's
  constant column and our PCA runs on the non-zero columns).  ``as_published=True``
  keeps every value and the authors' x = 100·rank/len.
* Regression (Figure 9, Si only): ``training_/test_LR+L2_RMSE_eV_atom`` (our rr) and
  ``training_/test_KRR_RMSE_eV_atom`` (krr) hold one value per number of features
  n = 1 … ``feature_num_reduced``, in that order (the authors' plot script draws them at
  x = 1, 2, …).  ``feature_list`` is not a list of feature counts: it is the CUR selection
  order, column indices of the (reduced) matrix, one shorter than the feature count where
  the CUR run made n − 1 selections; :func:`regression_ranking` returns it with the one
  missing column appended last.  ``percent`` is 100·n/``feature_num_reduced``, ours (the
  authors drew ACSF-X over the full 195 columns, to 29.2 %).  ACE on Si has 63 features
  in the regression (not Table I's 30).  ``LR+L2_params`` and ``KRR_params`` are
  scikit-learn parameters: ``alpha`` is our λ (‖Ac − y‖² + λ‖c‖², K + λI), ``gamma`` our γ.
* Sensitivity (Figures 3-5): ``figure3_dataset`` and ``figure4_dataset`` map each
  representation to ``[t, dV]``, ``figure5_dataset`` to four ``[t, dV]`` panels a-d.  t
  is the angle in degrees (Figure 3: 0-90, 91 integer angles for some representations
  and 90 equally spaced ones for others) or the displacement in Å.  Figure 4 is stored
  unscaled (the figure draws 0.1·dV/max dV).  MBTR is absent from Figure 5, and the
  ACSF-X Figure 5a curve is zero at every t.

A key missing from an entry raises :class:`PublishedDataError` naming the file and the
key; an entry that does not exist at all returns None with ``missing_ok=True``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DatasetError
from .pins import PUBLISHED_FILES
from .vocabulary import PUBLISHED_DATASETS

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd

log = logging.getLogger(__name__)

#: the published datasets (Table I's columns; its rows: :func:`published_representations`)
DATASETS = PUBLISHED_DATASETS
#: our sensitivity panels → (key in figures-3-4-5-datasets.json, index of the Figure 5 panel)
SENSITIVITY_PANELS: dict[str, tuple[str, int | None]] = {
    "fig3": ("figure3_dataset", None),
    "fig4": ("figure4_dataset", None),
    "fig5a": ("figure5_dataset", 0),
    "fig5b": ("figure5_dataset", 1),
    "fig5c": ("figure5_dataset", 2),
    "fig5d": ("figure5_dataset", 3),
}
METHOD_FILES = {"cur": "CUR_results.json", "fps": "FPS_results.json", "pca": "PCA_results.json"}
REGRESSION_FILE = "RR_results.json"
SENSITIVITY_FILE = "figures-3-4-5-datasets.json"
#: our model → (train RMSE key, test RMSE key, hyperparameter key) in RR_results.json
MODEL_KEYS = {
    "rr": ("training_LR+L2_RMSE_eV_atom", "test_LR+L2_RMSE_eV_atom", "LR+L2_params"),
    "krr": ("training_KRR_RMSE_eV_atom", "test_KRR_RMSE_eV_atom", "KRR_params"),
}
#: PCA components dropped as zero columns / constant column must be below this × the largest
ZERO_VARIANCE = 1e-10

#: the folder holding the published files, or any file in it
Source = str | os.PathLike


class PublishedDataError(DatasetError):
    """A published result file lacks a key or holds values that cannot be read as documented."""


# --- fetching --------------------------------------------------------------------------


def published_name(name: str) -> str:
    """The file name of a published result: ``"CUR_results.json"`` or ``"CUR_results"``."""
    for candidate in (name, f"{name}.json"):
        if candidate in PUBLISHED_FILES:
            return candidate
    raise DatasetError(f"{name}: not a published result file; known: {sorted(PUBLISHED_FILES)}")


def fetch_published(
    name: str,
    dest: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Copy one published result file to ``dest``, checked: ``<mirror>/<file>`` first, else
    the pinned URL through pooch (cached in ``cache_dir``).

    A file whose git blob sha1 or sha256 differs raises ``ChecksumError`` naming it; a bad
    download is removed from the cache, and ``dest`` is written (atomically) only after the
    check passed.
    """
    from .datasets.remote import fetch_raw, unpack, verify

    fname = published_name(name)
    spec = {**PUBLISHED_FILES[fname], "name": "published"}
    source = Path(mirror) / fname if mirror else None
    if source is not None and source.is_file():
        log.info("using mirrored %s", source)
        verify(source, spec, label=str(source))
    else:
        if mirror:
            log.info("%s not in mirror %s; downloading %s", fname, mirror, spec["url"])
        source = fetch_raw(
            spec, mirror=None, cache_dir=cache_dir, tried=[source] if source else (), mirror_key="published.mirror"
        )
    dest = Path(dest)
    unpack(source, spec, dest)
    return dest


# --- loading ---------------------------------------------------------------------------


def _file(source: Source, fname: str) -> Path:
    """The path of ``fname`` in ``source``: the folder of the published files, or any file in it."""
    p = Path(source)
    path = p / fname if p.is_dir() else p.parent / fname
    if not path.is_file():
        raise DatasetError(f"{path}: published result file not found (fetch it with fetch_published)")
    return path


@lru_cache(maxsize=16)
def _parse(path: str, mtime_ns: int, size: int) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise PublishedDataError(f"{path}: not valid JSON ({exc})") from None


def _load(source: Source, fname: str) -> tuple[Path, Any]:
    path = _file(source, fname)
    st = path.stat()
    return path, _parse(str(path), st.st_mtime_ns, st.st_size)


def _key(entry: Any, key: str, path: Path, where: str) -> Any:
    if not isinstance(entry, dict) or key not in entry:
        raise PublishedDataError(f"{path}: {where} has no key {key!r}")
    return entry[key]


def _array(value: Any, path: Path, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise PublishedDataError(f"{path}: {where} is not a list of numbers") from None
    if arr.ndim != 1 or len(arr) == 0:
        raise PublishedDataError(f"{path}: {where} is not a non-empty list of numbers (shape {arr.shape})")
    return arr


# --- names -----------------------------------------------------------------------------

_DEGREE = re.compile(r"(\d+)\s*(?:st|nd|rd|th)?\s+Degree", re.IGNORECASE)
_ON_DATASET = re.compile(r"(.+?)\s*\((\w+)\)")
_STD = re.compile(r"(.+?)\s*\(STD\)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _key_names() -> dict[str, str]:
    """The authors' top-level key → our representation name, from every known class's
    ``published_keys``."""
    from .representations import registry

    out: dict[str, str] = {}
    for name in registry.with_attribute("published_keys"):
        for key in registry.get_class(name).published_keys:
            out.setdefault(key, name)
    return out


def published_representations() -> tuple[str, ...]:
    """Our names of the representations in the authors' files (Table I's rows), in table order."""
    from .representations import registry

    return tuple(registry.sort_names(set(_key_names().values())))


def _constant_column(representation: str) -> bool:
    """The published counts of ``representation`` include QUIP's trailing constant column."""
    from .representations import registry

    return representation in _key_names().values() and bool(
        registry.with_attribute("published_constant_column", [representation])
    )


def our_names(top: str, sub: str) -> tuple[str, str]:
    """(representation, dataset) in our names for a published ``{top: {sub: ...}}`` entry."""
    names = _key_names()
    m = _ON_DATASET.fullmatch(top)
    if m and m.group(1) in names:
        d = _DEGREE.fullmatch(sub)
        if d:
            return f"{names[m.group(1)]}-degree{int(d.group(1))}", m.group(2)
    m = _STD.fullmatch(top)
    if m and m.group(1) in names:
        return f"{names[m.group(1)]}-std", sub
    m = _STD.fullmatch(sub)
    if m and top in names:
        return f"{names[top]}-std", m.group(1)
    return names.get(top, top), sub


def _index(data: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """(our representation, our dataset) → (published key, published sub-key)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    if isinstance(data, dict):
        for top, subs in data.items():
            if isinstance(subs, dict):
                for sub, entry in subs.items():
                    if isinstance(entry, dict):
                        out.setdefault(our_names(top, sub), (top, sub))
    return out


def _entry(source: Source, fname: str, representation: str, dataset: str, missing_ok: bool):
    path, data = _load(source, fname)
    keys = _index(data).get((representation, dataset))
    if keys is None:
        if missing_ok:
            return path, None, None
        raise PublishedDataError(f"{path}: no entry for representation {representation!r} on dataset {dataset!r}")
    return path, data[keys[0]][keys[1]], f"[{keys[0]!r}][{keys[1]!r}]"


# --- x axis of the error curves ---------------------------------------------------------


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


# --- dimensionality (Figures 6-8) ----------------------------------------------------------


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


def _entries(source: Source, fname: str) -> list[tuple[str, str]]:
    _, data = _load(source, fname)
    return list(_index(data))


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


# --- regression (Figure 9) ------------------------------------------------------------------


def _regression_entry(source: Source, model: str, dataset: str, representation: str, missing_ok: bool):
    if model not in MODEL_KEYS:
        raise ValueError(f"unknown regression model {model!r}; published: {sorted(MODEL_KEYS)}")
    path, entry, where = _entry(source, REGRESSION_FILE, representation, dataset, missing_ok)
    if entry is None:
        return path, None, None
    train_key, test_key, _ = MODEL_KEYS[model]
    if train_key not in entry and test_key not in entry:
        if missing_ok:
            return path, None, None
        raise PublishedDataError(f"{path}: {where} has no regression results (no key {test_key!r})")
    return path, entry, where


def regression(
    source: Source, model: str, dataset: str, representation: str, *, missing_ok: bool = False
) -> pd.DataFrame | None:
    """Published RMSE (eV/atom) against the number n of CUR-selected features.

    ``model``: "rr" (the file's LR+L2) or "krr".  Columns: n (1 … number of non-zero
    features), train_rmse, test_rmse, percent (100·n / non-zero features), sorted by n.
    ``missing_ok``: None when the file has no such results (every dataset but Si).
    """
    import pandas as pd

    path, entry, where = _regression_entry(source, model, dataset, representation, missing_ok)
    if entry is None:
        return None
    train_key, test_key, _ = MODEL_KEYS[model]
    train = _array(_key(entry, train_key, path, where), path, f"{where}[{train_key!r}]")
    test = _array(_key(entry, test_key, path, where), path, f"{where}[{test_key!r}]")
    if len(train) != len(test):
        raise PublishedDataError(f"{path}: {where}: {len(train)} training and {len(test)} test RMSE values")
    total = int(entry.get("feature_num_reduced", _key(entry, "feature_num", path, where)))
    if len(test) > total:
        raise PublishedDataError(f"{path}: {where}: {len(test)} RMSE values for {total} features")
    n = np.arange(1, len(test) + 1)
    df = pd.DataFrame({"n": n, "train_rmse": train, "test_rmse": test, "percent": 100.0 * n / total})
    df = df.sort_values("n", kind="stable").reset_index(drop=True)
    df.attrs.update(file=REGRESSION_FILE, model=model, representation=representation, dataset=dataset, n_features=total)
    return df


def regression_table(source: Source, model: str) -> pd.DataFrame:
    """Every published regression sweep of ``model``: representation, dataset, n,
    train_rmse, test_rmse, percent."""
    import pandas as pd

    frames = []
    for rep, dataset in _entries(source, REGRESSION_FILE):
        df = regression(source, model, dataset, rep, missing_ok=True)
        if df is not None:
            frames.append(df.assign(representation=rep, dataset=dataset))
    columns = ["representation", "dataset", "n", "train_rmse", "test_rmse", "percent"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def regression_hyperparameters(source: Source) -> pd.DataFrame:
    """The authors' regression settings: representation, dataset, rr_lambda, rr_tol,
    krr_lambda, krr_gamma, krr_kernel (scikit-learn ``alpha`` is our λ)."""
    import pandas as pd

    path, data = _load(source, REGRESSION_FILE)
    rows = []
    for (rep, dataset), (top, sub) in _index(data).items():
        entry, where = data[top][sub], f"[{top!r}][{sub!r}]"
        if "LR+L2_params" not in entry and "KRR_params" not in entry:
            continue
        rr = _key(entry, "LR+L2_params", path, where)
        krr = _key(entry, "KRR_params", path, where)
        rows.append(
            {
                "representation": rep,
                "dataset": dataset,
                "rr_lambda": float(_key(rr, "alpha", path, f"{where}['LR+L2_params']")),
                "rr_tol": float(rr.get("tol", math.nan)),
                "krr_lambda": float(_key(krr, "alpha", path, f"{where}['KRR_params']")),
                "krr_gamma": float(_key(krr, "gamma", path, f"{where}['KRR_params']")),
                "krr_kernel": str(krr.get("kernel", "rbf")),
            }
        )
    return pd.DataFrame(
        rows, columns=["representation", "dataset", "rr_lambda", "rr_tol", "krr_lambda", "krr_gamma", "krr_kernel"]
    )


def regression_ranking(
    source: Source, representation: str, dataset: str = "Si", *, missing_ok: bool = False
) -> pd.DataFrame | None:
    """The CUR selection order behind the regression: rank, feature (column index in the
    authors' matrix after zero-column removal).  A list one short of the feature count gets
    the one column it misses appended as the last rank."""
    import pandas as pd

    path, entry, where = _entry(source, REGRESSION_FILE, representation, dataset, missing_ok)
    if entry is None:
        return None
    order = _key(entry, "feature_list", path, where)
    if not isinstance(order, list) or not order:
        if missing_ok:
            return None
        raise PublishedDataError(f"{path}: {where}['feature_list'] holds no selection order")
    total = int(entry.get("feature_num_reduced", _key(entry, "feature_num", path, where)))
    order = [int(c) for c in order]
    rest = sorted(set(range(total)) - set(order))
    if len(set(order)) != len(order) or max(order) >= total or len(rest) > 1:
        raise PublishedDataError(
            f"{path}: {where}['feature_list'] is not a selection order of the {total} columns "
            f"({len(order)} entries, {len(set(order))} distinct, {len(rest)} columns missing)"
        )
    order += rest
    return pd.DataFrame({"rank": np.arange(1, len(order) + 1), "feature": order})


# --- sensitivity (Figures 3-5) ----------------------------------------------------------------


def _sensitivity_key(figure: Any, representation: str) -> str | None:
    """The key of ``representation`` (our name) in one figure of the sensitivity file."""
    if not isinstance(figure, dict):
        return None
    if representation in figure and _key_names().get(representation, representation) == representation:
        return representation
    return next((k for k, name in _key_names().items() if name == representation and k in figure), None)


def sensitivity(source: Source, panel: str, representation: str, *, missing_ok: bool = False) -> pd.DataFrame | None:
    """One published dV(t) curve: columns t, dV (panels fig3, fig4, fig5a-d)."""
    import pandas as pd

    if panel not in SENSITIVITY_PANELS:
        raise ValueError(f"unknown sensitivity panel {panel!r}; published: {list(SENSITIVITY_PANELS)}")
    key, index = SENSITIVITY_PANELS[panel]
    path, data = _load(source, SENSITIVITY_FILE)
    figure = _key(data, key, path, "the file")
    top = _sensitivity_key(figure, representation)
    if top is None:
        if missing_ok:
            return None
        raise PublishedDataError(f"{path}: [{key!r}] has no key {representation!r}")
    value, where = figure[top], f"[{key!r}][{top!r}]"
    if index is not None:
        if not isinstance(value, list) or len(value) <= index:
            raise PublishedDataError(f"{path}: {where} has no panel {index} ({panel})")
        value, where = value[index], f"{where}[{index}]"
    if not (isinstance(value, list) and len(value) == 2):
        raise PublishedDataError(f"{path}: {where} is not [t, dV]")
    t = _array(value[0], path, f"{where}[0]")
    dV = _array(value[1], path, f"{where}[1]")
    if len(t) != len(dV):
        raise PublishedDataError(f"{path}: {where}: {len(t)} t values and {len(dV)} dV values")
    df = pd.DataFrame({"t": t, "dV": dV})
    df.attrs.update(file=SENSITIVITY_FILE, panel=panel, representation=representation)
    return df


def sensitivity_table(source: Source) -> pd.DataFrame:
    """Every published sensitivity curve: panel, representation, t, dV."""
    import pandas as pd

    path, data = _load(source, SENSITIVITY_FILE)
    frames = []
    for panel, (key, _) in SENSITIVITY_PANELS.items():
        for top in _key(data, key, path, "the file"):
            rep = _key_names().get(top, top)
            frames.append(sensitivity(source, panel, rep).assign(panel=panel, representation=rep))
    return pd.concat(frames, ignore_index=True)[["panel", "representation", "t", "dV"]]


# --- what exists ----------------------------------------------------------------------------


def available(source: Source) -> pd.DataFrame:
    """Every published curve: method (cur, fps, pca, rr, krr), representation, dataset
    (our names), points, n_features, denominator (D of percent), first_rank, last_rank and
    x_key (the key x was read from)."""
    import pandas as pd

    rows = []
    for method in METHOD_FILES:
        for rep, dataset in _entries(source, METHOD_FILES[method]):
            df = curve(source, method, rep, dataset, missing_ok=True)
            if df is None:
                continue
            rows.append(
                {
                    "method": method,
                    "representation": rep,
                    "dataset": dataset,
                    "points": len(df),
                    "n_features": df.attrs["n_features"],
                    "denominator": df.attrs["denominator"],
                    "first_rank": int(df["rank"].iloc[0]),
                    "last_rank": int(df["rank"].iloc[-1]),
                    "x_key": df.attrs["x_key"],
                }
            )
    for model in MODEL_KEYS:
        for rep, dataset in _entries(source, REGRESSION_FILE):
            df = regression(source, model, dataset, rep, missing_ok=True)
            if df is None:
                continue
            rows.append(
                {
                    "method": model,
                    "representation": rep,
                    "dataset": dataset,
                    "points": len(df),
                    "n_features": df.attrs["n_features"],
                    "denominator": df.attrs["n_features"],
                    "first_rank": int(df["n"].iloc[0]),
                    "last_rank": int(df["n"].iloc[-1]),
                    "x_key": "n",
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "method",
            "representation",
            "dataset",
            "points",
            "n_features",
            "denominator",
            "first_rank",
            "last_rank",
            "x_key",
        ],
    )
