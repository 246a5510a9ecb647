"""Stages of ``workflow/rules/dimensionality.smk``: CUR, FPS or PCA on one (dataset,
variant), Figures 6-8 and the compressibility table."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

# the selection job (the heavy one) loads selection and storage only: the registry, the table
# writer and plotting are imported by the stages that use them
from .. import selection, storage
from ..jobs import CompressibilityJob, Figure6Job, Figure7Job, Figure8Job, SelectFeaturesJob, folder
from ..selection import cur_ranking, drop_zero_columns, fps_ranking, pca_spectrum, standardise_columns
from ..vocabulary import METHODS

if TYPE_CHECKING:
    from ..plotting.dimensionality import Curves, Published

log = logging.getLogger(__name__)

#: one curve file named by its keys: {"dataset", "rep" (or "variant"), "degree", "path", ...}
Record = Mapping[str, Any]


def select_features(job: SelectFeaturesJob) -> pd.DataFrame:
    """Rule ``select_features``: :func:`run_selection` on the ``.h5`` file ``job.h5``.  The
    matrix read here is used by this call only: it is compacted and standardised in place."""
    return run_selection(job.method, storage.read(job.h5), job.out, standardise=job.standardise, overwrite=True)


def run_selection(
    method: str, stored, out_csv: str | Path, standardise: bool = False, overwrite: bool = False
) -> pd.DataFrame:
    """Rank the non-zero features of a stored representation; write the curve as CSV.

    Columns: rank (1-based), feature (column index in the full .h5 matrix), percent
    (100·rank / number of non-zero features), and error (CUR, FPS) or variance_ratio (PCA).
    With ``overwrite`` the zero columns are dropped and the columns standardised inside
    ``stored.matrix`` itself (which is then no longer valid): no second copy of the matrix.
    """
    if method not in METHODS:
        raise ValueError(f"unknown selection method {method!r}")
    X, kept = drop_zero_columns(stored.matrix, overwrite=overwrite)
    if standardise:  # Figure 6g's Si(STD)
        X = standardise_columns(X, overwrite=overwrite)
    n = X.shape[1]
    log.info("%s on %s/%s: %d x %d (non-zero columns)", method, stored.dataset, stored.representation, *X.shape)
    if method == "cur":
        ranking = cur_ranking(X, progress=True, overwrite=overwrite)
        df = pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "feature": kept[ranking.selected],
                "percent": 100.0 * np.arange(1, n + 1) / n,
                "error": ranking.errors,
            }
        )
        log.info("exact selections before the round-off floor: %d of %d", ranking.n_exact, n)
    elif method == "fps":
        ranking = fps_ranking(X, overwrite=overwrite)
        df = pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "feature": kept[ranking.selected],
                "percent": 100.0 * np.arange(1, n + 1) / n,
                "error": ranking.errors,
            }
        )
    elif method == "pca":
        ratios = pca_spectrum(X)
        df = pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "feature": -1,
                "percent": 100.0 * np.arange(1, n + 1) / n,
                "variance_ratio": ratios,
            }
        )
    else:
        raise ValueError(f"unknown selection method {method!r}")
    storage.write_csv(df, out_csv)
    return df


def compressibility(job: CompressibilityJob) -> pd.DataFrame:
    """Rule ``compressibility``: per (representation, dataset), from CUR curve files named by
    records ``{"rep" (or "variant"), "dataset", "path"}`` (no name is read from a path), the
    features needed to bring the CUR error below 1e-3 and the plateau
    (:func:`.selection.compressibility`), as CSV and Markdown."""
    from .tables import write_table

    table = selection.compressibility(
        {(e["rep"] if "rep" in e else e["variant"], e["dataset"]): pd.read_csv(e["path"]) for e in job.curves}
    )
    write_table(table, job.csv, job.md, title="Compressibility (CUR)")
    return table


def read_curves(records: Iterable[Record]) -> Curves:
    """{rep: {dataset: curve}} from records naming each file's dataset and representation
    (``rep``, else ``variant``); nothing is read from the paths."""
    out: Curves = {}
    for e in records:
        out.setdefault(e["rep"] if "rep" in e else e["variant"], {})[e["dataset"]] = pd.read_csv(e["path"])
    return out


def published_curves(
    published_dir, compare_as: dict[str, str | None] | None, method: str, reps: Iterable[str], datasets: Iterable[str]
) -> Published:
    """The published curves of ``reps`` × ``datasets`` (ours, mapped through ``compare_as``)."""
    from ..published import dimensionality as pub

    out: Published = {}
    if not published_dir:
        return out
    for rep in reps:
        for dataset in datasets:
            target = (compare_as or {}).get(dataset)
            df = pub.curve(published_dir, method, rep, target, missing_ok=True) if target else None
            if df is not None:
                out.setdefault(rep, {})[dataset] = df
    return out


def figure6(job: Figure6Job) -> list[Path]:
    """Rule ``figure6``: Figure 6 from curve files named by records: ``job.curves`` {dataset,
    rep, path}; ``job.standardised`` {dataset, rep, path} (the standardised variant of
    ``rep``); ``job.degrees`` {dataset, rep, degree, path} (one representation on one
    dataset); ``job.class_entries``: the config's ``class`` entries (``registry.classes_of``)."""
    from ..plotting import dimensionality as plots
    from ..representations.registry import classes_of

    classes = classes_of(job.class_entries)
    published_dir, compare_as = folder(job.published), job.compare_as
    ours = read_curves(job.curves)
    standardised, degrees = list(job.standardised), list(job.degrees)
    std = {e["dataset"]: pd.read_csv(e["path"]) for e in standardised}
    std_rep = standardised[0]["rep"] if standardised else None
    by_degree = {int(e["degree"]): pd.read_csv(e["path"]) for e in degrees}
    degree_rep = degrees[0]["rep"] if degrees else None
    dataset = degrees[0]["dataset"] if degrees else None
    datasets = list(dict.fromkeys(d for rep in ours.values() for d in rep))  # in the records' order
    published = published_curves(published_dir, compare_as, "cur", list(ours), datasets)
    if std_rep:
        published.update(published_curves(published_dir, compare_as, "cur", [f"{std_rep}-std"], list(std)))
    if degree_rep:
        published.update(
            published_curves(
                published_dir, compare_as, "cur", [f"{degree_rep}-degree{d}" for d in by_degree], [dataset]
            )
        )
    return plots.figure6(
        ours,
        Path(job.figures[0]).with_suffix(""),
        plots.Variants(
            standardised=std, standardised_rep=std_rep, degrees=by_degree, degree_rep=degree_rep, degree_dataset=dataset
        ),
        published,
        classes,
    )


