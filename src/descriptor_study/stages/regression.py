"""Stages of ``workflow/rules/regression.smk``: the RR and KRR sweeps of one (dataset,
representation), Figure 9 and the best-RMSE table."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import storage
from ..datasets import dataset_species, read_structures
from ..regression import BEST_RMSE_NOTE, best_rmse_table
from ..runlog import LOG_ONLY
from ..vocabulary import MODELS, N_TOP

log = logging.getLogger(__name__)


def regress_dataset(
    model: str,
    h5: str | Path,
    ranking_csv: str | Path,
    dataset_path: str | Path,
    out_csv: str | Path,
    dataset: str,
    representation: str,
    hyper: dict[str, float] | None = None,
    search: bool | str = False,
    split: dict[str, Any] | None = None,
    n_top: int = N_TOP,
    e0: dict[str, float] | None = None,
    targets: dict[str, Any] | None = None,
):
    """RR or KRR RMSE against the number of CUR-ranked features for one (dataset, representation).

    Targets are cohesive energies E − Σ_atoms E0[species].  ``e0`` (config
    ``datasets.<dataset>.e0``) gives the isolated-atom energy of each species; without it
    the dataset's single-atom structures do.  ``targets`` (``{"file": ..., "code": 1}``)
    takes the energies from a targets file such as the paper's Si ``targets.txt`` (lines
    ``n_atoms energy code``, in the dataset's order) and keeps the structures whose code
    matches; the split indexes those structures.  That route needs ``e0`` of every species
    of the kept structures (read from the dataset).

    Hyperparameters (the CSV's hyperparameters_from says which route): ``hyper`` from config;
    else with ``search`` true one set chosen by cross-validation on the training set at the
    full feature count (:func:`.regression_search.cv_grid`, the grid and the choice in the log) and
    held for every size, as the paper held its values; ``search="every_size"`` chooses again at
    every size (:func:`.regression_search.cross_validate`).  Every row has heldout_rmse, the
    cross-validation error of its own fit, which the best-RMSE table chooses by.
    """
    import pandas as pd

    from .. import regression as rg
    from .. import regression_search as rs
    from .. import splits
    from ..errors import ConfigError, DatasetError

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
        e0 = e0 or rg.isolated_atom_energies(structures)
        y = rg.cohesive_targets(structures, e0, source=str(dataset_path), e0_key=f"datasets.{dataset}.e0")
        kind, population = "structures", f"the {len(y)} structures of {dataset_path}"
    split = split or {}
    if split.get("file"):  # checked before any fit: indices in range, once each, both parts non-empty
        train, test = splits.read_split(split["file"], n_structures=len(y), population=population)
    else:
        train, test = splits.random_split(
            len(y), float(split.get("train_fraction", 0.8)), int(split.get("seed", 0)), dataset=dataset, what=kind
        )
    problem = rg.Problem(X, y, n_atoms, train, test)
    ranking = pd.read_csv(ranking_csv)["feature"].to_numpy()
    key = rg._hyper_keys(model)
    sizes = rg.sweep_sizes(len(ranking), n_top)
    what = f"{model} {dataset}/{representation}"
    if hyper and all(k in hyper for k in key):  # the paper's route: the authors' values
        chosen, how = {k: float(hyper[k]) for k in key}, "config"
        log.info("%s: %s from config; %d train, %d test", what, chosen, len(train), len(test))
    elif search == "every_size":  # chosen again at every size, on the training set only
        chosen, how = rs.cross_validate(problem, ranking, model, sizes), "cross-validation at every size"
        log.info(
            "%s: cross-validated at each of %d sizes (%s); %d train, %d test",
            what,
            len(sizes),
            ", ".join(f"{k} {chosen[k].min():.3g}..{chosen[k].max():.3g}" for k in key),
            len(train),
            len(test),
        )
    elif search:  # once, at the full feature count, on the training set only; held for every size
        grid = rs.cv_grid(rg.Problem(X[:, ranking], y, n_atoms, train, test), model)  # the sweep's last size
        best = rs.choose(grid, model)
        log.info(
            "%s: %d-fold cross-validation on the %d training structures at all %d features; grid (%s):\n%s",
            what,
            min(rg.CV_FOLDS, len(train)),
            len(train),
            len(ranking),
            ", ".join(key),
            grid.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
            extra=LOG_ONLY,  # the grid in the job's log; the choice below on the console too
        )
        if best is None:
            raise DatasetError(
                f"{what}: no hyperparameter candidate passed cross-validation (every one ill-conditioned "
                f"or non-finite); set regression.hyperparameters.{representation}"
            )
        chosen = best
        how = f"cross-validation at all {len(ranking)} features"
        log.info(
            "%s: chosen %s, held for all %d sizes; %d train, %d test", what, chosen, len(sizes), len(train), len(test)
        )
    else:
        raise ConfigError(
            f"regression.hyperparameters.{representation}: {', '.join(key)} missing and regression.search is off"
        )
    df = rg.feature_sweep(problem, ranking, model, chosen, sizes)
    if how == "cross-validation at every size":
        df["cv_rmse"] = chosen["cv_rmse"].to_numpy()
    df["hyperparameters_from"] = how
    failed = df[df["status"] != "ok"]
    if len(failed):
        log.warning(
            "%s %s/%s: %d of %d fits failed (RMSEs NaN, not drawn, not tabulated), first at n = %d: %s",
            model,
            dataset,
            representation,
            len(failed),
            len(df),
            int(failed["n"].iloc[0]),
            failed["status"].iloc[0],
        )
    storage.write_csv(df, out_csv)
    return df


def targets_from_file(energies, structures, e0: dict[str, float] | None, dataset: str) -> np.ndarray:
    """Cohesive energies E − Σ_atoms E0[species] for the energies of a targets file and the
    dataset's structures they belong to (same order); E0 from config ``datasets.<dataset>.e0``.
    A species without an E0 ends in one ConfigError naming that key and the species."""
    from ..errors import ConfigError

    e0 = dict(e0 or {})
    present = dataset_species(structures)
    missing = [s for s in present if s not in e0]
    if missing:
        raise ConfigError(
            f"datasets.{dataset}.e0: no isolated-atom energy for {', '.join(missing)} "
            f"(the targets-file route needs E0 of every species: {', '.join(present)})"
        )
    reference = np.array([sum(e0[s] for s in atoms.get_chemical_symbols()) for atoms in structures], dtype=float)
    return np.asarray(energies, dtype=float) - reference


def read_sweeps(sweeps: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Sweep records ``{"model": ..., "dataset": ..., "rep": ..., "path": ...}`` →
    {(model, dataset, rep): sweep}.  The names come from the records (the rule builds them
    with the paths), never from the paths."""
    return {(str(r["model"]), str(r["dataset"]), str(r["rep"])): pd.read_csv(r["path"]) for r in sweeps}


def regression_table(sweeps: Iterable[Mapping[str, Any]], csv: str | Path, md: str | Path) -> pd.DataFrame:
    """Rule ``regression_table``: the best-RMSE table (:func:`.regression.best_rmse_table`) of
    the sweep records (see :func:`read_sweeps`) as CSV and Markdown."""
    from .tables import write_table

    table = best_rmse_table(read_sweeps(sweeps))
    write_table(
        table,
        csv,
        md,
        title="Test RMSE at the size chosen by cross-validation on the training set\n\n" + BEST_RMSE_NOTE,
    )
    return table


def figure9(
    sweeps: Iterable[Mapping[str, Any]],
    dataset: str,
    out,
    published_dir=None,
    compare_as: str | None = None,
    class_entries=None,
    n_top: int = N_TOP,
) -> list[Path]:
    """Rule ``figure9``: Figure 9 of ``dataset`` from sweep records ``{"model": "rr"|"krr",
    "dataset": ..., "rep": ..., "path": ...}`` (the names come from the records, not the
    paths); records of other datasets are ignored.  ``class_entries``: the config's ``class``
    entries (``registry.classes_of``); ``n_top``: config ``regression.n_top``, the sizes
    panels (a) and (c) show."""
    from ..plotting import regression as plots
    from ..representations.registry import classes_of

    classes = classes_of(class_entries)
    by_model: dict[str, dict[str, pd.DataFrame]] = {m: {} for m in MODELS}
    for (model, _ds, rep), df in read_sweeps(r for r in sweeps if str(r["dataset"]) == dataset).items():
        by_model.setdefault(model, {})[rep] = df
    published: dict[str, dict[str, pd.DataFrame]] = {}
    if published_dir and compare_as:
        from .. import published as pub

        for model, reps in by_model.items():
            for rep in reps:
                df = pub.regression(published_dir, model, compare_as, rep, missing_ok=True)
                if df is not None:
                    published.setdefault(model, {})[rep] = df
    return plots.figure9(
        by_model, Path(out).with_suffix(""), dataset, n_top=n_top, published=published, classes=classes
    )
