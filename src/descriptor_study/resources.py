"""Memory and runtime requests of the heavy rules, estimated from their input.

Pure functions of sizes (atoms, structures, features), plus cheap readers that get those
sizes from the files without loading them: ``extxyz_size`` reads only the atom-count line
of each frame and the species column, ``h5_shape`` only the shapes of the ``.h5`` arrays.

Every estimate is ``max(floor, base + factor × data)``, rounded up:

* memory in MB (``mem_mb``): ``base`` is the interpreter with numpy, scipy, ase and the
  descriptor libraries loaded (:data:`BASE_MB`); the data term counts 8-byte floats;
* runtime in minutes (``runtime``): the data term counts work items at a deliberately
  low rate, so that a slow node still finishes; ``threads`` divides the parallel part;
* priority (``priority``): the seconds a job is expected to take, from measured rates, so
  that with few cores the longest jobs start first and no long job is left for the end
  while a core idles (``Requests.priority``).

The factors are generous on purpose: a request too large only waits longer in a queue,
one too small kills the job.  ``benchmarks/rule_table.py`` tabulates what the jobs
really used (peak resident memory, seconds) to check them against.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from descriptor_study.pins import PINNED_SOURCES
from descriptor_study.plan import DATASET, fill
from descriptor_study.vocabulary import N_TOP, PANELS

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
    n_top: int = N_TOP,
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


# --- the order of the jobs: the longest first -----------------------------------------------

#: seconds per 1000 atoms of a representation job without a measured cost (``facts.yaml``'s
#: ``seconds_per_1000_atoms``): above the slowest measured (ACSF's 2.9), so it starts early
UNMEASURED_SECONDS_PER_1000_ATOMS = 3.0
#: the selection methods' seconds per floating-point operation of the floor (one Gram
#: product and one eigendecomposition: 2·n·p² + 4·p³), one thread, measured the same way
SELECTION_SECONDS_PER_FLOP = {"cur": 8e-11, "fps": 3e-11, "pca": 1.5e-11}
#: a sensitivity job's priority: independent jobs of about a minute, run where nothing longer waits
SENSITIVITY_PRIORITY = 60
#: a dataset job comes before everything: every representation waits for it
DATASET_PRIORITY = 10**6


def represent_seconds(seconds_per_1000_atoms: float | None, n_atoms: int) -> float:
    """Expected seconds of a representation job on ``n_atoms`` atoms at its measured rate
    (None: :data:`UNMEASURED_SECONDS_PER_1000_ATOMS`)."""
    rate = seconds_per_1000_atoms if seconds_per_1000_atoms is not None else UNMEASURED_SECONDS_PER_1000_ATOMS
    return rate * n_atoms / 1000


def selection_seconds(method: str, n_rows: int, n_features: int) -> float:
    """Expected seconds of the ``method`` selection job on an ``n_rows`` × ``n_features`` matrix."""
    p = n_features
    return SELECTION_SECONDS_PER_FLOP.get(method, max(SELECTION_SECONDS_PER_FLOP.values())) * (
        2.0 * n_rows * p * p + 4.0 * p**3
    )


# --- the rules' requests ----------------------------------------------------------------------


class Requests:
    """The ``mem_mb`` and ``runtime`` functions of the heavy rules for one
    :class:`~descriptor_study.plan.Plan`, with the arguments Snakemake passes a resource
    function (``wildcards``, ``input``, ``threads``: its public API).

    Until a job's input exists (a dry run before the upstream job) the fixed request of
    :attr:`MEM_FALLBACK` / :attr:`RUNTIME_FALLBACK` stands; Snakemake evaluates the
    functions again once the input is there, before the job is scheduled or submitted.
    """

    MEM_FALLBACK = {"represent": 8000, "select_features": 8000, "regress": 8000, "sensitivity_curve": 4000}
    RUNTIME_FALLBACK = {
        "represent": 120,
        "represent_degree": 240,
        "select_features": 60,
        "regress": 60,
        "sensitivity_curve": 60,
    }

    def __init__(self, plan):
        self.plan = plan

    def _features(self, rep: str, params: dict, species: Iterable[str]) -> tuple[type, int]:
        """(class, features) of representation ``rep`` with ``params`` for ``species``."""
        from descriptor_study.representations import registry

        cls, _ = registry.split_params(rep, params)
        return cls, _n_features(rep, tuple(sorted(species)), json.dumps(params, sort_keys=True, default=str))

    def _represent_size(self, wildcards, input, degree: bool):
        """(rows, features) of the matrix a represent job writes, or None before its dataset exists."""
        path = input[0]
        if not os.path.exists(path):
            return None
        if degree:
            rep, params = self.plan.degree_rep, self.plan.degree_params(wildcards.degree)
        else:
            rep, params = wildcards.rep, self.plan.rep_params(wildcards.rep)
        try:
            n_structures, n_atoms, found = extxyz_size(path)
            cls, p = self._features(rep, params, self.plan.species(wildcards.dataset) or found)
        except Exception:  # the job itself reports what is wrong with its input
            return None
        return (n_structures if cls.per_structure else n_atoms), p

    def represent_mem_mb(self, degree: bool = False):
        """mem_mb of a represent job (``degree``: of the degree sweep's)."""

        def mem_mb(wildcards, input):
            size = self._represent_size(wildcards, input, degree)
            return represent_mem_mb(*size) if size else self.MEM_FALLBACK["represent"]

        return mem_mb

    def represent_runtime(self, degree: bool = False):
        rule = "represent_degree" if degree else "represent"

        def runtime(wildcards, input, threads):
            size = self._represent_size(wildcards, input, degree)
            return represent_runtime(*size, threads=threads) if size else self.RUNTIME_FALLBACK[rule]

        return runtime

    @staticmethod
    def _h5_shape(path):
        try:
            return h5_shape(path) if os.path.exists(path) else None
        except Exception:
            return None

    def selection_mem_mb(self, wildcards, input):
        shape = self._h5_shape(input[0])
        return selection_mem_mb(*shape[:2]) if shape else self.MEM_FALLBACK["select_features"]

    def selection_runtime(self, wildcards, input):
        shape = self._h5_shape(input[0])
        return selection_runtime(*shape[:2]) if shape else self.RUNTIME_FALLBACK["select_features"]

    def regression_mem_mb(self, wildcards, input):
        shape = self._h5_shape(input.h5)
        return regression_mem_mb(*shape) if shape else self.MEM_FALLBACK["regress"]

    def regression_runtime(self, wildcards, input):
        shape = self._h5_shape(input.h5)
        if not shape:
            return self.RUNTIME_FALLBACK["regress"]
        rows, p, n_structures = shape
        reg = self.plan.regression
        return regression_runtime(n_structures, p, n_top=self.plan.n_top, search=reg.get("search", False))

    # --- priorities: the longest jobs first ------------------------------------------------

    dataset_priority = DATASET_PRIORITY
    sensitivity_priority = SENSITIVITY_PRIORITY

    def dataset_size(self, dataset: str) -> tuple[int, int, list[str]] | None:
        """(structures, atoms, species) of a dataset before its job has run, where a local
        extended-XYZ file says it: the dataset's own file once written, else its ``file:``
        source or its pinned file in the mirror; None where none is at hand."""
        candidates = [Path(fill(DATASET, dataset=dataset)), *map(Path, self.plan.dataset_source(dataset))]
        source, mirror = self.plan.dataset_spec(dataset).get("source"), self.plan.data.get("mirror")
        if mirror and source in PINNED_SOURCES:
            candidates.append(Path(mirror) / source / PINNED_SOURCES[source]["url"].rsplit("/", 1)[-1])
        for path in candidates:
            if path.suffix in (".extxyz", ".xyz") and path.is_file():
                try:
                    return extxyz_size(path)
                except Exception:  # the dataset job reports what is wrong with it
                    return None
        return None

    def represent_priority(self, degree: bool = False):
        """priority of a represent job: its expected seconds (:func:`represent_seconds`, the
        class's measured ``seconds_per_1000_atoms`` from ``facts.yaml``)."""

        from descriptor_study import facts

        def priority(wildcards):
            size = self.dataset_size(wildcards.dataset)
            cls = self.plan.classes.get(self.plan.degree_rep if degree else wildcards.rep)
            return _ceil(represent_seconds(facts.of(cls, "seconds_per_1000_atoms"), size[1] if size else 1000))

        return priority

    def selection_priority(self, wildcards):
        """priority of a select_features job: its expected seconds (:func:`selection_seconds`),
        the matrix's size from the dataset and the representation's feature count."""
        size = self.dataset_size(wildcards.dataset)
        variant = wildcards.variant
        rep, params = variant, None
        if self.plan.degree_rep and variant.startswith(f"{self.plan.degree_rep}-degree"):
            rep, params = self.plan.degree_rep, self.plan.degree_params(variant.rsplit("-degree", 1)[1])
        elif self.plan.standardise(variant):
            rep = self.plan.std_rep
        if size is None or rep not in self.plan.representations:
            return 0
        try:
            species = self.plan.species(wildcards.dataset) or size[2]
            cls, p = self._features(rep, params or self.plan.rep_params(rep), species)
        except Exception:
            return 0
        return _ceil(selection_seconds(wildcards.method, size[0] if cls.per_structure else size[1], p))

    def _sensitivity_features(self, rep):
        try:
            return self._features(rep, self.plan.rep_params(rep, "sensitivity"), ["Si"])[1]
        except Exception:
            return None

    def sensitivity_mem_mb(self, wildcards):
        p = self._sensitivity_features(wildcards.rep)
        return sensitivity_mem_mb(p) if p else self.MEM_FALLBACK["sensitivity_curve"]

    def sensitivity_runtime(self, wildcards):
        """All six panels of one representation."""
        p = self._sensitivity_features(wildcards.rep)
        one = sensitivity_runtime(p) if p else self.RUNTIME_FALLBACK["sensitivity_curve"]
        return len(PANELS) * one


@cache
def _n_features(rep: str, species: tuple[str, ...], params_json: str) -> int:
    """:func:`n_features` of a config entry (its ``class`` key included), cached in the
    process and between runs (:mod:`.feature_counts`)."""
    from descriptor_study.feature_counts import feature_count
    from descriptor_study.representations import registry

    entry = json.loads(params_json)
    cls, params = registry.split_params(rep, entry)
    return feature_count(rep, species, entry, lambda: n_features(cls, species, params))
