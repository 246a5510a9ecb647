"""The ``.h5`` file of one (dataset, representation): the contract between the
representation stage and every stage after it.

Layout::

    /matrix      float64 (n_rows, n_features)   descriptor rows
    /offsets     int64   (n_structures + 1,)    rows offsets[k]:offsets[k+1] are structure k
    /n_atoms     int64   (n_structures,)        atoms per structure
    attrs: representation, dataset, species (JSON), params (JSON), versions (JSON),
           per_structure (bool)

Files are written to a temporary name and renamed, so a failed job leaves nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np


@dataclass
class StoredRepresentation:
    matrix: np.ndarray
    offsets: np.ndarray
    n_atoms: np.ndarray
    representation: str
    dataset: str
    species: list[str]
    params: dict[str, Any]
    versions: dict[str, str]
    per_structure: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_structures(self) -> int:
        return len(self.offsets) - 1

    def structure_vectors(self) -> np.ndarray:
        """One row per structure: the sum of its per-atom rows (global rows as they are)."""
        if self.per_structure:
            return self.matrix.copy()
        return np.add.reduceat(self.matrix, self.offsets[:-1], axis=0) if len(self.matrix) else (
            np.zeros((0, self.matrix.shape[1]))
        )

    def nonzero_columns(self) -> np.ndarray:
        """Indices of columns that are not zero on every row."""
        return np.flatnonzero(np.any(self.matrix != 0.0, axis=0))


def write(path: str | os.PathLike, data: StoredRepresentation) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with h5py.File(tmp, "w") as h5:
            h5.create_dataset("matrix", data=np.asarray(data.matrix, dtype=np.float64))
            h5.create_dataset("offsets", data=np.asarray(data.offsets, dtype=np.int64))
            h5.create_dataset("n_atoms", data=np.asarray(data.n_atoms, dtype=np.int64))
            h5.attrs["representation"] = data.representation
            h5.attrs["dataset"] = data.dataset
            h5.attrs["species"] = json.dumps(list(data.species))
            h5.attrs["params"] = json.dumps(data.params, default=_jsonable)
            h5.attrs["versions"] = json.dumps(data.versions)
            h5.attrs["per_structure"] = bool(data.per_structure)
            h5.attrs["extra"] = json.dumps(data.extra, default=_jsonable)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read(path: str | os.PathLike) -> StoredRepresentation:
    with h5py.File(path, "r") as h5:
        return StoredRepresentation(
            matrix=h5["matrix"][()],
            offsets=h5["offsets"][()],
            n_atoms=h5["n_atoms"][()],
            representation=str(h5.attrs["representation"]),
            dataset=str(h5.attrs["dataset"]),
            species=json.loads(h5.attrs["species"]),
            params=json.loads(h5.attrs["params"]),
            versions=json.loads(h5.attrs["versions"]),
            per_structure=bool(h5.attrs["per_structure"]),
            extra=json.loads(h5.attrs.get("extra", "{}")),
        )


def write_csv(df, path: str | os.PathLike) -> Path:
    """Write a results table as CSV atomically (full float precision)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        df.to_csv(tmp, index=False, float_format="%.17g")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
