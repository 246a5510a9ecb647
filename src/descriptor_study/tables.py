"""The workflow's tables as they are written: Table I (feature counts) and the Markdown of every table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from . import facts
from .representations import registry


def paper_table1(names: Iterable[str] | None = None, classes=None) -> dict[str, dict[str, Any]]:
    """Table I of the paper from the facts' ``paper_feature_counts`` (``facts.yaml``): representation →
    published dataset → non-zero count, or text "non-zero (full)"; representations the
    paper did not count are left out.  ``names`` default: every known representation."""
    classes = dict(classes or {})
    pool = registry.with_attribute("paper_feature_counts", names, classes)
    return {
        n: dict(facts.of(classes.get(n) or registry.get_class(n), "paper_feature_counts"))
        for n in registry.sort_names(pool, classes)
    }


def table1(rows: Iterable[Mapping[str, Any]], classes=None) -> pd.DataFrame:
    """Long table: representation, dataset, nonzero, full, rows (one row per file).

    ``rows``: one ``{"representation", "dataset", "nonzero", "full", "rows"}`` per stored
    representation (:func:`.stages.tables.read_counts`).  Representations in table order
    (their ``order`` in ``facts.yaml``; ``classes`` for those named in the config), datasets in the
    order given.
    """
    df = pd.DataFrame(rows, columns=["representation", "dataset", "nonzero", "full", "rows"])
    order = {name: k for k, name in enumerate(registry.sort_names(df["representation"], classes))}
    df["_o"] = df["representation"].map(order)
    return df.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def table1_markdown(df: pd.DataFrame) -> str:
    """The paper's layout: representations down, datasets across, 'non-zero (full)'."""
    datasets = list(dict.fromkeys(df["dataset"]))
    reps = list(dict.fromkeys(df["representation"]))
    cell = {
        (r.representation, r.dataset): (f"{r.nonzero}" if r.nonzero == r.full else f"{r.nonzero} ({r.full})")
        for r in df.itertuples()
    }
    lines = ["| Desc. | " + " | ".join(datasets) + " |", "|---" * (len(datasets) + 1) + "|"]
    for rep in reps:
        lines.append(f"| {rep} | " + " | ".join(cell.get((rep, d), "") for d in datasets) + " |")
    return "\n".join(lines)


def markdown_table(df: pd.DataFrame) -> str:
    """Any table as Markdown, one row per row, floats to 4 significant digits."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|---" * len(cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
