"""Regression: RR by QR, KRR against scikit-learn, RMSE per atom, the paper's split file,
the incremental KRR sweep and the cross-validated search."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from descriptor_study.errors import DatasetError
from descriptor_study.regression import (
    Problem,
    cohesive_targets,
    feature_sweep,
    isolated_atom_energies,
    kernel_ridge_fit_predict,
    normalise,
    read_split,
    read_targets,
    ridge_qr,
    rmse_per_atom,
    search_hyperparameters,
    sweep_sizes,
)


def test_ridge_qr_equals_normal_equations():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(80, 12))
    y = rng.normal(size=80)
    for lam in (1e-6, 0.3, 10.0):
        direct = np.linalg.solve(A.T @ A + lam * np.eye(12), A.T @ y)
        assert np.allclose(ridge_qr(A, y, lam), direct, rtol=1e-10, atol=1e-12)
    wide = rng.normal(size=(30, 90))  # more features than structures: the row-space route
    yw = rng.normal(size=30)
    for lam in (0.1, 0.3, 10.0):  # well-conditioned normal equations
        direct = np.linalg.solve(wide.T @ wide + lam * np.eye(90), wide.T @ yw)
        assert np.allclose(ridge_qr(wide, yw, lam), direct, rtol=1e-10, atol=1e-12)


def test_kernel_ridge_equals_scikit_learn():
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.metrics.pairwise import rbf_kernel

    rng = np.random.default_rng(1)
    Xtr, Xte = rng.normal(size=(60, 5)), rng.normal(size=(20, 5))
    y = np.sin(Xtr[:, 0]) + Xtr[:, 1] ** 2
    gamma, lam = 0.3, 1e-3
    ref = KernelRidge(alpha=lam, kernel="rbf", gamma=gamma).fit(Xtr, y).predict(Xte)
    (ours,) = kernel_ridge_fit_predict(rbf_kernel(Xtr, Xtr, gamma=gamma), y, [rbf_kernel(Xte, Xtr, gamma=gamma)], lam)
    assert np.allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_rmse_per_atom_by_hand():
    pred = np.array([-10.0, -21.0, -5.5])
    true = np.array([-10.4, -20.0, -5.0])
    n = np.array([2, 4, 1])
    # per-atom errors 0.2, -0.25, -0.5
    assert rmse_per_atom(pred, true, n) == pytest.approx(np.sqrt((0.04 + 0.0625 + 0.25) / 3), rel=1e-14)


def test_paper_split_is_read_exactly(shared_datasets):
    path = shared_datasets / "Si-GAP-RR" / "train_test_split_list.txt"
    first = int(path.read_text().split()[0])
    train, test = read_split(path)
    assert first == 1973 and len(train) == 1973 and len(test) == 2466 - 1973
    assert set(train).isdisjoint(test) and sorted(np.concatenate([train, test])) == list(range(2466))
    assert train[0] == int(path.read_text().split()[1])


def test_paper_targets_file(shared_datasets):
    table = read_targets(shared_datasets / "Si-GAP-RR" / "targets.txt")
    assert (table["code"] == 1).sum() == 2466
    assert table["n_atoms"].iloc[0] == 1 and table["energy"].iloc[0] == pytest.approx(-158.54496821)


def test_bad_split_file(tmp_path):
    path = tmp_path / "split.txt"
    path.write_text("3\n0\n1\n1\n2\n")
    with pytest.raises(DatasetError, match="split.txt: an index appears twice"):
        read_split(path)
    path.write_text("9\n0\n1\n")
    with pytest.raises(DatasetError, match="training count 9"):
        read_split(path)


def test_cohesive_targets_and_missing_energy():
    si = Atoms("Si", positions=[[0, 0, 0]], pbc=False)
    si.info["energy"] = -1.5
    pair = Atoms("Si2", positions=[[0, 0, 0], [2.3, 0, 0]], pbc=False)
    pair.info["energy"] = -7.0
    e0 = isolated_atom_energies([si, pair])
    assert e0 == {"Si": -1.5}
    assert cohesive_targets([si, pair], e0).tolist() == [0.0, -4.0]
    bare = Atoms("Si2", positions=[[0, 0, 0], [2.3, 0, 0]], pbc=False)
    with pytest.raises(DatasetError, match="set.extxyz: structure 1 has no energy"):
        cohesive_targets([si, bare], e0, source="set.extxyz")
    with pytest.raises(DatasetError, match=r"no isolated-atom energy E0 for \['Ge'\]"):
        cohesive_targets([Atoms("Ge", info={"energy": 1.0})], e0)


def _problem(seed=2, n=120, d=15):
    rng = np.random.default_rng(seed)
    X = np.abs(rng.normal(size=(n, d)))
    n_atoms = rng.integers(1, 9, size=n).astype(float)
    y = X @ rng.normal(size=d) + 0.1 * np.sin(X[:, 0] * 3)
    order = rng.permutation(n)
    return Problem(X, y, n_atoms, order[:90], order[90:])


def test_krr_sweep_matches_direct_recompute():
    from sklearn.metrics.pairwise import rbf_kernel

    P = _problem()
    ranking = np.random.default_rng(3).permutation(P.X.shape[1])
    hyper = {"krr_lambda": 1e-4, "krr_gamma": 0.2}
    sweep = feature_sweep(P, ranking, "krr", hyper, [1, 2, 5, 9, 15])
    for n in (2, 9, 15):
        Xtr, Xte = normalise(P.X[P.train][:, ranking[:n]], P.X[P.test][:, ranking[:n]])
        ptr, pte = kernel_ridge_fit_predict(rbf_kernel(Xtr, Xtr, gamma=0.2), P.y[P.train],
                                            [rbf_kernel(Xtr, Xtr, gamma=0.2), rbf_kernel(Xte, Xtr, gamma=0.2)], 1e-4)
        row = sweep[sweep["n"] == n].iloc[0]
        assert row["train_rmse"] == pytest.approx(rmse_per_atom(ptr, P.y[P.train], P.n_atoms[P.train]), rel=1e-9)
        assert row["test_rmse"] == pytest.approx(rmse_per_atom(pte, P.y[P.test], P.n_atoms[P.test]), rel=1e-9)


def test_rr_sweep_improves_with_features():
    P = _problem()
    sweep = feature_sweep(P, np.arange(15), "rr", {"rr_lambda": 1e-8}, range(1, 16))
    assert sweep["train_rmse"].iloc[-1] < 0.2 * sweep["train_rmse"].iloc[0]


def test_cross_validation_finds_the_unambiguous_lambda():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 10))
    y = X @ rng.normal(size=10)  # noiseless and linear: the smallest λ wins
    P = Problem(X, y, np.ones(200), np.arange(150), np.arange(150, 200))
    assert search_hyperparameters(P, "rr", lambdas=[1e-8, 1e-2, 1e2])["rr_lambda"] == 1e-8
    noise = Problem(X, rng.normal(size=200), np.ones(200), np.arange(150), np.arange(150, 200))
    assert search_hyperparameters(noise, "rr", lambdas=[1e-8, 1e-2, 1e4])["rr_lambda"] == 1e4  # pure noise: shrink


def test_sweep_sizes():
    s = sweep_sizes(450, 65)
    assert s[:65].tolist() == list(range(1, 66)) and s[-1] == 450 and np.all(np.diff(s) > 0)
    assert sweep_sizes(20, 65).tolist() == list(range(1, 21))


def _two_species_study(tmp_path):
    """A Si–C dataset, its stored representation, a CUR ranking and a targets file whose
    code-2 line (a Ge atom) is left out."""
    import pandas as pd

    from descriptor_study import storage
    from descriptor_study.datasets.io import write_structures

    formulas = ["Si2C", "SiC2", "C", "Si3", "Ge", "Si2C2", "SiC", "C3"]
    energies = [-215.0, -125.0, -8.0, -301.5, -40.0, -232.0, -110.0, -25.0]
    codes = [1, 1, 1, 1, 2, 1, 1, 1]
    structures = []
    for formula in formulas:
        atoms = Atoms(formula)
        atoms.positions = np.arange(len(atoms))[:, None] * np.array([2.0, 0.3, 0.0])
        structures.append(atoms)
    write_structures(tmp_path / "mine.extxyz", structures)
    (tmp_path / "targets.txt").write_text(
        "# n_atoms energy code\n" + "".join(f"{len(a)} {e} {c}\n" for a, e, c in zip(structures, energies, codes)))
    n_atoms = np.array([len(a) for a in structures])
    matrix = np.random.default_rng(0).normal(size=(n_atoms.sum(), 3))
    storage.write(tmp_path / "mine.h5", storage.StoredRepresentation(
        matrix=matrix, offsets=np.concatenate([[0], np.cumsum(n_atoms)]), n_atoms=n_atoms, representation="R",
        dataset="mine", species=["C", "Si", "Ge"], params={}, versions={}))
    pd.DataFrame({"feature": [2, 0, 1]}).to_csv(tmp_path / "ranking.csv", index=False)
    return dict(model="rr", h5=tmp_path / "mine.h5", ranking_csv=tmp_path / "ranking.csv",
                dataset_path=tmp_path / "mine.extxyz", out_csv=tmp_path / "out.csv", dataset="mine",
                representation="R", hyper={"rr_lambda": 1e-6}, split={"train_fraction": 0.5, "seed": 0},
                targets={"file": str(tmp_path / "targets.txt"), "code": 1})


def test_targets_file_route_subtracts_e0_of_every_species(tmp_path, monkeypatch):
    from descriptor_study import pipeline, regression

    seen = []
    real = regression.feature_sweep
    monkeypatch.setattr(regression, "feature_sweep", lambda problem, *a, **k: seen.append(problem) or real(problem, *a, **k))
    study = _two_species_study(tmp_path)
    e0 = {"Si": -100.0, "C": -7.5}
    df = pipeline.regress_dataset(**study, e0=e0)
    # by hand: E − (N_Si·E0_Si + N_C·E0_C) for the code-1 lines (Ge, code 2, left out)
    expected = [
        -215.0 - (2 * -100.0 + 1 * -7.5),   # Si2C  → -7.5
        -125.0 - (1 * -100.0 + 2 * -7.5),   # SiC2  → -10.0
        -8.0 - (1 * -7.5),                  # C     → -0.5
        -301.5 - (3 * -100.0),              # Si3   → -1.5
        -232.0 - (2 * -100.0 + 2 * -7.5),   # Si2C2 → -17.0
        -110.0 - (1 * -100.0 + 1 * -7.5),   # SiC   → -2.5
        -25.0 - (3 * -7.5),                 # C3    → -2.5
    ]
    assert expected == [-7.5, -10.0, -0.5, -1.5, -17.0, -2.5, -2.5]
    assert np.allclose(seen[0].y, expected, rtol=0, atol=1e-12)
    assert seen[0].n_atoms.tolist() == [3, 3, 1, 3, 4, 2, 3]
    assert df["n"].tolist() == [1, 2, 3] and (tmp_path / "out.csv").is_file()


def test_targets_file_route_names_the_missing_e0(tmp_path):
    from descriptor_study import pipeline
    from descriptor_study.errors import ConfigError

    study = _two_species_study(tmp_path)
    with pytest.raises(ConfigError, match=r"^datasets\.mine\.e0: no isolated-atom energy for C \("):
        pipeline.regress_dataset(**study, e0={"Si": -100.0})
    with pytest.raises(ConfigError, match=r"^datasets\.mine\.e0: no isolated-atom energy for C, Si \("):
        pipeline.regress_dataset(**study, e0=None)
