"""The representation contract's test structures and the transformations its checks apply.

:mod:`descriptor_study.contract` checks every representation on these; the report cards
(:mod:`descriptor_study.stages.cards`) measure the same transformations as numbers.  No
import of the stages here, so both can use it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from ase import Atoms
from ase.build import bulk

#: the two species of the test structures
SPECIES = ["Al", "Cu"]
KINDS = ("cell", "cluster")
#: how the structures are named in the checks' sentences
NAMED = {"cell": "the periodic Al-Cu cell", "cluster": "the Al-Cu cluster"}


# --- structures --------------------------------------------------------------------------


def periodic_cell() -> Atoms:
    """A rattled periodic Al-Cu cell (8 atoms, oblique fcc primitive cell repeated)."""
    rng = np.random.default_rng(11)
    atoms = bulk("Cu", "fcc", a=3.8).repeat((2, 2, 2))
    atoms.set_chemical_symbols(["Al", "Cu", "Cu", "Al", "Cu", "Al", "Al", "Cu"])
    atoms.positions += rng.normal(scale=0.12, size=atoms.positions.shape)
    return atoms


def cluster() -> Atoms:
    """A rattled Al-Cu octahedron with a centre atom (no cell, no periodicity)."""
    rng = np.random.default_rng(12)
    axes = np.vstack([np.eye(3), -np.eye(3)])
    positions = np.vstack([[0.0, 0.0, 0.0], 2.6 * axes]) + rng.normal(scale=0.15, size=(7, 3))
    return Atoms("CuAl2CuAlCuAl", positions=positions, pbc=False)


STRUCTURES: dict[str, Callable[[], Atoms]] = {"cell": periodic_cell, "cluster": cluster}


def rotation(seed: int = 3) -> np.ndarray:
    """A proper rotation matrix (determinant +1), drawn with ``seed``."""
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q * np.sign(np.linalg.det(q))


def translated(atoms: Atoms) -> Atoms:
    """``atoms`` moved by a fixed vector (a periodic cell's atoms put back into the cell)."""
    moved = atoms.copy()
    moved.positions += np.array([0.37, -1.21, 2.9])
    if atoms.pbc.any():
        moved.wrap()  # the same crystal, atoms put back into the cell
    return moved


def permutation(n: int) -> np.ndarray:
    """A fixed permutation of ``n`` atoms (not the identity)."""
    perm = np.random.default_rng(5).permutation(n)
    assert not np.array_equal(perm, np.arange(n))
    return perm


def mirrored(atoms: Atoms) -> Atoms:
    """``atoms`` reflected through the yz plane (x → −x); a periodic cell's reflected vectors
    with the first two swapped, so the cell stays right-handed (the same lattice)."""
    flip = np.diag([-1.0, 1.0, 1.0])
    out = atoms.copy()
    if atoms.pbc.any():
        out.set_cell((atoms.cell.array @ flip)[[1, 0, 2]], scale_atoms=False)
        out.pbc = atoms.pbc[[1, 0, 2]]
    out.positions = atoms.positions @ flip
    return out


def row_changes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: |b − a|, |a| and their ratio (the change relative to the row's norm)."""
    diff = np.linalg.norm(a - b, axis=1)
    norm = np.linalg.norm(a, axis=1)
    return diff, norm, diff / np.where(norm > 0, norm, 1.0)


def largest_relative_change(a: np.ndarray, b: np.ndarray) -> float:
    """The largest change of a row of ``b`` from the row of ``a``, relative to its norm (the
    measure of :func:`rows_agree`); ``a`` and ``b`` of one shape."""
    if a.shape != b.shape:
        raise ValueError(f"{b.shape[0]} rows of {b.shape[1]} columns, expected {a.shape[0]} of {a.shape[1]}")
    return float(row_changes(a, b)[2].max()) if len(a) else 0.0
