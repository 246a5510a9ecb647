"""SevenNet-0's per-atom features (``SevenNetFeatures``): the row is the tensor SevenNet-0's
energy readout reads, in float64, invariant to round-off, with the checkpoint recorded.

Needs torch and sevenn (the ``sevennet`` extra); skipped with the reason otherwise.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

torch = pytest.importorskip("torch", reason="SevenNet needs torch (the sevennet extra)")
pytest.importorskip("sevenn", reason="SevenNet needs sevenn (the sevennet extra)")

from descriptor_study.errors import SpeciesError  # noqa: E402
from descriptor_study.representations import registry  # noqa: E402
from descriptor_study.representations.sevennet_features import (  # noqa: E402
    ELEMENTS,
    READOUT,
    SevenNetFeatures,
    forward,
    load_model,
)

#: float64 round-off of a row relative to its norm; the invariance checks allow ten times
#: the class's stated precision (measured: 5e-15 at most)
FLOAT64_ROUNDOFF = 1e-13
TOL = 10 * (SevenNetFeatures.relative_precision or FLOAT64_ROUNDOFF)


@pytest.fixture(scope="module")
def rep() -> SevenNetFeatures:
    return SevenNetFeatures(["Si", "Al", "Cu"])


def si_cell(rattle: float = 0.1) -> Atoms:
    """The 64-atom cubic Si diamond cell, rattled."""
    atoms = bulk("Si", "diamond", a=5.43, cubic=True).repeat(2)
    if rattle:
        atoms.rattle(rattle, seed=1)
    return atoms


def alcu_cluster() -> Atoms:
    """A rattled 13-atom Al-Cu cuboctahedron without periodicity."""
    rng = np.random.default_rng(4)
    corners = [(a, b, 0) for a in (-1, 1) for b in (-1, 1)]
    vecs = np.array(corners + [(a, 0, b) for a, b, _ in corners] + [(0, a, b) for a, b, _ in corners], dtype=float)
    positions = np.vstack([[0, 0, 0], 1.9 * vecs]) + rng.normal(scale=0.1, size=(13, 3))
    return Atoms("Cu" + "AlCu" * 6, positions=positions, pbc=False)


def relative_change(a: np.ndarray, b: np.ndarray) -> float:
    """The largest change of a row relative to its norm."""
    return float(np.max(np.linalg.norm(a - b, axis=1) / np.linalg.norm(a, axis=1)))


def rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q * np.sign(np.linalg.det(q))


def rotated(atoms: Atoms, q: np.ndarray) -> Atoms:
    out = atoms.copy()
    if atoms.pbc.any():
        out.set_cell(atoms.cell.array @ q.T, scale_atoms=False)
    out.positions = atoms.positions @ q.T
    return out


STRUCTURES = {"Si cell": si_cell, "Al-Cu cluster": alcu_cluster}


def test_feature_count_is_the_width_of_the_readout_input(rep):
    net, _, _ = load_model("7net-0")
    assert rep.n_features == 128
    assert str(net._modules[READOUT].irreps_in) == "128x0e"
    for make in STRUCTURES.values():
        atoms = make()
        X = rep.compute(atoms)
        assert X.shape == (len(atoms), 128) and X.dtype == np.float64
        assert np.isfinite(X).all() and (np.linalg.norm(X, axis=1) > 1).all()


@pytest.mark.parametrize("kind", STRUCTURES)
def test_rotation_translation_and_permutation_invariance(rep, kind):
    atoms = STRUCTURES[kind]()
    X = rep.compute(atoms)
    rng = np.random.default_rng(8)
    for seed in range(3):
        assert relative_change(X, rep.compute(rotated(atoms, rotation(seed)))) <= TOL
        moved = atoms.copy()
        moved.positions += rng.normal(scale=3.0, size=3)
        if atoms.pbc.any():
            moved.wrap()
        assert relative_change(X, rep.compute(moved)) <= TOL
        perm = rng.permutation(len(atoms))
        assert relative_change(X[perm], rep.compute(atoms[perm])) <= TOL


def test_a_mirror_image_changes_the_rows_the_model_is_so3_not_o3(rep):
    """SevenNet-0 has is_parity = False: invariant under proper rotations only (documented)."""
    atoms = si_cell()
    mirrored = atoms.copy()
    mirrored.positions[:, 0] *= -1
    cell = atoms.cell.array.copy()
    cell[:, 0] *= -1
    mirrored.set_cell(cell, scale_atoms=False)
    assert relative_change(rep.compute(atoms), rep.compute(mirrored)) > 1e-4


def test_symmetry_equivalent_atoms_of_si_diamond_have_equal_rows(rep):
    for atoms in (bulk("Si", "diamond", a=5.43, cubic=True), si_cell(rattle=0.0)):
        X = rep.compute(atoms)
        assert relative_change(np.repeat(X[:1], len(X), axis=0), X) <= TOL
    # not vacuous: atoms that are not equivalent have rows far apart
    X = rep.compute(si_cell())
    assert relative_change(np.repeat(X[:1], len(X), axis=0), X) > 1e-3


def test_rows_of_chosen_centres_and_a_structure_with_an_isolated_atom(rep):
    atoms = alcu_cluster()
    X = rep.compute(atoms)
    assert np.array_equal(rep.compute(atoms, centers=[5, 0, 2]), X[[5, 0, 2]])
    # an atom 20 Å from the others has no edge: its row is its species' embedding, finite
    far = atoms + Atoms("Al", positions=[[20.0, 0.0, 0.0]])
    Y = rep.compute(far)
    assert np.isfinite(Y).all() and np.linalg.norm(Y[-1]) > 0
    lone = rep.compute(Atoms("Al", positions=[[0.0, 0.0, 0.0]], pbc=False))
    assert np.allclose(lone[0], Y[-1], rtol=0, atol=1e-12)


def test_recorded_sha256_is_the_checkpoint_file_the_calculator_loads(rep):
    import sevenn.util

    path = Path(sevenn.util.pretrained_name_to_path("7net-0"))
    assert rep.params["checkpoint_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rep.params["model_name"] == "SevenNet-0" and rep.params["checkpoint"] == path.parent.name
    assert rep.params["sevenn_version"] == sevenn.__version__
    versions = rep.library_versions()
    assert set(versions) == {"sevenn", "torch", "e3nn"} and "unknown" not in versions.values()


def test_the_elements_are_the_checkpoints(rep):
    import sevenn.util

    cp = sevenn.util.load_checkpoint("7net-0")
    assert sorted(ELEMENTS) == sorted(cp.config["chemical_species"])


def test_an_element_outside_sevennet0_is_one_species_error_line():
    with pytest.raises(SpeciesError) as info:
        SevenNetFeatures(["Si", "Og"])
    assert "Og" in str(info.value) and "\n" not in str(info.value)


def _readout(rows: np.ndarray, atoms: Atoms):
    """SevenNet-0's readout modules run on ``rows`` put in place of the tapped tensor:
    (total energy, atomic energies), float64."""
    import sevenn._keys as KEY

    net, names, cutoff = load_model("7net-0")
    modules = list(net._modules)
    data = forward(net, names, cutoff, atoms)
    data[KEY.NODE_FEATURE] = torch.from_numpy(np.ascontiguousarray(rows))
    with torch.no_grad():
        for name in modules[modules.index(READOUT) : modules.index("reduce_total_enegy") + 1]:
            data = net._modules[name](data)
    return data[KEY.PRED_TOTAL_ENERGY].item(), data[KEY.ATOMIC_ENERGY].numpy().ravel()


@pytest.mark.parametrize("kind", STRUCTURES)
def test_the_readout_of_the_rows_gives_the_calculators_energy(rep, kind):
    """The rows are the tensor the readout reads: SevenNet-0's own (float32) energy comes
    back from them to float32 round-off."""
    from sevenn.calculator import SevenNetCalculator

    atoms = STRUCTURES[kind]()
    energy, atomic = _readout(rep.compute(atoms), atoms)
    atoms.calc = SevenNetCalculator("7net-0", device="cpu")
    expected = atoms.get_potential_energy()
    assert abs(energy - expected) <= 1e-6 * abs(expected)
    assert np.allclose(atomic, atoms.get_potential_energies(), rtol=0, atol=1e-5)


def test_atomic_energy_is_affine_in_the_row(rep):
    atoms = si_cell()
    X = rep.compute(atoms)
    _, e = _readout(X, atoms)
    mixed = X.copy()
    mixed[0] = 0.3 * X[0] + 0.7 * X[1]
    _, e_mixed = _readout(mixed, atoms)
    assert abs(e_mixed[0] - (0.3 * e[0] + 0.7 * e[1])) <= 1e-10 * abs(e[0])


def test_compute_many_sets_torch_threads_to_n_jobs(rep):
    before = torch.get_num_threads()
    try:
        for n_jobs in (1, 2):
            matrix, offsets = rep.compute_many([si_cell(), alcu_cluster()], n_jobs=n_jobs, progress=False)
            assert torch.get_num_threads() == n_jobs
            assert offsets.tolist() == [0, 64, 77] and matrix.shape == (77, 128)
    finally:
        torch.set_num_threads(before)


def test_the_first_sevennet0_release_loads_with_its_own_checkpoint():
    import sevenn.util

    old = SevenNetFeatures(["Si"], model="7net-0_22may2024")
    path = Path(sevenn.util.pretrained_name_to_path("7net-0_22may2024"))
    assert old.params["checkpoint_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    atoms = si_cell()
    X = old.compute(atoms)
    assert relative_change(X, old.compute(rotated(atoms, rotation(1)))) <= TOL
    assert relative_change(X, SevenNetFeatures(["Si"]).compute(atoms)) > 1e-3


def test_the_class_is_a_builtin_and_importing_or_building_it_loads_no_torch():
    assert registry.get_class("SevenNet") is SevenNetFeatures
    code = (
        "import sys\n"
        "from descriptor_study.representations.sevennet_features import SevenNetFeatures\n"
        "r = SevenNetFeatures(['Si'])\n"
        "print(sorted(m for m in ('torch', 'sevenn', 'e3nn') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
