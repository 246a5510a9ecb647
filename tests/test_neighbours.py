"""The neighbour search the atom-centred representations sum over: ``ase_neighbor_list`` must
return ASE's ``neighbor_list("ijdD")`` bit for bit and in ASE's order (the representations'
sums follow that order, so any other one changes their rows at round-off)."""

from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.io import read
from ase.neighborlist import neighbor_list

from descriptor_study.representations import get_class, neighbours
from descriptor_study.representations.acsf_x import BOHR, RADIAL_RC_BOHR
from descriptor_study.representations.neighbours import ase_neighbor_list

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
#: the radii ACSF-X (4, 8, 12 bohr) and ACE (its default cutoff) search
ACE_CUTOFF = get_class("ACE").defaults()["cutoff"]
RADII = [rc * BOHR for rc in RADIAL_RC_BOHR] + [ACE_CUTOFF]


def _assert_same_as_ase(atoms: Atoms, cutoff: float) -> None:
    expected = neighbor_list("ijdD", atoms, cutoff)
    got = ase_neighbor_list(atoms, cutoff)
    for name, e, g in zip("ijdD", expected, got):
        assert g.dtype == e.dtype, name
        assert g.shape == e.shape, name
        assert np.array_equal(g, e), f"{name} differs from ASE's at cutoff {cutoff}"


def _random_cell(rng, n_atoms: int, pbc) -> Atoms:
    cell = np.diag(rng.uniform(3.0, 9.0, 3)) + rng.uniform(-1.0, 1.0, (3, 3))  # triclinic
    # positions partly outside the cell: the search wraps them itself
    frac = rng.uniform(-0.3, 1.3, (n_atoms, 3))
    return Atoms(["Ti", "O"] * (n_atoms // 2) + ["O"] * (n_atoms % 2), scaled_positions=frac, cell=cell, pbc=pbc)


@pytest.mark.parametrize("pbc", [True, False, [True, False, True]])
@pytest.mark.parametrize("n_atoms", [1, 2, 7, 24, 90])
def test_random_cells_match_ase(pbc, n_atoms):
    rng = np.random.default_rng(n_atoms)
    atoms = _random_cell(rng, n_atoms, pbc)
    for cutoff in (1.5, *RADII, 9.0):
        _assert_same_as_ase(atoms, cutoff)


def test_large_cell_many_bins_and_chunks(monkeypatch):
    """A supercell large enough for several bins per direction, and the candidates formed a
    few offsets at a time: still ASE's arrays in ASE's order."""
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((5, 4, 6))
    atoms.rattle(0.05, seed=3)
    _assert_same_as_ase(atoms, 3.0)
    monkeypatch.setattr(neighbours, "CANDIDATE_CHUNK", 5000)
    _assert_same_as_ase(atoms, 3.0)
    _assert_same_as_ase(atoms, 7.5)


def test_cluster_without_cell():
    rng = np.random.default_rng(5)
    atoms = Atoms("C12", positions=rng.uniform(0, 6, (12, 3)))
    _assert_same_as_ase(atoms, 3.5)
    _assert_same_as_ase(Atoms(), 3.5)


@pytest.mark.parametrize(
    "path",
    [SHARED / "TiO2-aenet" / "TiO2-aenet.extxyz", SHARED / "AlNiCu" / "dataset_AlNiCu.extxyz"],
    ids=["TiO2", "AlNiCu"],
)
def test_dataset_structures_match_ase(path):
    """The structures of the offline reproduction, at the radii of ACSF-X and ACE."""
    if not path.exists():
        pytest.skip(f"needs ../shared/datasets ({path.name} not found)")
    for atoms in read(path, index="::120"):
        for cutoff in RADII:
            _assert_same_as_ase(atoms, cutoff)
