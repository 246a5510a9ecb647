"""What the published files hold: one row per curve or regression sweep, with its length,
feature count and the key its x was read from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dimensionality import curve
from .files import METHOD_FILES, REGRESSION_FILE, Source
from .names import _entries
from .regression import MODEL_KEYS, regression

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd


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
