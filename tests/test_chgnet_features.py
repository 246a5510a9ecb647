"""CHGNet 0.3.0's per-atom features (representations/chgnet_features.py), with real numbers.

Which tensor the rows are (the energy head's input; the magmom head's), float64 against
the stock float32 model, the invariances within the class's stated precision, equal rows
for symmetry-equivalent atoms, the recorded model and weight file, a cluster's rows
independent of its box, the bound ``reach`` states, and the job's threads.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

torch = pytest.importorskip("torch", reason="torch is not installed (needed by CHGNet)")
pytest.importorskip("chgnet", reason="chgnet is not installed")

from test_representation_contract import periodic_cell as alcu_cell  # noqa: E402

from descriptor_study.errors import ConfigError, SpeciesError  # noqa: E402
from descriptor_study.representations import chgnet_features as cf  # noqa: E402
from descriptor_study.representations.chgnet_features import CHGNetFeatures  # noqa: E402
from descriptor_study.sensitivity import noise_floor  # noqa: E402


def tolerance() -> float:
    """What the class promises: its ``relative_precision``, or with None float64 round-off,
    i.e. below the sensitivity study's noise floor (1e-12; measured: 1.6e-14)."""
    return noise_floor(CHGNetFeatures)


def relative_change(a: np.ndarray, b: np.ndarray) -> float:
    """The largest change of a row, relative to that row's norm."""
    assert a.shape == b.shape
    return float(np.max(np.linalg.norm(a - b, axis=1) / np.linalg.norm(a, axis=1)))


def rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q * np.sign(np.linalg.det(q))


def si_cell() -> Atoms:
    atoms = bulk("Si", "diamond", a=5.43, cubic=True).repeat(2)  # 64 atoms
    atoms.rattle(0.08, seed=1)
    return atoms


def si_cluster() -> Atoms:
    atoms = bulk("Si", "diamond", a=5.43).repeat(2)
    atoms.rattle(0.05, seed=3)
    return Atoms(atoms.numbers, positions=atoms.positions, pbc=False)


STRUCTURES = {"Si cell": si_cell, "Al-Cu cell": alcu_cell, "Si cluster": si_cluster}


def species(atoms: Atoms) -> list[str]:
    return sorted(set(atoms.get_chemical_symbols()))


@pytest.fixture(scope="module")
def model():
    return CHGNetFeatures(["Si"]).model()


# --- what the rows are ----------------------------------------------------------------------


def test_sixty_four_features_and_the_model_the_class_states(model):
    rep = CHGNetFeatures(["Si"])
    X = rep.compute(si_cell())
    assert rep.n_features == 64 == model.atom_fea_dim
    assert X.shape == (64, 64) and X.dtype == np.float64
    assert model.version == cf.MODEL_VERSION == "0.3.0"
    assert model.graph_converter.atom_graph_cutoff == cf.ATOM_GRAPH_CUTOFF
    assert model.graph_converter.bond_graph_cutoff == cf.BOND_GRAPH_CUTOFF
    assert len(model.atom_conv_layers) == cf.N_ATOM_CONV
    assert model.atom_embedding.embedding.num_embeddings == cf.MAX_Z
    assert model.mlp_first  # per-atom energies: the energy MLP reads one row per atom
    assert next(model.mlp.parameters()).dtype == torch.float64


def test_the_energy_rows_are_the_input_of_the_energy_mlp(model):
    """Pooled, they are the model's crystal_fea; through the energy MLP, plus the
    composition reference, they are the model's site energies and energy."""
    atoms = alcu_cell()
    rep = CHGNetFeatures(species(atoms))
    X = rep.compute(atoms)
    graph = cf.float64_graph(model, cf.to_structure(atoms, 10.0))
    with torch.inference_mode():
        out = model([graph], task="e", return_site_energies=True, return_crystal_feas=True)
        site = model.mlp(torch.from_numpy(X)).numpy().ravel()
    reference = model.composition_model.get_site_energies([graph])[0].numpy()
    assert np.allclose(out["crystal_fea"][0].numpy(), X.sum(axis=0), rtol=0, atol=1e-12)
    assert np.allclose(out["site_energies"][0].numpy(), site + reference, rtol=0, atol=1e-12)
    assert np.isclose(float(out["e"][0]), np.mean(site + reference), rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")
def test_the_rows_are_the_stock_float32_models_to_float32_precision():
    """The float64 model is the same network: the stock CHGNet.load("0.3.0") in float32
    gives the same rows (atom_fea of predict_structure for magmom; the energy MLP's input,
    through the same hook, for energy) to float32 round-off."""
    import contextlib
    import io

    from chgnet.model import CHGNet

    atoms = si_cell()
    structure = cf.to_structure(atoms, 10.0)
    with contextlib.redirect_stdout(io.StringIO()):
        stock = CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False)
    captured = []
    stock.mlp.register_forward_pre_hook(lambda module, args: captured.append(args[0].detach().numpy()))
    prediction = stock.predict_structure(structure, task="e", return_atom_feas=True)
    energy, magmom = CHGNetFeatures(["Si"]).compute(atoms), CHGNetFeatures(["Si"], features="magmom").compute(atoms)
    assert relative_change(energy, captured[0]) < 1e-5
    assert relative_change(magmom, prediction["atom_fea"]) < 1e-5
    assert relative_change(energy, magmom) > 0.1  # two different tensors


