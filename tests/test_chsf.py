"""CHSF and CHSF-mix against a loop-by-loop evaluation of the formulas of the authors' code,
centre-subset evaluation, their parameters (old names, one-line errors), and the optional
Julia backend plumbing.  Rotation, translation and permutation invariance are checked for
every representation by the contract suite."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_numbers
from numpy.polynomial import chebyshev

from descriptor_study.errors import ConfigError
from descriptor_study.representations import build
from descriptor_study.representations.chsf import CHSF, CHSFMix
from descriptor_study.representations.julia_backend import (
    BackendError,
    julia_runtime,
    load_julia,
)

RC = 6.5


def _T(a: int, x: float) -> float:
    return float(chebyshev.chebval(x, [0.0] * a + [1.0]))


def _fc(r: float, rc: float) -> float:
    return 0.5 * (math.cos(math.pi * r / rc) + 1.0)


def reference(atoms: Atoms, species, n, l, rc, weights, mix):
    """Direct evaluation, non-periodic: plain loops over centres, j and k."""
    multi = len(species) > 1
    pos = atoms.positions
    rows = []
    for i in range(len(atoms)):
        nb = []
        for j in range(len(atoms)):
            if j == i:
                continue
            d = [pos[j][x] - pos[i][x] for x in range(3)]
            r = math.sqrt(sum(v * v for v in d))
            if r < rc:
                nb.append((r, d, weights[atoms[j].symbol]))

        def block(use_w: bool):
            wt = (lambda w: w) if use_w else (lambda w: 1.0)
            radial = [0.0] * (n + 1)
            for r, _, w in nb:
                for a in range(n + 1):
                    radial[a] += wt(w) * _T(a, (2 * r - rc) / rc) * _fc(r, rc)
            angular = [0.0] * (l + 1)
            mixt = np.zeros((n + 1, n + 1, l + 1))
            for j in range(len(nb)):
                for k in range(len(nb)):
                    if j == k:
                        continue
                    rj, dj, wj = nb[j]
                    rk, dk, wk = nb[k]
                    cos = sum(dj[x] * dk[x] for x in range(3)) / (rj * rk)
                    xang = (2 * cos - math.pi) / math.pi
                    fj, fk = _fc(rj, rc), _fc(rk, rc)
                    if j < k:
                        for c in range(l + 1):
                            angular[c] += wt(wj) * wt(wk) * _T(c, xang) * fj * fk
                    if mix:
                        for a in range(n + 1):
                            for b in range(n + 1):
                                for c in range(l + 1):
                                    mixt[a, b, c] += (
                                        wt(wj)
                                        * _T(a, (2 * rj - rc) / rc)
                                        * fj
                                        * wt(wk)
                                        * _T(b, (2 * rk - rc) / rc)
                                        * fk
                                        * _T(c, xang)
                                    )
            out = radial + angular
            if mix:
                for a in range(n + 1):
                    for b in range(a, n + 1):
                        out += list(mixt[a, b, :])
            return out

        row = block(False)
        if multi:
            row += block(True)
        rows.append(row)
    return np.array(rows)


@pytest.fixture
def cluster() -> Atoms:
    rng = np.random.default_rng(3)
    pos = rng.uniform(-2.2, 2.2, size=(6, 3))
    return Atoms(["Si", "C", "Si", "C", "C", "Si"], positions=pos)


@pytest.mark.parametrize("cls", [CHSF, CHSFMix])
def test_matches_direct_loops(cls, cluster):
    n, l = 5, 4
    rep = cls(["Si", "C"], cutoff=RC, n_max=n, l_max=l)
    got = rep.compute(cluster)
    w = {"Si": float(atomic_numbers["Si"]), "C": float(atomic_numbers["C"])}
    ref = reference(cluster, ["C", "Si"], n, l, RC, w, cls is CHSFMix)
    assert got.shape == ref.shape
    scale = np.abs(ref).max()
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * scale)


def test_matches_direct_loops_full_orders_one_species():
    rng = np.random.default_rng(5)
    atoms = Atoms("Si5", positions=rng.uniform(-2.0, 2.0, size=(5, 3)))
    rep = CHSFMix(["Si"], n_max=9, l_max=9)
    ref = reference(atoms, ["Si"], 9, 9, RC, {"Si": 1.0}, True)
    got = rep.compute(atoms)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_custom_weights_and_mix_starts_with_chsf(cluster):
    w = {"Si": 0.3, "C": -1.7}
    chsf = CHSF(["Si", "C"], n_max=3, l_max=3, species_weights=w)
    mix = CHSFMix(["Si", "C"], n_max=3, l_max=3, species_weights=w)
    ref = reference(cluster, ["C", "Si"], 3, 3, RC, w, False)
    a, b = chsf.compute(cluster), mix.compute(cluster)
    np.testing.assert_allclose(a, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    half = chsf.n_features // 2
    mhalf = mix.n_features // 2
    np.testing.assert_array_equal(b[:, :half], a[:, :half])
    np.testing.assert_array_equal(b[:, mhalf : mhalf + half], a[:, half:])


def test_feature_counts():
    si = bulk("Si", "diamond", a=5.43, cubic=True)
    assert CHSF(["Si"]).compute(si).shape == (8, 20)
    assert CHSF(["Al", "Ni", "Cu"]).n_features == 40
    assert CHSFMix(["Si"]).n_features == 20 + 55 * 10
    assert CHSFMix(["Al", "Ni", "Cu"]).n_features == 2 * (20 + 55 * 10)
    assert build("CHSF", ["Si"]).n_features == 20
    assert build("CHSF-mix", ["Si"], {"n_max": 6, "l_max": 6}).n_features == 14 + 28 * 7


def test_aenet_type_spins():
    assert CHSF(["Al", "Ni", "Cu"], species_weights="aenet").weights == {"Al": -1.0, "Ni": 0.0, "Cu": 1.0}
    assert CHSF(["C", "H"], species_weights="aenet").weights == {"H": -1.0, "C": 1.0}


#: (class, species, parameters, the key the message must name, checked without species)
BAD = [
    (CHSF, ["Si"], {"backend": "fortran"}, "backend", True),
    (CHSF, ["Si"], {"nmax": 3}, "nmax", True),  # a typo
    (CHSF, ["Si"], {"n": 3, "n_max": 4}, "n_max", True),  # old and new name
    (CHSF, ["Si"], {"n_max": -1}, "n_max", True),
    (CHSF, ["Si"], {"l": 2.5}, "l_max", True),
    (CHSF, ["Si"], {"l_max": True}, "l_max", True),
    (CHSF, ["Si"], {"cutoff": 0}, "cutoff", True),
    (CHSF, ["Si"], {"species_weights": "spins"}, "species_weights", True),
    (CHSF, ["Si", "C"], {"species_weights": {"Si": 1.0}}, "species_weights", False),
    (CHSF, ["Si"], {"species_order": ["Si"]}, "species_order", True),  # not aenet weights
    (CHSF, ["Si"], {"radial_cutoff": 8.0, "angular_cutoff": 6.5, "backend": "julia"}, "backend", True),
    (CHSF, ["Si"], {"multi_species": {"radial_Rc": 8.0}}, "multi_species.radial_Rc", True),
    (CHSF, ["Si"], {"multi_species": {"n": -2}}, "multi_species.n_max", True),
    (CHSF, ["Si"], {"multi_species": {"species_weights": "spin"}}, "multi_species.species_weights", True),
    (CHSF, ["Si"], {"multi_species": {"l": 3, "l_max": 3}}, "l_max", True),
    (CHSF, ["Si"], {"multi_species": {"backend": "julia"}}, "multi_species.backend", True),
    (CHSF, ["Si"], {"multi_species": [("n", 3)]}, "multi_species", True),
    (CHSF, ["Si"], {"backend": "julia", "multi_species": {"radial_cutoff": 8.0}}, "backend", True),
    (CHSFMix, ["Si"], {"backend": "julia"}, "backend", True),
    (CHSFMix, ["Si"], {"multi_species": {"radial_cutoff": 8.0}}, "multi_species.radial_cutoff", True),
    (CHSFMix, ["Si"], {"n_max": 31}, "n_max", True),
]


@pytest.mark.parametrize("cls, species, params, key, without_species", BAD)
def test_bad_params_one_line_naming_the_key(cls, species, params, key, without_species):
    with pytest.raises(ConfigError) as exc:
        build(cls.name, species, params)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"representations.{cls.name}")
    assert key in message
    if without_species:  # config validation: the same error without building anything
        with pytest.raises(ConfigError) as exc2:
            cls.resolve_params(params)
        assert str(exc2.value) == message


def test_old_names_give_the_same_matrix(cluster, caplog, monkeypatch):
    """n and l (also inside multi_species) are the old names of n_max and l_max: same
    numbers, recorded under the new names, one deprecation line per old key."""
    import logging

    from descriptor_study.representations import spec

    monkeypatch.setattr(spec, "_warned", set())  # the lines are logged once per process
    old = {"n": 4, "l": 3, "multi_species": {"n": 5, "radial_cutoff": 5.0}}
    new = {"n_max": 4, "l_max": 3, "multi_species": {"n_max": 5, "radial_cutoff": 5.0}}
    with caplog.at_level(logging.WARNING, logger="descriptor_study"):
        for species in (["Si"], ["Si", "C"]):
            a = build("CHSF", species, old)
            b = build("CHSF", species, new)
            atoms = cluster if len(species) > 1 else Atoms("Si6", positions=cluster.positions)
            np.testing.assert_array_equal(a.compute(atoms), b.compute(atoms))
            assert a.params == b.params
            assert "n" not in a.params
            assert a.params["multi_species"] == {"n_max": 5, "radial_cutoff": 5.0}
    assert (a.n_max, a.l_max, a.radial_cutoff, a.angular_cutoff) == (5, 3, 5.0, 6.5)
    assert sorted(r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()) == [
        "representations.CHSF.l is deprecated: use l_max",
        "representations.CHSF.multi_species.n is deprecated: use n_max",
        "representations.CHSF.n is deprecated: use n_max",
    ]


def test_mix_is_sensitive_where_protocol_form_is_not_symmetric(cluster):
    """The symmetrised tensor differs from the j<k form, which is not permutation
    invariant: reversing the atom order changes the j<k sum but not ours."""
    n, l = 2, 2
    rep = CHSFMix(["Si", "C"], n_max=n, l_max=l)
    i = 0
    pos = cluster.positions
    rc = RC

    def jk_form(order):
        D = np.zeros((n + 1, n + 1, l + 1))
        for jj, j in enumerate(order):
            for k in order[jj + 1 :]:
                dj, dk = pos[j] - pos[i], pos[k] - pos[i]
                rj, rk = np.linalg.norm(dj), np.linalg.norm(dk)
                x = (2 * dj @ dk / (rj * rk) - math.pi) / math.pi
                for a in range(n + 1):
                    for b in range(n + 1):
                        for c in range(l + 1):
                            D[a, b, c] += (
                                _T(a, (2 * rj - rc) / rc)
                                * _fc(rj, rc)
                                * _T(b, (2 * rk - rc) / rc)
                                * _fc(rk, rc)
                                * _T(c, x)
                            )
        return D

    fwd = jk_form([1, 2, 3, 4, 5])
    bwd = jk_form([5, 4, 3, 2, 1])
    assert np.abs(fwd - bwd).max() > 1e-3 * np.abs(fwd).max()  # the j<k form is order dependent
    sym = fwd + np.swapaxes(fwd, 0, 1)
    np.testing.assert_allclose(sym, bwd + np.swapaxes(bwd, 0, 1), rtol=1e-12, atol=1e-12)
    iu, ju = np.triu_indices(n + 1)
    got = rep.compute(cluster, centers=[i])[0]
    start = (n + 1) + (l + 1)
    block = got[start : start + len(iu) * (l + 1)].reshape(len(iu), l + 1)
    np.testing.assert_allclose(block, sym[iu, ju], rtol=1e-12, atol=1e-12 * np.abs(sym).max())


@pytest.mark.parametrize("cls", [CHSF, CHSFMix])
def test_centres_equal_full_rows(cls):
    si = bulk("Si", "diamond", a=5.43, cubic=True).repeat((4, 4, 4))
    si.positions[17] += [0.05, -0.02, 0.01]
    rep = cls(["Si"], n_max=6, l_max=6)
    full = rep.compute(si)
    idx = [17, 300, 17, 511]
    sub = rep.compute(si, centers=idx)
    np.testing.assert_allclose(sub, full[idx], rtol=1e-12, atol=1e-12 * np.abs(full).max())
    # the 46 neighbours of an ideal site
    ideal = bulk("Si", "diamond", a=5.43, cubic=True).repeat((4, 4, 4))
    r0 = rep.compute(ideal, centers=[0])
    np.testing.assert_allclose(r0, rep.compute(ideal, centers=[100]), rtol=1e-12)


def test_centres_small_skewed_cell(rattled_cell):
    """Centre enumeration on a triclinic cell far smaller than the cutoff."""
    atoms = bulk("Cu", "fcc", a=3.6)  # primitive, 1 atom
    atoms = atoms.repeat((1, 2, 1))
    atoms.positions[1] += [0.1, 0.05, -0.07]
    atoms.set_chemical_symbols(["Cu", "Ni"])
    atoms.positions[1] += 3 * atoms.cell[0] - 2 * atoms.cell[2]  # unwrapped, far outside
    rep = CHSFMix(["Ni", "Cu"], n_max=4, l_max=4)
    full = rep.compute(atoms)
    np.testing.assert_allclose(
        rep.compute(atoms, centers=[1, 0]), full[[1, 0]], rtol=1e-11, atol=1e-12 * np.abs(full).max()
    )
    # mixed boundary conditions
    slab = rattled_cell.copy()
    slab.pbc = [True, False, True]
    rep3 = CHSF(["Al", "Ni", "Cu"])
    full = rep3.compute(slab)
    np.testing.assert_allclose(
        rep3.compute(slab, centers=[5, 2]), full[[5, 2]], rtol=1e-11, atol=1e-12 * np.abs(full).max()
    )


def test_isolated_atom_zero_row():
    atoms = Atoms("Si2", positions=[[0, 0, 0], [0, 0, 20.0]])
    assert np.all(CHSFMix(["Si"]).compute(atoms) == 0.0)


# --- Julia backend --------------------------------------------------------------------
def test_julia_backend_matches_numpy(rattled_cell):
    ok, why = julia_runtime()
    if not ok:
        pytest.skip(f"no Julia runtime: {why}")
    si = bulk("Si", "diamond", a=5.43, cubic=True)
    si.rattle(0.05, seed=2)
    for atoms, species in ((si, ["Si"]), (rattled_cell, ["Al", "Ni", "Cu"])):
        a = CHSF(species, backend="numpy").compute(atoms)
        b = CHSF(species, backend="julia").compute(atoms)
        # same formulas, different summation order: relative 1e-10 of the largest value
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10 * np.abs(a).max())


def test_load_julia_without_runtime_says_how_to_enable(monkeypatch):
    ok, _ = julia_runtime()
    if ok:
        pytest.skip("a Julia runtime is present")
    with pytest.raises(BackendError, match=r"pip install -e '\.\[julia\]'"):
        load_julia(["CHSF"])
    with pytest.raises(BackendError, match="backend: julia"):
        CHSF(["Si"], backend="julia").compute(bulk("Si", "diamond", a=5.43))


def test_julia_runtime_reports_bad_exe(monkeypatch, tmp_path):
    import importlib.util

    if importlib.util.find_spec("juliacall") is None:
        assert julia_runtime() == (False, "the Python package juliacall is not installed")
        return
    monkeypatch.setenv("PYTHON_JULIAPKG_EXE", str(tmp_path / "nojulia"))
    ok, why = julia_runtime()
    assert not ok and "PYTHON_JULIAPKG_EXE" in why


def test_import_does_not_load_juliacall():
    code = textwrap.dedent(
        """
        import sys
        from ase.build import bulk
        from descriptor_study.representations import build
        import descriptor_study.representations.chsf as chsf
        from descriptor_study.representations.julia_backend import julia_runtime
        julia_runtime()
        rep = build("CHSF", ["Si"])
        rep.compute(bulk("Si", "diamond", a=5.43))
        rep.library_versions()
        bad = [m for m in sys.modules if m.startswith(("juliacall", "juliapkg"))]
        assert not bad, bad
        print("clean")
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_env())
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "clean"


def _env():
    import os

    import descriptor_study

    env = dict(os.environ)
    src = str(__import__("pathlib").Path(descriptor_study.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    return env


def test_alnicu_subset_finite(alnicu_path):
    from ase.io import iread

    structures = [a for _, a in zip(range(40), iread(alnicu_path, index=":"))]
    for cls in (CHSF, CHSFMix):
        rep = cls(["Al", "Ni", "Cu"])
        mat, off = rep.compute_many(structures, progress=False)
        assert mat.shape == (off[-1], rep.n_features)
        assert np.isfinite(mat).all()
        # rows of one structure via the centre path agree with the full evaluation
        k = int(np.argmax(np.diff(off)))
        np.testing.assert_allclose(
            rep.compute(structures[k], centers=[0]),
            mat[off[k] : off[k] + 1],
            rtol=1e-11,
            atol=1e-12 * np.abs(mat).max(),
        )
