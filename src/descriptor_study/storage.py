"""The ``.h5`` file of one (dataset, representation): the contract between the
representation stage and every stage after it.

Layout::

    /matrix      float64 (n_rows, n_features)   descriptor rows
    /offsets     int64   (n_structures + 1,)    rows offsets[k]:offsets[k+1] are structure k
    /n_atoms     int64   (n_structures,)        atoms per structure
    attrs: representation, dataset, species (JSON), params (JSON: every declared
           parameter, resolved), derived (JSON: what the representation computed from
           them), versions (JSON), per_structure (bool), sha256 (of the three arrays;
           ``read`` checks it)

Files are written to a temporary name and renamed, so a failed job leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import h5py
import numpy as np

from .atomic import atomic_path
from .errors import DatasetError
from .finite import first_nonfinite


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
    #: entries the representation computed from ``params`` (``describe()["derived"]``)
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def n_structures(self) -> int:
        return len(self.offsets) - 1

    def structure_vectors(self) -> np.ndarray:
        """One row per structure: the sum of its per-atom rows (global rows as they are)."""
        if self.per_structure:
            return self.matrix.copy()
        return (
            np.add.reduceat(self.matrix, self.offsets[:-1], axis=0)
            if len(self.matrix)
            else (np.zeros((0, self.matrix.shape[1])))
        )

    def nonzero_columns(self) -> np.ndarray:
        """Indices of columns that are not zero on every row."""
        return np.flatnonzero(np.any(self.matrix != 0.0, axis=0))


#: ``extra`` entries that differ from run to run (the wall time): logged by the pipeline,
#: not stored, so that two runs write byte-identical files (and identical provenance)
VOLATILE_EXTRA = frozenset({"seconds"})


def write(path: str | os.PathLike, data: StoredRepresentation) -> None:
    """Write ``data`` to ``path`` atomically; the same data give the same bytes."""
    extra = {k: v for k, v in data.extra.items() if k not in VOLATILE_EXTRA}
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.create_dataset("matrix", data=np.asarray(data.matrix, dtype=np.float64))
        h5.create_dataset("offsets", data=np.asarray(data.offsets, dtype=np.int64))
        h5.create_dataset("n_atoms", data=np.asarray(data.n_atoms, dtype=np.int64))
        h5.attrs["representation"] = data.representation
        h5.attrs["dataset"] = data.dataset
        h5.attrs["species"] = json.dumps(list(data.species))
        h5.attrs["params"] = json.dumps(data.params, default=_jsonable)
        h5.attrs["derived"] = json.dumps(data.derived, default=_jsonable)
        h5.attrs["versions"] = json.dumps(data.versions)
        h5.attrs["per_structure"] = bool(data.per_structure)
        h5.attrs["extra"] = json.dumps(extra, default=_jsonable)
        h5.attrs[CHECKSUM_ATTR] = checksum(data.matrix, data.offsets, data.n_atoms)


#: attribute holding the SHA-256 of the three arrays as written (``checksum``); files
#: written before it existed have none and are read without the comparison
CHECKSUM_ATTR = "sha256"
_REQUIRED_ATTRS = ("representation", "dataset", "species", "params", "versions", "per_structure")


def checksum(matrix: np.ndarray, offsets: np.ndarray, n_atoms: np.ndarray) -> str:
    """SHA-256 of the matrix, offsets and atom counts (shapes and little-endian bytes)."""
    digest = hashlib.sha256()
    for name, array, dtype in (("matrix", matrix, "<f8"), ("offsets", offsets, "<i8"), ("n_atoms", n_atoms, "<i8")):
        array = np.ascontiguousarray(array, dtype=dtype)
        digest.update(f"{name}{array.shape}".encode())
        digest.update(array.reshape(-1).view(np.uint8))  # the bytes of tobytes(), without a copy
    return digest.hexdigest()


def read(path: str | os.PathLike, remove_corrupt: bool | None = None) -> StoredRepresentation:
    """Read one representation file, checked.

    A file that HDF5 cannot read, that lacks a dataset or attribute, whose arrays do not fit
    together, or whose arrays no longer match the checksum stored when it was written, ends
    in one ``DatasetError`` naming the file; so does a matrix with NaN or infinite values
    (naming the first structure and atom), which no stage can use.  Such a file is a regenerable intermediate:
    with ``remove_corrupt`` (default: when the file lies in the workflow's
    ``representations/<dataset>/`` folder) it is deleted, so that the next ``snakemake``
    run rebuilds it; the message says which.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such representation file; run snakemake to build it")
    if not os.access(path, os.R_OK):
        raise DatasetError(f"{path}: not readable (permission denied)")
    try:
        with h5py.File(path, "r") as h5:
            missing = [k for k in ("matrix", "offsets", "n_atoms") if k not in h5]
            missing += [f"attribute {k}" for k in _REQUIRED_ATTRS if k not in h5.attrs]
            if not missing:
                arrays = {k: h5[k][()] for k in ("matrix", "offsets", "n_atoms")}
                attrs = {k: h5.attrs[k] for k in h5.attrs}
    except Exception as exc:  # h5py raises OSError, KeyError, RuntimeError, ... on damaged files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if re.search(r"unable to lock|file locking", reason, re.IGNORECASE):
            raise DatasetError(
                f"{path}: HDF5 cannot lock the file ({reason}); another process holds it, or the file system "
                f"has no locking (set HDF5_USE_FILE_LOCKING=FALSE)"
            ) from None
        _corrupt(path, f"HDF5 cannot read it: {type(exc).__name__}: {reason}", remove_corrupt)
    if missing:
        _corrupt(path, f"{', '.join(missing)} missing", remove_corrupt)
    matrix, offsets, n_atoms = arrays["matrix"], arrays["offsets"], arrays["n_atoms"]
    stored = attrs.get(CHECKSUM_ATTR)
    if stored is not None:
        stored = stored.decode() if isinstance(stored, bytes) else str(stored)
        try:
            actual = checksum(matrix, offsets, n_atoms)
        except (TypeError, ValueError) as exc:
            actual = f"<{exc}>"
        if actual != stored:
            _corrupt(path, "its data no longer match the checksum stored when it was written", remove_corrupt)
    problem = _layout_problem(matrix, offsets, n_atoms)
    if problem:
        _corrupt(path, problem, remove_corrupt)
    bad = first_nonfinite(matrix, offsets, bool(attrs["per_structure"]))
    if bad is not None:  # a file made elsewhere, or by a version without the check
        _corrupt(path, f"non-finite values at {bad.where()}: {bad.what()}", remove_corrupt)
    try:
        return StoredRepresentation(
            matrix=np.asarray(matrix, dtype=np.float64),
            offsets=np.asarray(offsets, dtype=np.int64),
            n_atoms=np.asarray(n_atoms, dtype=np.int64),
            representation=_text(attrs["representation"]),
            dataset=_text(attrs["dataset"]),
            species=json.loads(attrs["species"]),
            params=json.loads(attrs["params"]),
            derived=json.loads(attrs.get("derived", "{}")),
            versions=json.loads(attrs["versions"]),
            per_structure=bool(attrs["per_structure"]),
            extra=json.loads(attrs.get("extra", "{}")),
        )
    except (TypeError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        _corrupt(path, f"an attribute is damaged ({type(exc).__name__}: {exc})", remove_corrupt)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _layout_problem(matrix: np.ndarray, offsets: np.ndarray, n_atoms: np.ndarray) -> str | None:
    """What is wrong with the shapes or offsets of the three arrays, or None."""
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.floating):
        return f"matrix has shape {matrix.shape} and type {matrix.dtype}, not a 2-D float array"
    for name, array in (("offsets", offsets), ("n_atoms", n_atoms)):
        if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
            return f"{name} has shape {array.shape} and type {array.dtype}, not a 1-D integer array"
    if len(offsets) != len(n_atoms) + 1:
        return f"{len(offsets)} offsets for {len(n_atoms)} structures (expected {len(n_atoms) + 1})"
    if offsets[0] != 0 or np.any(np.diff(offsets) < 0) or offsets[-1] != matrix.shape[0]:
        return f"offsets do not split the matrix's {matrix.shape[0]} rows into {len(n_atoms)} structures"
    return None


#: how a removed representation file is rebuilt with everything made from it (a plain rerun
#: would not: Snakemake leaves a missing intermediate alone while the results after it exist)
_REBUILD = "and everything made from it with `snakemake --forcerun {path}`"


def _corrupt(path: Path, reason: str, remove: bool | None) -> NoReturn:
    """Raise the one-line error for a damaged file, deleting it first when it is a workflow
    intermediate (results/representations/<dataset>/<rep>.h5) or ``remove`` says so."""
    if remove is None:
        remove = path.suffix == ".h5" and path.parent.parent.name == "representations"
    if remove:
        try:
            path.unlink()
        except OSError as exc:
            fix = f"could not remove it ({exc.strerror}): delete it and rebuild it {_REBUILD.format(path=path)}"
        else:
            fix = f"removed it: rebuild it {_REBUILD.format(path=path)}"
    else:
        fix = f"delete it and rebuild it {_REBUILD.format(path=path)}"
    raise DatasetError(f"{path}: corrupt representation file ({reason}); {fix}")


def write_csv(df, path: str | os.PathLike) -> Path:
    """Write a results table as CSV atomically (full float precision)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, float_format="%.17g")
    return path


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