def test_an_isolated_atom_has_the_layer_norm_of_its_elements_embedding(model):
    atoms = Atoms("SiCu", positions=[[0.0, 0.0, 0.0], [20.0, 0.0, 0.0]])
    X = CHGNetFeatures(["Si", "Cu"]).compute(atoms)
    with torch.inference_mode():
        expected = model.readout_norm(model.atom_embedding(torch.tensor([14 - 1, 29 - 1]))).numpy()
    assert np.array_equal(X, expected)


# --- invariances and symmetry -----------------------------------------------------------------


def _moved(atoms: Atoms, seed: int) -> dict[str, tuple[Atoms, np.ndarray]]:
    """Rotated, translated (wrapped when periodic) and permuted copies, with the order
    the rows of each copy take."""
    n = len(atoms)
    turned = atoms.copy()
    if atoms.pbc.any():
        turned.set_cell(atoms.cell.array @ rotation(seed).T, scale_atoms=False)
    turned.positions = atoms.positions @ rotation(seed).T
    shifted = atoms.copy()
    shifted.positions += np.random.default_rng(seed).normal(scale=4.0, size=3)
    if atoms.pbc.any():
        shifted.wrap()
    perm = np.random.default_rng(seed + 100).permutation(n)
    return {
        "rotation": (turned, np.arange(n)),
        "translation": (shifted, np.arange(n)),
        "permutation": (atoms[perm], perm),
    }


@pytest.mark.parametrize("features", list(cf.FEATURES))
@pytest.mark.parametrize("kind", list(STRUCTURES))
def test_invariance_within_the_stated_precision_with_margin(kind, features):
    atoms = STRUCTURES[kind]()
    rep = CHGNetFeatures(species(atoms), features=features)
    X = rep.compute(atoms)
    worst = {}
    for seed in range(3):
        for what, (copy, order) in _moved(atoms, seed).items():
            worst[what] = max(worst.get(what, 0.0), relative_change(X[order], rep.compute(copy)))
    assert max(worst.values()) < tolerance() / 10, f"{kind}, {features}: {worst}; allowed {tolerance():g}"


def test_float64_and_what_the_registry_needs():
    """float64: no precision of its own to declare (the contract suite's tolerance is
    max(1e-9, relative_precision)); torch and chgnet required, the chgnet extra."""
    assert CHGNetFeatures.relative_precision is None
    assert CHGNetFeatures.requires == ("torch", "chgnet") and CHGNetFeatures.extra == "chgnet"
    assert CHGNetFeatures(["Si"]).describe()["derived"]["dtype"] == "float64"


@pytest.mark.parametrize("features", list(cf.FEATURES))
def test_symmetry_equivalent_atoms_of_diamond_si_have_equal_rows(features):
    """Every atom of diamond Si is equivalent to every other: all rows of the 64-atom
    cell are one row, which is also the row of the 2-atom primitive cell."""
    rep = CHGNetFeatures(["Si"], features=features)
    X = rep.compute(bulk("Si", "diamond", a=5.43, cubic=True).repeat(2))
    primitive = rep.compute(bulk("Si", "diamond", a=5.43))
    assert relative_change(np.repeat(X[:1], len(X), axis=0), X) < tolerance()
    assert relative_change(np.repeat(X[:1], 2, axis=0), primitive) < tolerance()
    # and a strained cell is not the same environment
    strained = bulk("Si", "diamond", a=5.50)
    assert relative_change(primitive, rep.compute(strained)) > 1e-3


# --- clusters and boxes -----------------------------------------------------------------------


def test_a_clusters_rows_do_not_depend_on_its_box():
    atoms = si_cluster()
    X = {v: CHGNetFeatures(["Si"], vacuum=v).compute(atoms) for v in (6.5, 10.0, 20.0, 40.0)}
    for vacuum, rows in X.items():
        assert relative_change(X[10.0], rows) < tolerance(), vacuum
    # the same box read as periodic: no atom sees an image beyond the 6 Å cutoff
    box = atoms.copy()
    box.set_cell(np.diag(np.ptp(atoms.positions, axis=0) + 20.0))
    box.positions += 10.0 - atoms.positions.min(axis=0)
    box.pbc = True
    assert relative_change(X[10.0], CHGNetFeatures(["Si"]).compute(box)) < tolerance()
    # a cluster's own cell is not used
    boxed = atoms.copy()
    boxed.set_cell([200.0, 200.0, 200.0])
    X2, _ = CHGNetFeatures(["Si"]).compute_many([boxed], progress=False)
    assert relative_change(X[10.0], X2) < tolerance()


