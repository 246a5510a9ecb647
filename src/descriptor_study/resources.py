"""Memory and runtime requests of the heavy rules, estimated from their input.

Pure functions of sizes (atoms, structures, features), plus cheap readers that get those
sizes from the files without loading them: ``extxyz_size`` reads only the atom-count line
of each frame and the species column, ``h5_shape`` only the shapes of the ``.h5`` arrays.

Every estimate is ``max(floor, base + factor × data)``, rounded up:

* memory in MB (``mem_mb``): ``base`` is the interpreter with numpy, scipy, ase and the
  descriptor libraries loaded (:data:`BASE_MB`); the data term counts 8-byte floats;
* runtime in minutes (``runtime``): the data term counts work items at a deliberately
  low rate, so that a slow node still finishes; ``threads`` divides the parallel part.

The factors are generous on purpose: a request too large only waits longer in a queue,
one too small kills the job.  ``benchmarks/rule_table.py`` tabulates what the jobs
really used (peak resident memory, seconds) to check them against.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

#: MB of float64 data: bytes / 1e6 (Snakemake's mem_mb is in 10⁶ bytes)
MB = 1e6
FLOAT = 8
#: resident memory of a Python process with the workflow's libraries imported (MB)
BASE_MB = 800
#: smallest memory request of a heavy rule (MB)
FLOOR_MB = 500
#: smallest runtime request of a heavy rule (minutes)
FLOOR_MIN = 10


def _ceil(x: float) -> int:
    return int(math.ceil(x))


# --- sizes read cheaply --------------------------------------------------------------------


def extxyz_size(path: str | os.PathLike) -> tuple[int, int, list[str]]:
    """(structures, atoms, species) of an extended-XYZ file.

    Reads the count line of every frame and the first token of its atom lines (the species
    column comes first in the files the workflow writes and in the paper's datasets); no
    Atoms objects are built, so a 100 MB file takes about a second.  Cached on path, size
    and modification time (resource functions run once per job).
    """
    p = Path(path)
    st = p.stat()
    return _extxyz_size(str(p), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=64)
def _extxyz_size(path: str, _size: int, _mtime: int) -> tuple[int, int, list[str]]:
    n_structures = n_atoms = 0
    species: set[str] = set()
    with open(path, encoding="utf-8", errors="replace") as fh:
        while True:
            line = fh.readline()
            if not line:
                break
            if not line.strip():
                continue
            n = int(line.split()[0])
            fh.readline()  # comment line
            for _ in range(n):
                token = fh.readline().split(None, 1)
                if token:
                    species.add(token[0])
            n_structures += 1
            n_atoms += n
    return n_structures, n_atoms, sorted(species)


def h5_shape(path: str | os.PathLike) -> tuple[int, int, int]:
    """(rows, features, structures) of a representation ``.h5`` (shapes only, no data)."""
    import h5py

    with h5py.File(path, "r") as h5:
        rows, features = h5["matrix"].shape
        structures = h5["offsets"].shape[0] - 1
    return int(rows), int(features), int(structures)


def n_features(cls, species: Iterable[str], params: dict | None = None) -> int:
    """Row length of representation class ``cls`` for ``species`` with ``params``
    (``cls(species, **params).n_features``; building the object computes no descriptor)."""
    params = {k: v for k, v in (params or {}).items() if k != "class"}
    return int(cls(list(species), **params).n_features)


# --- the estimates ---------------------------------------------------------------------------


def represent_mem_mb(
    n_rows: int, n_features: int, factor: float = 3.0, base_mb: float = BASE_MB, floor_mb: float = FLOOR_MB
) -> int:
    """Rule ``represent``: ``max(floor, base + factor · n_rows · n_features · 8 B / 10⁶)``.

    ``n_rows`` is the atom count (one row per atom) or the structure count (one row per
    structure, e.g. MBTR).  factor 3: the per-structure blocks, the stacked matrix and the
    copy written to HDF5 live at once.
    """
    return _ceil(max(floor_mb, base_mb + factor * n_rows * n_features * FLOAT / MB))


def represent_runtime(
    n_rows: int, n_features: int, threads: int = 1, rate: float = 2e5, factor: float = 5.0, floor_min: float = FLOOR_MIN
) -> int:
    """Rule ``represent``: ``max(floor, factor · n_rows · n_features / (rate · threads) / 60)``
    minutes, ``rate`` = 2·10⁵ descriptor entries per second per thread (below what any
    representation of the study reaches)."""
    return _ceil(max(floor_min, factor * n_rows * n_features / (rate * max(1, threads)) / 60))


def selection_mem_mb(
    n_rows: int, n_features: int, factor: float = 4.0, base_mb: float = BASE_MB, floor_mb: float = FLOOR_MB
) -> int:
    """Rule ``select_features``: ``max(floor, base + factor · (n_rows·p + p²) · 8 B / 10⁶)``,
    p = n_features.  The matrix is read, its non-zero columns copied and QR-reduced to
    p × p; CUR then keeps a p × p Gram matrix beside it (PCA and FPS need less)."""
    p = n_features
    return _ceil(max(floor_mb, base_mb + factor * (n_rows * p + p * p) * FLOAT / MB))


def selection_runtime(
    n_rows: int,
    n_features: int,
    threads: int = 1,
    flops: float = 1e9,
    factor: float = 10.0,
    floor_min: float = FLOOR_MIN,
) -> int:
    """Rule ``select_features``: ``max(floor, factor · (2·n_rows·p² + 4·p³) / flops / 60)``
    minutes with ``flops`` = 10⁹ per second: the QR of the n_rows × p matrix and the p CUR
    steps of O(p²) each on the p × p Gram matrix (single-threaded BLAS: ``threads`` unused)."""
    p = n_features
    return _ceil(max(floor_min, factor * (2.0 * n_rows * p * p + 4.0 * p**3) / flops / 60))


def regression_mem_mb(
    n_rows: int,
    n_features: int,
    n_structures: int,
    factor: float = 3.0,
    base_mb: float = BASE_MB,
    floor_mb: float = FLOOR_MB,
) -> int:
    """Rule ``regress``: ``max(floor, base + factor · (n_rows·p + n_s·p + 2·n_s²) · 8 B / 10⁶)``:
    the stored matrix, the per-structure sums (n_s × p) and the kernel-ridge kernel matrix
    and its factorisation (n_s × n_s each)."""
    n_s, p = n_structures, n_features
    return _ceil(max(floor_mb, base_mb + factor * (n_rows * p + n_s * p + 2 * n_s * n_s) * FLOAT / MB))


def regression_runtime(
    n_structures: int,
    n_features: int,
    n_top: int = 65,
    search: bool | str = True,
    flops: float = 1e9,
    factor: float = 10.0,
    floor_min: float = FLOOR_MIN,
) -> int:
    """Rule ``regress``: ``max(floor, factor · fits · n_top · (n_s³ + n_s²·p) / flops / 60)``
    minutes: one fit per point of the n_top-point feature sweep, each a solve of the n_s × n_s
    system built from up to p features; ``fits`` = 2 for the fit and its cross-validation error,
    3 with the search once at the full feature count (its grid costs about one more sweep
    point per candidate, less than the sweep), 50 with the search at every size
    (``search="every_size"``: folds × grid)."""
    n_s, p = n_structures, n_features
    fits = 50 if search == "every_size" else 3 if search else 2
    return _ceil(max(floor_min, factor * fits * n_top * (n_s**3 + n_s * n_s * p) / flops / 60))


def sensitivity_mem_mb(
    n_features: int,
    n_steps: int = 60,
    n_atoms: int = 512,
    factor: float = 3.0,
    base_mb: float = BASE_MB,
    floor_mb: float = FLOOR_MB,
) -> int:
    """Rule ``sensitivity_curve``: ``max(floor, base + factor · n_atoms · p · 8 B / 10⁶)``:
    the descriptors of one perturbed c-Si cell (at most ``n_atoms`` = 512, the periodic
    4×4×4 cell of Figure 4), kept for two configurations; the ``n_steps`` displacements are
    computed one after another and add one row each."""
    return _ceil(max(floor_mb, base_mb + factor * (n_atoms + n_steps) * n_features * FLOAT / MB))


def sensitivity_runtime(
    n_features: int,
    n_steps: int = 60,
    n_atoms: int = 512,
    rate: float = 2e5,
    factor: float = 5.0,
    floor_min: float = FLOOR_MIN,
) -> int:
    """Rule ``sensitivity_curve``: ``max(floor, factor · n_steps · n_atoms · p / rate / 60)``
    minutes (every step recomputes the descriptors of the cell, ``rate`` entries per second)."""
    return _ceil(max(floor_min, factor * n_steps * n_atoms * n_features / rate / 60))
