"""Stages of ``workflow/rules/reproduction.smk``: one of the authors' published result
files (rule ``published_file``) and the reproduction report."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..jobs import PublishedFileJob, ReproductionJob, folder
from ..published.fetch import fetch_published
from ..representations import registry
from ..reproduction.report import RunResults, compare, markdown
from .tables import write_table


def published_file(job: PublishedFileJob) -> None:
    """Rule ``published_file``: the published file ``job.name``, pinned and checked, to ``job.out``."""
    fetch_published(job.name, job.out, mirror=job.mirror, cache_dir=job.cache)


def read_run(
    compare_as: dict[str, str | None],
    table1: str | Path | None,
    sensitivity: Iterable[dict[str, str]],
    dimensionality: Iterable[dict[str, str]],
    regression: Iterable[dict[str, str]],
    classes: dict[str, type] | None = None,
) -> RunResults:
    """Load this run's files, each named with its keys (no path is parsed)."""
    return RunResults(
        compare_as=dict(compare_as),
        classes=dict(classes) if classes is not None else None,
        table1=pd.read_csv(table1) if table1 else None,
        sensitivity={(e["panel"], e["rep"]): pd.read_csv(e["path"]) for e in sensitivity},
        dimensionality={(e["method"], e["dataset"], e["variant"]): pd.read_csv(e["path"]) for e in dimensionality},
        regression={(e["model"], e["dataset"], e["rep"]): pd.read_csv(e["path"]) for e in regression},
    )


def write_report(df: pd.DataFrame, csv: str | Path, md: str | Path) -> None:
    """CSV and Markdown, each written atomically."""
    write_table(df, csv, md, markdown=markdown(df))


def reproduction(job: ReproductionJob) -> pd.DataFrame:
    """Rule ``reproduction``: this run's files (:func:`read_run`) compared with the published
    results in the folder of ``job.published`` (:func:`.reproduction.report.compare`), the
    report written as CSV and Markdown; ``job.class_entries``: the config's ``class`` entries
    (``registry.classes_of``)."""
    run = read_run(
        job.compare_as or {},
        job.table1,
        job.sensitivity,
        job.dimensionality,
        job.regression,
        classes=registry.classes_of(job.class_entries),
    )
    df = compare(run, folder(job.published), not_run=job.not_run)
    write_report(df, job.csv, job.md)
    return df
