"""The best-RMSE table: per sweep, the size chosen by cross-validation on the training set
and the test RMSE there."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..vocabulary import HYPERPARAMETERS
from .models import ok_rows


def best_rmse_table(sweeps: dict[tuple[str, str, str], pd.DataFrame]) -> pd.DataFrame:
    """Per sweep, the size chosen on the training set and the test RMSE reported there.

    The size is the one of the smallest heldout_rmse (the sweep's cross-validation error on the
    training set, :func:`feature_sweep`) among the rows that hold a result (:func:`ok_rows`;
    failed fits are ignored and counted in ``failed_fits``); the test set never enters the
    choice.  Columns: n_chosen, heldout_rmse and test_rmse, train_rmse at that size; the full_*
    columns are those of the last row (all features), NaN when that fit failed; the
    hyperparameters of the last row and where they came from.  A sweep written without
    heldout_rmse has no choice (NaN)."""
    rows = []
    for (model, dataset, rep), df in sweeps.items():
        ok = ok_rows(df)
        held = pd.to_numeric(df["heldout_rmse"], errors="coerce") if "heldout_rmse" in df.columns else None
        usable = df[ok & np.isfinite(held)] if held is not None else df.iloc[:0]
        chosen = usable.loc[usable["heldout_rmse"].idxmin()] if len(usable) else None
        last = df.iloc[-1]
        keys = [k for k in HYPERPARAMETERS if k in df.columns]
        rows.append(
            {
                "model": model.upper(),
                "dataset": dataset,
                "representation": rep,
                "n_chosen": int(chosen["n"]) if chosen is not None else pd.NA,
                "heldout_rmse": float(chosen["heldout_rmse"]) if chosen is not None else np.nan,
                "test_rmse": float(chosen["test_rmse"]) if chosen is not None else np.nan,
                "train_rmse": float(chosen["train_rmse"]) if chosen is not None else np.nan,
                "full_test_rmse": float(last["test_rmse"]) if ok.iloc[-1] else np.nan,
                "full_train_rmse": float(last["train_rmse"]) if ok.iloc[-1] else np.nan,
                "n_features": int(last["n"]),
                "hyperparameters": ", ".join(f"{k} {float(last[k]):.3g}" for k in keys),
                "hyperparameters_from": str(last.get("hyperparameters_from", "")),
                "failed_fits": int((~ok).sum()),
            }
        )
    # sorted by the test RMSE the table leads with (its title), NaN last
    return pd.DataFrame(rows).sort_values(["model", "dataset", "test_rmse"], kind="stable").reset_index(drop=True)


#: what the best-RMSE table's markdown says above the table
BEST_RMSE_NOTE = (
    "n_chosen: the number of CUR-selected features with the smallest 5-fold cross-validation error on the "
    "training set (heldout_rmse); test_rmse and train_rmse are reported at that size, so the test set "
    "takes no part in the choice. full_*: all features. RMSE in eV/atom."
)
