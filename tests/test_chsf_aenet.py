"""CHSF as aenet's Chebyshev descriptor (aenet v2.0.3, ``src/ext/sfbasis.f90``): separate
radial and angular cutoffs, type-spin weights in a given species order, the
``multi_species`` settings, against a literal loop transcription of aenet's ``sfb_eval``."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from numpy.polynomial import chebyshev

import descriptor_study.representations.neighbours as neighbours
from descriptor_study.errors import ConfigError
from descriptor_study.representations import build
from descriptor_study.representations.chsf import CHSF, CHSFMix

#: aenet's Chebyshev example (examples/example-chebyshev/01-generate/*.fingerprint.stp)
AENET = {"n_max": 16, "l_max": 4, "radial_cutoff": 8.0, "angular_cutoff": 6.5, "species_weights": "aenet"}


def _T(order: int, x: float) -> list[float]:
    return [float(chebyshev.chebval(x, [0.0] * a + [1.0])) for a in range(order + 1)]


def _fc(r: float, rc: float) -> float:
    return 0.0 if r >= rc else 0.5 * (math.cos(math.pi * r / rc) + 1.0)


def _neighbours(atoms: Atoms, i: int, reach: float, shells: int):
    """(vector, symbol) of every atom or periodic image within ``reach`` of atom i."""
    cell = atoms.cell[:]
    ranges = [range(-shells, shells + 1) if p else range(1) for p in atoms.pbc]
    out = []
    for s in itertools.product(*ranges):
        shift = np.asarray(s, dtype=float) @ cell
        for j in range(len(atoms)):
            if j == i and not any(s):
                continue
            d = atoms.positions[j] + shift - atoms.positions[i]
            if math.sqrt(float(d @ d)) <= reach:
                out.append((d, atoms[j].symbol))
    return out


def aenet_reference(atoms, n, l, r_rc, a_rc, spin, multi, shells=0):
    """aenet's sfb_eval written out: loops over j and k > j, layout [r, a, r_w, a_w].

    s_j is always j's own spin; aenet v2.0.3 updates it only for j within the radial
    cutoff, which is the same whenever the angular cutoff is not the larger one.
    """
    rows = []
    for i in range(len(atoms)):
        nb = _neighbours(atoms, i, max(r_rc, a_rc), shells)
        rad, ang = np.zeros(n + 1), np.zeros(l + 1)
        rad_w, ang_w = np.zeros(n + 1), np.zeros(l + 1)
        for j, (dj, tj) in enumerate(nb):
            rij = math.sqrt(float(dj @ dj))
            s_j = spin[tj]
            if rij <= r_rc:
                v = np.array(_T(n, (2.0 * rij - r_rc) / r_rc)) * _fc(rij, r_rc)
                rad += v
                rad_w += s_j * v
            if rij > a_rc:
                continue
            for dk, tk in nb[j + 1 :]:
                rik = math.sqrt(float(dk @ dk))
                if rik > a_rc:
                    continue
                cos = float(dj @ dk) / (rij * rik)
                v = np.array(_T(l, (2.0 * cos - math.pi) / math.pi))
                v *= _fc(rij, a_rc) * _fc(rik, a_rc)
                ang += v
                ang_w += s_j * spin[tk] * v
        row = [rad, ang] + ([rad_w, ang_w] if multi else [])
        rows.append(np.concatenate(row))
    return np.array(rows)


@pytest.fixture
def spread_cluster() -> Atoms:
    """Eleven atoms of three species, distances from 1 to 12 A: pairs in each of
    [0, 6.5), [6.5, 8) and beyond 8 A."""
    rng = np.random.default_rng(11)
    pos = rng.uniform(-3.6, 3.6, size=(11, 3))
    symbols = ["Al", "Ni", "Cu", "Cu", "Al", "Ni", "Al", "Cu", "Ni", "Al", "Cu"]
    return Atoms(symbols, positions=pos)


def test_aenet_settings_match_loops_cluster(spread_cluster):
    d = spread_cluster.get_all_distances()[np.triu_indices(len(spread_cluster), 1)]
    assert ((d > 6.5) & (d < 8.0)).sum() >= 3 and (d < 6.5).sum() >= 10 and (d > 8.0).any()
    rep = CHSF(["Al", "Ni", "Cu"], **AENET)
    got = rep.compute(spread_cluster)
    ref = aenet_reference(spread_cluster, 16, 4, 8.0, 6.5, {"Al": -1, "Ni": 0, "Cu": 1}, True)
    assert got.shape == ref.shape == (11, 44)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    # the cutoffs matter: one shared cutoff gives other numbers
    one = CHSF(["Al", "Ni", "Cu"], n_max=16, l_max=4, cutoff=8.0, species_weights="aenet")
    assert np.abs(one.compute(spread_cluster) - ref).max() > 1e-3 * np.abs(ref).max()


@pytest.mark.parametrize("radial, angular", [(8.0, 6.5), (5.0, 6.0)])
def test_aenet_settings_match_loops_periodic(radial, angular):
    """A small triclinic cell of Ti and O in aenet's setup order (Ti, O): periodic
    images up to 8 A, weights -1 (Ti) and +1 (O)."""
    atoms = Atoms(
        ["Ti", "O", "O"],
        scaled_positions=[[0.02, 0.0, 0.01], [0.31, 0.27, 0.05], [0.66, 0.71, 0.43]],
        cell=[[3.9, 0.0, 0.0], [0.8, 3.6, 0.0], [0.3, -0.5, 4.4]],
        pbc=True,
    )
    params = dict(AENET, radial_cutoff=radial, angular_cutoff=angular, species_order=["Ti", "O"])
    rep = CHSF(["O", "Ti"], **params)
    assert rep.weights == {"Ti": -1.0, "O": 1.0}
    got = rep.compute(atoms)
    ref = aenet_reference(atoms, 16, 4, radial, angular, {"Ti": -1, "O": 1}, True, shells=3)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    # the centre path enumerates the same images
    np.testing.assert_allclose(
        rep.compute(atoms, centers=[2, 0]), ref[[2, 0]], rtol=1e-12, atol=1e-12 * np.abs(ref).max()
    )


def test_counts_and_multi_species_settings():
    si = bulk("Si", "diamond", a=5.43, cubic=True)
    assert CHSF(["Al", "Ni", "Cu"], **AENET).n_features == 2 * (17 + 5) == 44
    assert CHSF(["Si"], **AENET).n_features == 17 + 5  # no weighted copy for one species
    paper = {"multi_species": AENET}
    assert build("CHSF", ["Si"], paper).compute(si).shape == (8, 20)  # CHSF.jl, n = l = 9
    for species in (["Al", "Ni", "Cu"], ["Ti", "O"], ["C", "H", "O", "N"]):
        rep = build("CHSF", species, paper)
        assert rep.n_features == 44
        assert (rep.radial_cutoff, rep.angular_cutoff, rep.n_max, rep.l_max) == (8.0, 6.5, 16, 4)
    si_rep = build("CHSF", ["Si"], paper)
    assert (si_rep.radial_cutoff, si_rep.angular_cutoff, si_rep.n_max, si_rep.l_max) == (6.5, 6.5, 9, 9)
    # a single-species environment of a three-species representation keeps all 44
    al = bulk("Al", "fcc", a=4.05)
    assert build("CHSF", ["Al", "Ni", "Cu"], paper).compute(al).shape == (1, 44)


def test_type_spins_and_order():
    def spins(species, order=None):
        return CHSF(species, species_weights="aenet", species_order=order).weights

    # -S/2 by integer division, counting up, 0 skipped for even S (aenet's new_SFBasis)
    assert spins(["Al", "Ni", "Cu"]) == {"Al": -1.0, "Ni": 0.0, "Cu": 1.0}
    assert spins(["Cu", "Al", "Ni"], ["Cu", "Al", "Ni"]) == {"Cu": -1.0, "Al": 0.0, "Ni": 1.0}
    assert spins(["O", "Ti"]) == {"O": -1.0, "Ti": 1.0}
    assert spins(["O", "Ti"], ["Ti", "O"]) == {"Ti": -1.0, "O": 1.0}
    assert spins(["H", "C", "N", "O"]) == {"H": -2.0, "C": -1.0, "N": 1.0, "O": 2.0}
    assert spins(["C", "H", "N", "O", "Si"]) == {"H": -2, "C": -1, "N": 0, "O": 1, "Si": 2}
    # a longer list (one for every dataset) is restricted to the representation's species
    assert spins(["Ti", "O"], ["Al", "Ni", "Cu", "Ti", "O"]) == {"Ti": -1.0, "O": 1.0}
    rep = CHSF(["O", "Ti"], species_weights="aenet", species_order=["Ti", "Cu", "O"])
    assert rep.params["species_order"] == ["Ti", "O"]
    assert CHSF(["O", "Ti"]).params["species_order"] is None


def test_reversed_spins_flip_only_the_weighted_radial_block(rattled_cell):
    """For two species, reversing the order negates every spin: the weighted radial block
    changes sign, the weighted angular one (s_j s_k) does not."""
    atoms = rattled_cell.copy()
    atoms.set_chemical_symbols(["Ti" if s == "Al" else "O" for s in atoms.get_chemical_symbols()])
    a = CHSF(["Ti", "O"], **AENET, species_order=["Ti", "O"]).compute(atoms)
    b = CHSF(["Ti", "O"], **AENET, species_order=["O", "Ti"]).compute(atoms)
    scale = np.abs(a).max()
    np.testing.assert_allclose(b[:, :22], a[:, :22], rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(b[:, 22:39], -a[:, 22:39], rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(b[:, 39:], a[:, 39:], rtol=0, atol=1e-13 * scale)
    assert np.abs(a[:, 22:39]).max() > 1e-2 * scale


def test_supercell_same_rows_aenet_settings(rattled_cell):
    """Separate cutoffs reach periodic images: a supercell has the same environments."""
    rep = CHSF(["Al", "Ni", "Cu"], **AENET)
    ref = rep.compute(rattled_cell)
    assert np.abs(ref[:, 22:]).max() > 0
    sup = rep.compute(rattled_cell.repeat((2, 1, 1)))
    np.testing.assert_allclose(sup, np.vstack([ref, ref]), rtol=0, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize(
    "cls, params",
    [(CHSF, AENET), (CHSF, {"n_max": 5, "l_max": 3}), (CHSFMix, {"n_max": 3, "l_max": 2})],
)
def test_small_cell_enumeration_equals_ase_neighbour_list(cls, params, rattled_cell, monkeypatch):
    """Rows from the image enumeration used for small cells equal those from ASE's list."""
    skew = bulk("Cu", "fcc", a=3.6).repeat((1, 2, 1))
    skew.set_chemical_symbols(["Cu", "Ni"])
    skew.positions[1] += [0.1, 0.05, -0.07] + 3 * skew.cell[0] - 2 * skew.cell[2]
    slab = rattled_cell.copy()
    slab.pbc = [True, False, True]
    cluster = Atoms("AlNiCuAl", positions=[[0, 0, 0], [2.1, 0.3, 0], [0.2, 2.4, 0.5], [7, 1, 1]])
    rep = cls(["Al", "Ni", "Cu"], **params)
    fast = [rep.compute(a) for a in (skew, slab, cluster, rattled_cell)]
    monkeypatch.setattr(neighbours, "SMALL_CELL", 0)
    for atoms, got in zip((skew, slab, cluster, rattled_cell), fast):
        ref = rep.compute(atoms)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_bad_aenet_params():
    with pytest.raises(ConfigError, match="species_order"):
        CHSF(["Al", "Ni", "Cu"], species_weights="aenet", species_order=["Al", "Ni"])
    with pytest.raises(ConfigError, match="species_order"):
        CHSF(["Al", "Ni"], species_order=["Al", "Ni"])  # not used by atomic-number weights
    with pytest.raises(ConfigError, match="species_order"):
        CHSF(["Al", "Ni"], species_weights="aenet", species_order=["Al", "Ni", "Al"])
    with pytest.raises(ConfigError, match="multi_species"):
        CHSF(["Si"], multi_species={"radial_Rc": 8.0})
    with pytest.raises(ConfigError, match="multi_species"):
        CHSF(["Si"], multi_species=[("n_max", 3)])
    with pytest.raises(ConfigError, match="angular_cutoff"):
        CHSF(["Si"], angular_cutoff=-1.0)
    with pytest.raises(ConfigError, match="radial_cutoff"):
        CHSFMix(["Si"], radial_cutoff=8.0, angular_cutoff=6.5)
    with pytest.raises(ConfigError, match="backend"):
        CHSF(["Si"], radial_cutoff=8.0, angular_cutoff=6.5, backend="julia")
    with pytest.raises(ConfigError, match="multi_species.n_max"):
        CHSF(["Al", "Cu"], multi_species={"n_max": -2})
    # equal cutoffs given separately: today's CHSF-mix
    mix = CHSFMix(["Si"], radial_cutoff=5.0, angular_cutoff=5.0, n_max=2, l_max=2)
    assert mix.n_features == CHSFMix(["Si"], cutoff=5.0, n_max=2, l_max=2).n_features