def test_a_vacuum_within_the_cutoff_is_refused():
    with pytest.raises(ConfigError, match=r"representations\.CHGNet\.vacuum"):
        CHGNetFeatures(["Si"], vacuum=5.0)


def test_a_slab_sees_its_periodic_directions_only():
    """A slab with a singular cell (no vector along its normal) gets vacuum there; a slab
    with a cell keeps it: the same rows."""
    from ase.build import fcc111

    rep = CHGNetFeatures(["Cu"])
    bare, padded = fcc111("Cu", size=(2, 2, 3)), fcc111("Cu", size=(2, 2, 3), vacuum=8.0)
    assert bare.cell.volume == 0 and list(bare.pbc) == [True, True, False]
    X = rep.compute(bare)
    assert relative_change(X, rep.compute(padded)) < tolerance()
    # the surface layers differ from the middle one
    assert relative_change(X[8:], X[4:8]) > 1e-3


# --- reach --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("features", list(cf.FEATURES))
def test_no_atom_beyond_reach_changes_a_row(features):
    """A corner atom of a 512-atom Si cluster moves: rows of atoms farther than ``reach``
    stay exactly as they were; some rows change more than 2/3 of the reach away."""
    atoms = bulk("Si", "diamond", a=5.43, cubic=True).repeat(4)
    atoms = Atoms(atoms.numbers, positions=atoms.positions, pbc=False)
    atoms.rattle(0.02, seed=3)
    corner = int(np.argmin(atoms.positions.sum(axis=1)))
    moved = atoms.copy()
    moved.positions[corner] += [0.1, -0.05, 0.07]
    rep = CHGNetFeatures(["Si"], features=features)
    change = np.linalg.norm(rep.compute(atoms) - rep.compute(moved), axis=1)
    distance = np.minimum(
        np.linalg.norm(atoms.positions - atoms.positions[corner], axis=1),
        np.linalg.norm(atoms.positions - moved.positions[corner], axis=1),
    )
    beyond = distance > rep.reach()
    assert rep.reach() == {"energy": 24.0, "magmom": 18.0}[features]
    assert beyond.sum() > 20
    assert np.all(change[beyond] == 0.0)
    assert distance[change > 0].max() > 2 / 3 * rep.reach()


# --- records, species, threads -------------------------------------------------------------------


def test_the_record_names_the_model_and_the_weight_files_sha256():
    rep = CHGNetFeatures(["Si"])
    path = cf.weights_path()
    params = rep.describe()["derived"]  # computed, not declared: apart from the parameters
    assert params["weights_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert params["model"] == "CHGNet 0.3.0"
    assert params["weights"] == "chgnet/pretrained/0.3.0/chgnet_0.3.0_e29f68s314m37.pth.tar"
    assert path.as_posix().endswith(params["weights"])
    import chgnet

    assert params["chgnet_version"] == chgnet.__version__
    assert rep.library_versions() == {"chgnet": chgnet.__version__, "torch": torch.__version__}
    assert params["dtype"] == "float64" and rep.describe()["params"]["features"] == "energy"


def test_an_element_chgnet_does_not_cover_is_refused():
    with pytest.raises(SpeciesError) as info:
        CHGNetFeatures(["Si", "Am"])  # Z = 95
    assert "Am" in str(info.value) and "\n" not in str(info.value)
    CHGNetFeatures(["H", "Pu"])  # Z = 1 and 94


@pytest.mark.parametrize("n_jobs", [1, 2, 3])
def test_compute_many_runs_on_the_jobs_threads(n_jobs):
    before = torch.get_num_threads()
    try:
        structures = [si_cell(), alcu_cell()[:4], si_cluster()]
        rep = CHGNetFeatures(["Si", "Al", "Cu"], batch_atoms=70)
        X, offsets = rep.compute_many(structures, n_jobs=n_jobs, progress=False)
        assert torch.get_num_threads() == n_jobs
        assert offsets.tolist() == [0, 64, 68, 84]
        for k, atoms in enumerate(structures):  # batched rows are each structure's own
            assert relative_change(rep.compute(atoms), X[offsets[k] : offsets[k + 1]]) < tolerance()
    finally:
        torch.set_num_threads(before)


def test_batches_hold_at_most_batch_atoms_atoms():
    rep = CHGNetFeatures(["Si"], batch_atoms=100)
    sizes = [64, 30, 10, 200, 50, 60]
    groups = rep.batches([Atoms(f"Si{n}") for n in sizes])
    assert [[len(a) for a in g] for g in groups] == [[64, 30], [10], [200], [50], [60]]


def test_the_module_imports_no_heavy_library():
    """The registry imports every module of the package: this one must stay light."""
    code = (
        "import sys; import descriptor_study.representations.chgnet_features; "
        "heavy = [m for m in ('torch', 'chgnet', 'pymatgen') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
