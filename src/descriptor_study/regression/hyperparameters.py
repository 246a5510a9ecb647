"""The hyperparameters of a sweep: each model's keys, their values at each size, and the
authors' values from the representation classes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..vocabulary import MODEL_HYPERPARAMETERS


def paper_hyperparameters(names: Iterable[str] | None = None, classes=None) -> dict[str, dict[str, float]]:
    """The authors' Si hyperparameters (rr_lambda, krr_lambda, krr_gamma) per representation,
    from the facts' ``paper_hyperparameters`` (``facts.yaml``, docs/paper-settings.md);
    representations without them are left out.  ``names`` default: every known representation."""
    from .. import facts
    from ..representations import registry

    classes = dict(classes or {})
    pool = registry.with_attribute("paper_hyperparameters", names, classes)
    return {n: dict(facts.of(classes.get(n) or registry.get_class(n), "paper_hyperparameters")) for n in pool}


NO_HYPERPARAMETERS = "failed: no hyperparameter candidate passed cross-validation"


def _usable(h: Mapping[str, float]) -> bool:
    """False for the NaN :func:`.search.cross_validate` records where no candidate passed."""
    return all(np.isfinite(v) for v in h.values())


def _hyper_keys(model: str) -> tuple[str, ...]:
    if model not in MODEL_HYPERPARAMETERS:
        raise ValueError(f"unknown model {model!r}")
    return MODEL_HYPERPARAMETERS[model]


def _per_size(hyper: Mapping[str, float] | pd.DataFrame, keys: Sequence[str], sizes: Sequence[int]) -> list[dict]:
    """The hyperparameters at each size: one mapping for all, or a table with a row per n."""
    if isinstance(hyper, pd.DataFrame):
        table = hyper.set_index("n")
        missing = [int(n) for n in sizes if int(n) not in table.index]
        if missing:
            raise ValueError(f"no hyperparameters for n = {missing[:5]}")
        return [{k: float(table.at[int(n), k]) for k in keys} for n in sizes]
    return [{k: float(hyper[k]) for k in keys} for _ in sizes]
