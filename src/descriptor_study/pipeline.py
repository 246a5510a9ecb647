"""Stage functions the rule scripts call: each reads the files of the stage before and
writes its own (atomically), so the library runs the same without Snakemake."""

from __future__ import annotations

import logging
import platform
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import __version__, storage
from .datasets import dataset_species, read_structures
from .representations import build

log = logging.getLogger(__name__)


def represent_dataset(
    dataset_path: str | Path,
    out_path: str | Path,
    representation: str,
    params: dict[str, Any] | None = None,
    species: Sequence[str] | None = None,
    n_jobs: int = 1,
    progress: bool = True,
) -> storage.StoredRepresentation:
    """Compute ``representation`` for every structure of an extxyz dataset and store it."""
    dataset_path = Path(dataset_path)
    structures = read_structures(dataset_path, require_energy=False)
    species = list(species) if species else dataset_species(structures)
    rep = build(representation, species, params)
    log.info("%s on %s: %d structures, species %s", representation, dataset_path.name, len(structures), rep.species)
    start = time.perf_counter()
    matrix, offsets = rep.compute_many(structures, n_jobs=n_jobs, progress=progress, source=str(dataset_path))
    seconds = time.perf_counter() - start
    log.info("%d rows x %d features in %.1f s", *matrix.shape, seconds)
    versions = {
        "descriptor_study": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        **rep.library_versions(),
    }
    data = storage.StoredRepresentation(
        matrix=matrix,
        offsets=offsets,
        n_atoms=np.array([len(a) for a in structures], dtype=np.int64),
        representation=representation,
        dataset=dataset_path.stem,
        species=list(rep.species),
        params=rep.params,
        versions=versions,
        per_structure=rep.per_structure,
        extra={"seconds": seconds, "n_jobs": n_jobs},
    )
    storage.write(out_path, data)
    return data
