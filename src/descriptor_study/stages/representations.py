"""Stage of ``workflow/rules/representations.smk``: one (dataset, representation) → one
``.h5`` file (rules ``represent`` and ``represent_degree``)."""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, storage
from ..datasets import dataset_species, read_structures
from ..jobs import RepresentJob
from ..representations import build

log = logging.getLogger(__name__)


def represent(job: RepresentJob, n_jobs: int = 1, progress: bool = True) -> storage.StoredRepresentation:
    """Rules ``represent`` and ``represent_degree``: :func:`represent_dataset` of the job's
    dataset file, representation, parameters and species; ``n_jobs``: the job's threads."""
    return represent_dataset(
        job.data, job.out, job.rep, job.dataset, job.params, job.species, n_jobs=n_jobs, progress=progress
    )


def represent_dataset(
    dataset_path: str | Path,
    out_path: str | Path,
    representation: str,
    dataset: str,
    params: dict[str, Any] | None = None,
    species: Sequence[str] | None = None,
    n_jobs: int = 1,
    progress: bool = True,
) -> storage.StoredRepresentation:
    """Compute ``representation`` for every structure of the extxyz file of ``dataset`` and
    store it under these names (``params`` may carry the config's ``class`` key)."""
    dataset_path = Path(dataset_path)
    structures = read_structures(dataset_path, require_energy=False, warn_close_atoms=False)
    species = list(species) if species else dataset_species(structures)
    rep = build(representation, species, params)
    log.info(
        "%s on %s (%s): %d structures, species %s", representation, dataset, dataset_path, len(structures), rep.species
    )
    start = time.perf_counter()
    matrix, offsets = rep.compute_many(
        structures, n_jobs=n_jobs, progress=progress, source=str(dataset_path), dataset=dataset
    )
    seconds = time.perf_counter() - start
    log.info("%d rows x %d features in %.1f s", *matrix.shape, seconds)
    versions = {
        "descriptor_study": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        **rep.library_versions(),
    }
    described = rep.describe()  # the declared parameters, resolved, apart from the derived entries
    data = storage.StoredRepresentation(
        matrix=matrix,
        offsets=offsets,
        n_atoms=np.array([len(a) for a in structures], dtype=np.int64),
        representation=representation,
        dataset=dataset,
        species=list(rep.species),
        params=described["params"],
        derived=described["derived"],
        versions=versions,
        per_structure=rep.per_structure,
        extra={"seconds": seconds, "n_jobs": n_jobs},
    )
    storage.write(out_path, data)
    return data