def test_defaults_unchanged_and_params_recorded(rattled_cell):
    old = CHSF(["Al", "Ni", "Cu"])
    assert (old.radial_cutoff, old.angular_cutoff, old.n_features) == (6.5, 6.5, 40)
    same = CHSF(["Al", "Ni", "Cu"], radial_cutoff=6.5, angular_cutoff=6.5)
    np.testing.assert_array_equal(old.compute(rattled_cell), same.compute(rattled_cell))
    rep = build("CHSF", ["Al", "Ni", "Cu"], {"multi_species": AENET})
    p = rep.params
    assert (p["radial_cutoff"], p["angular_cutoff"], p["n_max"], p["l_max"]) == (8.0, 6.5, 16, 4)
    assert p["species_weights"] == {"Al": -1.0, "Ni": 0.0, "Cu": 1.0}
    assert p["species_order"] == ["Al", "Ni", "Cu"]
    assert p["multi_species"] == AENET


def test_schema_accepts_the_paper_settings(repo_root):
    from descriptor_study.config import validate_config

    schema = repo_root / "workflow/schemas/config.schema.yaml"
    cfg = {
        "datasets": {"AlNiCu": {"source": "AlNiCu"}},
        "representations": {"CHSF": {"multi_species": dict(AENET, species_order=["Al", "Ni", "Cu", "Ti", "O"])}},
    }
    validate_config(cfg, schema)
    cfg["representations"]["CHSF"]["multi_species"]["radial_rc"] = 8.0
    with pytest.raises(ConfigError, match="radial_rc"):
        validate_config(cfg, schema)


@pytest.mark.full_dataset
@pytest.mark.slow
def test_alnicu_cur_matches_published(alnicu_path):
    """The whole AlNiCu set (27,987 environments) with aenet's settings: the CUR curve of
    the paper's published CHSF results (CUR_results.json: 0.13169 after one feature,
    0.010827 after four, 1e-3 reached at 26 of 44 features)."""
    from descriptor_study.datasets import read_structures
    from descriptor_study.selection import cur_ranking

    structures = read_structures(alnicu_path, energy_key=None, require_energy=False)
    rep = build("CHSF", ["Al", "Ni", "Cu"], {"multi_species": AENET})
    X, _ = rep.compute_many(structures, progress=False)
    assert X.shape == (27987, 44) and np.isfinite(X).all()
    err = np.asarray(cur_ranking(X).errors)
    assert err[0] == pytest.approx(0.13169, rel=1e-3)
    assert err[1] == pytest.approx(0.029291, rel=1e-3)
    assert err[3] == pytest.approx(0.010827, rel=1e-3)
    assert int(np.argmax(err < 1e-3)) + 1 == 26
