"""Reading the published regression results (Figure 9): the RR and KRR RMSE sweeps, the
authors' hyperparameters and the CUR selection order behind the sweeps."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .files import REGRESSION_FILE, PublishedDataError, Source, _array, _key, _load
from .names import _entries, _entry, _index

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd


#: our model → (train RMSE key, test RMSE key, hyperparameter key) in RR_results.json
MODEL_KEYS = {
    "rr": ("training_LR+L2_RMSE_eV_atom", "test_LR+L2_RMSE_eV_atom", "LR+L2_params"),
    "krr": ("training_KRR_RMSE_eV_atom", "test_KRR_RMSE_eV_atom", "KRR_params"),
}


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
