"""Small helpers shared by the library-backed representations."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from ase import Atoms


def group_by_periodicity(structures: list[Atoms]) -> dict[bool, list[int]]:
    """Indices of fully periodic and of non-periodic structures (DScribe needs one flag per call)."""
    groups: dict[bool, list[int]] = {True: [], False: []}
    for k, atoms in enumerate(structures):
        groups[bool(np.any(atoms.pbc))].append(k)
    return groups


#: below this many atoms a DScribe call runs in one process: with ``n_jobs`` > 1 DScribe
#: starts worker processes that each import it again (3-5 s here), more than a second
#: process saves on so few atoms (its slowest here, ACSF, computes about 260 atoms a second)
DSCRIBE_PARALLEL_ATOMS = 2000


def dscribe_n_jobs(structures: list[Atoms], n_jobs: int) -> int:
    """The ``n_jobs`` to pass DScribe for these structures: the job's, or 1 for few atoms
    (the rows are the same either way: each structure is computed whole by one process)."""
    return n_jobs if sum(len(a) for a in structures) >= DSCRIBE_PARALLEL_ATOMS else 1


def stack_in_order(blocks: dict[int, np.ndarray], n_structures: int, n_features: int) -> np.ndarray:
    rows = [blocks[k] for k in range(n_structures)]
    return np.vstack(rows) if rows else np.zeros((0, n_features))


def as_list(x: Iterable) -> list:
    return [float(v) for v in x]