def figure7(job: Figure7Job) -> list[Path]:
    """Rule ``figure7``: Figure 7 from PCA spectrum files named by records {dataset, rep,
    path}; ``job.class_entries``: the config's ``class`` entries (``registry.classes_of``)."""
    from ..plotting import dimensionality as plots
    from ..representations.registry import classes_of

    classes = classes_of(job.class_entries)
    ours = read_curves(job.curves)
    datasets = list(dict.fromkeys(d for rep in ours.values() for d in rep))  # in the records' order
    return plots.figure7(
        ours,
        Path(job.figures[0]).with_suffix(""),
        published_curves(folder(job.published), job.compare_as, "pca", list(ours), datasets),
        classes,
    )


def figure8(job: Figure8Job) -> list[Path]:
    """Rule ``figure8``: Figure 8 on ``job.dataset`` from CUR and FPS curve files named by
    records {dataset, rep, path}; ``job.class_entries``: the config's ``class`` entries
    (``registry.classes_of``)."""
    from ..plotting import dimensionality as plots
    from ..representations.registry import classes_of

    classes = classes_of(job.class_entries)
    dataset, published_dir, compare_as = job.dataset, folder(job.published), job.compare_as
    c = {rep: d[dataset] for rep, d in read_curves(job.cur).items() if dataset in d}
    f = {rep: d[dataset] for rep, d in read_curves(job.fps).items() if dataset in d}
    pc = {r: d[dataset] for r, d in published_curves(published_dir, compare_as, "cur", list(c), [dataset]).items()}
    pf = {r: d[dataset] for r, d in published_curves(published_dir, compare_as, "fps", list(c), [dataset]).items()}
    return plots.figure8(c, f, dataset, Path(job.figures[0]).with_suffix(""), pc, pf, classes)
