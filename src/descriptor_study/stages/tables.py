"""Stage of ``workflow/rules/tables.smk`` (Table I), and the writer every table stage uses."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import storage, tables
from ..atomic import atomic_path
from ..jobs import Table1Job
from ..representations import registry


def write_table(
    df: pd.DataFrame, csv: str | os.PathLike, md: str | os.PathLike, title: str = "", markdown: str | None = None
) -> None:
    """Write a table as CSV and Markdown, each atomically."""
    csv, md = Path(csv), Path(md)
    if markdown is None:
        markdown = tables.table1_markdown(df) if {"nonzero", "full"} <= set(df.columns) else tables.markdown_table(df)
    text = (f"{title}\n\n" if title else "") + markdown + "\n"
    for path, write in ((csv, lambda p: df.to_csv(p, index=False)), (md, lambda p: Path(p).write_text(text))):
        with atomic_path(path) as tmp:
            write(tmp)


def read_counts(files: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Table I's rows (:func:`.tables.table1`), one per ``.h5`` file, read one at a time.

    ``files``: records ``{"dataset": ..., "rep": ..., "path": <.h5>}``; the names come from
    the records, never from the paths.
    """
    rows = []
    for record in files:
        data = storage.read(record["path"])
        rows.append(
            {
                "representation": str(record["rep"]),
                "dataset": str(record["dataset"]),
                "nonzero": int(len(data.nonzero_columns())),
                "full": int(data.matrix.shape[1]),
                "rows": int(data.matrix.shape[0]),
            }
        )
    return rows


def table1(job: Table1Job) -> pd.DataFrame:
    """Rule ``table1``: Table I of the ``.h5`` files named by ``job.files`` (:func:`read_counts`)
    as CSV and Markdown; ``job.class_entries``: the config's ``class`` entries
    (``registry.classes_of``), for the table order."""
    classes = registry.classes_of(job.class_entries)
    df = tables.table1(read_counts(job.files), classes)
    write_table(df, job.csv, job.md, title="Table I. Number of features")
    return df
