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


def stack_in_order(blocks: dict[int, np.ndarray], n_structures: int, n_features: int) -> np.ndarray:
    rows = [blocks[k] for k in range(n_structures)]
    return np.vstack(rows) if rows else np.zeros((0, n_features))


def as_list(x: Iterable) -> list:
    return [float(v) for v in x]
