"""Stages of ``workflow/rules/regression.smk``: the RR and KRR sweeps of one (dataset,
representation), Figure 9 and the best-RMSE table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import storage
from ..datasets import read_structures
from ..jobs import Figure9Job, RegressionTableJob, RegressJob, folder
from ..regression.table import BEST_RMSE_NOTE, best_rmse_table
from ..vocabulary import MODELS


def regress_dataset(job: RegressJob):
    """Rule ``regress``: RR or KRR RMSE against the number of CUR-ranked features for one
    (dataset, representation), named with the job's fields (:class:`.jobs.RegressJob`).

    Targets are cohesive energies E − Σ_atoms E0[species].  ``e0`` (config
    ``datasets.<dataset>.e0``) gives the isolated-atom energy of each species; without it
    the dataset's single-atom structures do.  ``targets`` (``{"file": ..., "code": 1}``)
    takes the energies from a targets file such as the paper's Si ``targets.txt`` (lines
    ``n_atoms energy code``, in the dataset's order) and keeps the structures whose code
    matches; the split indexes those structures.  That route needs ``e0`` of every species
    of the kept structures (read from the dataset).

    Hyperparameters (the CSV's hyperparameters_from says which route): ``hyper`` from config;
    else with ``search`` true one set chosen by cross-validation on the training set at the
    full feature count (:func:`.regression.search.cv_grid`, the grid and the choice in the log) and
    held for every size, as the paper held its values; ``search="every_size"`` chooses again at
    every size (:func:`.regression.search.cross_validate`).  Every row has heldout_rmse, the
    cross-validation error of its own fit, which the best-RMSE table chooses by.
    """
    model, dataset, representation = job.model, job.dataset, job.representation
    h5, ranking_csv, dataset_path, out_csv = job.h5, job.ranking_csv, job.dataset_path, job.out_csv
    hyper, search, split, n_top = job.hyper, job.search, job.split, job.n_top
    e0, targets = job.e0, job.targets
    import pandas as pd

    from .. import splits
    from ..errors import ConfigError, DatasetError
    from ..regression.models import Problem
    from ..regression.search import choose_hyperparameters
    from ..regression.sweep import labelled_sweep, sweep_sizes
    from ..regression.targets import cohesive_targets, isolated_atom_energies, targets_from_file

    stored = storage.read(h5)
    X = stored.structure_vectors()
    n_atoms = stored.n_atoms.astype(float)
    if targets and targets.get("file"):
        table = splits.read_targets(targets["file"])
        if len(table) != len(X):
            raise DatasetError(f"{targets['file']}: {len(table)} lines for {len(X)} structures in {dataset_path}")
        if not np.array_equal(table["n_atoms"].to_numpy(), stored.n_atoms):
            bad = int(np.flatnonzero(table["n_atoms"].to_numpy() != stored.n_atoms)[0])
            raise DatasetError(
                f"{targets['file']}: line {int(table['line'].iloc[bad])} has another atom count "
                f"than structure {bad} of {dataset_path}"
            )
        code = int(targets.get("code", 1))
        keep = np.flatnonzero(table["code"].to_numpy() == code)
        if not len(keep):
            raise ConfigError(
                f"config key regression.targets.code: no line of {targets['file']} has code {code} "
                f"(codes there: {', '.join(map(str, sorted(set(table['code'].tolist()))))})"
            )
        kind = f"structures with code {code} in {targets['file']}"
        population = f"the {len(keep)} {kind} of {dataset}"
        structures = read_structures(dataset_path, require_energy=False, warn_close_atoms=False)
        if len(structures) != len(table):
            raise DatasetError(
                f"{targets['file']}: {len(table)} lines for {len(structures)} structures in {dataset_path}"
            )
        X, n_atoms = X[keep], n_atoms[keep]
        y = targets_from_file(table["energy"].to_numpy()[keep], [structures[k] for k in keep], e0, dataset)
    else:
        structures = read_structures(dataset_path, require_energy=True, warn_close_atoms=False)
        e0 = e0 or isolated_atom_energies(structures)
        y = cohesive_targets(structures, e0, source=str(dataset_path), e0_key=f"datasets.{dataset}.e0")
        kind, population = "structures", f"the {len(y)} structures of {dataset_path}"
    split = split or {}
    if split.get("file"):  # checked before any fit: indices in range, once each, both parts non-empty
        train, test = splits.read_split(split["file"], n_structures=len(y), population=population)
    else:
        train, test = splits.random_split(
            len(y), float(split.get("train_fraction", 0.8)), int(split.get("seed", 0)), dataset=dataset, what=kind
        )
    problem = Problem(X, y, n_atoms, train, test)
    ranking = pd.read_csv(ranking_csv)["feature"].to_numpy()
    sizes = sweep_sizes(len(ranking), n_top)
    what = f"{model} {dataset}/{representation}"
    chosen, how = choose_hyperparameters(
        problem, ranking, model, sizes, hyper, search, what=what, representation=representation
    )
    df = labelled_sweep(problem, ranking, model, chosen, how, sizes, what)
    storage.write_csv(df, out_csv)
    return df


def read_sweeps(sweeps: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Sweep records ``{"model": ..., "dataset": ..., "rep": ..., "path": ...}`` →
    {(model, dataset, rep): sweep}.  The names come from the records (the rule builds them
    with the paths), never from the paths."""
    return {(str(r["model"]), str(r["dataset"]), str(r["rep"])): pd.read_csv(r["path"]) for r in sweeps}


def regression_table(job: RegressionTableJob) -> pd.DataFrame:
    """Rule ``regression_table``: the best-RMSE table (:func:`.regression.table.best_rmse_table`)
    of the sweep records ``job.sweeps`` (see :func:`read_sweeps`) as CSV and Markdown."""
    from .tables import write_table

    table = best_rmse_table(read_sweeps(job.sweeps))
    write_table(
        table,
        job.csv,
        job.md,
        title="Test RMSE at the size chosen by cross-validation on the training set\n\n" + BEST_RMSE_NOTE,
    )
    return table


def figure9(job: Figure9Job) -> list[Path]:
    """Rule ``figure9``: Figure 9 of ``job.dataset`` from sweep records ``{"model": "rr"|"krr",
    "dataset": ..., "rep": ..., "path": ...}`` (the names come from the records, not the
    paths); records of other datasets are ignored.  ``job.class_entries``: the config's
    ``class`` entries (``registry.classes_of``); ``job.n_top``: config ``regression.n_top``,
    the sizes panels (a) and (c) show; ``job.compare_as``: the published dataset drawn beside."""
    from ..plotting import regression as plots
    from ..representations.registry import classes_of

    classes = classes_of(job.class_entries)
    sweeps, dataset, compare_as, n_top = job.sweeps, job.dataset, job.compare_as, job.n_top
    published_dir = folder(job.published)
    by_model: dict[str, dict[str, pd.DataFrame]] = {m: {} for m in MODELS}
    for (model, _ds, rep), df in read_sweeps(r for r in sweeps if str(r["dataset"]) == dataset).items():
        by_model.setdefault(model, {})[rep] = df
    published: dict[str, dict[str, pd.DataFrame]] = {}
    if published_dir and compare_as:
        from ..published import regression as pub

        for model, reps in by_model.items():
            for rep in reps:
                df = pub.regression(published_dir, model, compare_as, rep, missing_ok=True)
                if df is not None:
                    published.setdefault(model, {})[rep] = df
    return plots.figure9(
        by_model, Path(job.figures[0]).with_suffix(""), dataset, n_top=n_top, published=published, classes=classes
    )
