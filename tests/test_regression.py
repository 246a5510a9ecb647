"""Regression: RR by QR, KRR against scikit-learn, RMSE per atom, the paper's split file,
the incremental KRR sweep, the per-size cross-validation and the failed-fit rows."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from descriptor_study.errors import DatasetError
from descriptor_study.jobs import RegressionTableJob, RegressJob
from descriptor_study.plan import N_TOP
from descriptor_study.regression.models import (
    Problem,
    fit_status,
    kernel_ridge_fit_predict,
    normalise,
    ridge_qr,
    rmse_per_atom,
)
from descriptor_study.regression.search import cross_validate, search_hyperparameters
from descriptor_study.regression.sweep import feature_sweep, sweep_sizes
from descriptor_study.regression.targets import cohesive_targets, isolated_atom_energies
from descriptor_study.splits import read_split, read_targets


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
        ptr, pte = kernel_ridge_fit_predict(
            rbf_kernel(Xtr, Xtr, gamma=0.2),
            P.y[P.train],
            [rbf_kernel(Xtr, Xtr, gamma=0.2), rbf_kernel(Xte, Xtr, gamma=0.2)],
            1e-4,
        )
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
        "# n_atoms energy code\n" + "".join(f"{len(a)} {e} {c}\n" for a, e, c in zip(structures, energies, codes))
    )
    n_atoms = np.array([len(a) for a in structures])
    matrix = np.random.default_rng(0).normal(size=(n_atoms.sum(), 3))
    storage.write(
        tmp_path / "mine.h5",
        storage.StoredRepresentation(
            matrix=matrix,
            offsets=np.concatenate([[0], np.cumsum(n_atoms)]),
            n_atoms=n_atoms,
            representation="R",
            dataset="mine",
            species=["C", "Si", "Ge"],
            params={},
            versions={},
        ),
    )
    pd.DataFrame({"feature": [2, 0, 1]}).to_csv(tmp_path / "ranking.csv", index=False)
    return dict(
        model="rr",
        h5=tmp_path / "mine.h5",
        ranking_csv=tmp_path / "ranking.csv",
        dataset_path=tmp_path / "mine.extxyz",
        out_csv=tmp_path / "out.csv",
        dataset="mine",
        representation="R",
        hyper={"rr_lambda": 1e-6},
        split={"train_fraction": 0.5, "seed": 0},
        targets={"file": str(tmp_path / "targets.txt"), "code": 1},
        n_top=N_TOP,
    )


def test_targets_file_route_subtracts_e0_of_every_species(tmp_path, monkeypatch):
    from descriptor_study.regression import sweep
    from descriptor_study.stages import regression as stage

    seen = []
    real = sweep.feature_sweep
    monkeypatch.setattr(sweep, "feature_sweep", lambda problem, *a, **k: seen.append(problem) or real(problem, *a, **k))
    study = _two_species_study(tmp_path)
    e0 = {"Si": -100.0, "C": -7.5}
    df = stage.regress_dataset(RegressJob(**study, e0=e0))
    # by hand: E − (N_Si·E0_Si + N_C·E0_C) for the code-1 lines (Ge, code 2, left out)
    expected = [
        -215.0 - (2 * -100.0 + 1 * -7.5),  # Si2C  → -7.5
        -125.0 - (1 * -100.0 + 2 * -7.5),  # SiC2  → -10.0
        -8.0 - (1 * -7.5),  # C     → -0.5
        -301.5 - (3 * -100.0),  # Si3   → -1.5
        -232.0 - (2 * -100.0 + 2 * -7.5),  # Si2C2 → -17.0
        -110.0 - (1 * -100.0 + 1 * -7.5),  # SiC   → -2.5
        -25.0 - (3 * -7.5),  # C3    → -2.5
    ]
    assert expected == [-7.5, -10.0, -0.5, -1.5, -17.0, -2.5, -2.5]
    assert np.allclose(seen[0].y, expected, rtol=0, atol=1e-12)
    assert seen[0].n_atoms.tolist() == [3, 3, 1, 3, 4, 2, 3]
    assert df["n"].tolist() == [1, 2, 3] and (tmp_path / "out.csv").is_file()


def test_targets_file_route_names_the_missing_e0(tmp_path):
    from descriptor_study.errors import ConfigError
    from descriptor_study.stages.regression import regress_dataset

    study = _two_species_study(tmp_path)
    with pytest.raises(ConfigError, match=r"^datasets\.mine\.e0: no isolated-atom energy for C \("):
        regress_dataset(RegressJob(**study, e0={"Si": -100.0}))
    with pytest.raises(ConfigError, match=r"^datasets\.mine\.e0: no isolated-atom energy for C, Si \("):
        regress_dataset(RegressJob(**study, e0=None))


# --- issue 12, defect 10: blown-up fits, hyperparameters chosen where they are used -----------


def _tail_problem(seed=5, N=100, ntr=80, d=12, k=6):
    """The AlNiCu-demo MBTR case in small: ``d`` informative features, then ``k`` Gaussian-tail
    features whose values are ~1e-29..1e-24 on two training structures and ~1e-14 on three
    test structures (MBTR's k=3 bins far from any training angle)."""
    rng = np.random.default_rng(seed)
    X = np.abs(rng.normal(size=(N, d)))
    y = X @ rng.normal(size=d) + 0.05 * rng.normal(size=N)
    tails = np.zeros((N, k))
    for j in range(k):
        tails[rng.choice(ntr, size=2, replace=False), j] = 10.0 ** rng.uniform(-29, -24, size=2)
        tails[ntr + rng.choice(N - ntr, size=3, replace=False), j] = 10.0 ** rng.uniform(-15, -14, size=3)
    return Problem(np.hstack([X, tails]), y, np.ones(N), np.arange(ntr), np.arange(ntr, N))


def test_rounding_level_features_do_not_blow_up_the_fit():
    """Dividing a feature by a training RMS of 1e-27 made test values 1e13 training-RMS wide: the
    old sweep's test RMSE reached 5e10 for every λ (1e-11 cross-validated, as on AlNiCu-demo)."""
    P = _tail_problem()
    zero_model = np.sqrt(np.mean(P.y[P.test] ** 2))
    ranking = np.arange(P.X.shape[1])
    for lam in (1e-11, 1e-3, 100.0):
        sweep = feature_sweep(P, ranking, "rr", {"rr_lambda": lam}, range(1, 19))
        assert sweep["test_rmse"].max() < zero_model
        # the tail features add nothing: the curve stays where the 12 informative ones left it
        assert np.allclose(sweep["test_rmse"].iloc[12:], sweep["test_rmse"].iloc[11], rtol=1e-6)
        assert (sweep["status"] == "ok").all()
    for model in ("rr", "krr"):
        sweep = feature_sweep(P, ranking, model, cross_validate(P, ranking, model, range(1, 19)), range(1, 19))
        assert sweep["test_rmse"].iloc[11:].max() < 0.1 and (sweep["status"] == "ok").all()  # noise 0.05
    Xtr, Xte = normalise(P.X[P.train], P.X[P.test])
    assert np.array_equal(Xtr[:, 12:], P.X[P.train][:, 12:]) and np.array_equal(Xte[:, 12:], P.X[P.test][:, 12:])
    assert np.allclose(np.sqrt(np.mean(Xtr[:, :12] ** 2, axis=0)), 1.0, rtol=1e-12)


def _signal_problem(seed=2, N=160, ntr=120, p=600, k=5):
    """Random features, the target a linear function of the first k of them plus noise 0.1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, p))
    y = X[:, :k] @ rng.normal(size=k) + 0.1 * rng.normal(size=N)
    return Problem(X, y, np.ones(N), np.arange(ntr), np.arange(ntr, N))


def test_hyperparameters_are_chosen_at_each_size():
    """The λ cross-validated with all 600 features (100) applied at n = 5 gives a test RMSE 13×
    the noise; chosen at n = 5 it reaches the noise."""
    P = _signal_problem()
    ranking = np.arange(P.X.shape[1])
    sizes = [5, 20, 60, 120, 200, 600]
    one = search_hyperparameters(P, "rr")
    assert one == {"rr_lambda": 100.0}
    fixed = feature_sweep(P, ranking, "rr", one, sizes)
    chosen = cross_validate(P, ranking, "rr", sizes)
    per_size = feature_sweep(P, ranking, "rr", chosen, sizes)
    assert fixed["test_rmse"].iloc[0] > 1.0 and per_size["test_rmse"].iloc[0] < 0.15
    assert (per_size["test_rmse"] <= fixed["test_rmse"] * 1.05).all()
    assert chosen["n"].tolist() == sizes and per_size["rr_lambda"].tolist() == chosen["rr_lambda"].tolist()
    assert chosen["rr_lambda"].nunique() > 1 and chosen["rr_lambda"].iloc[-1] == 100.0


def _brute_force_cv(P, ranking, n, model, lam, gamma=None, folds=5, seed=0):
    """Mean validation RMSE per atom over the folds, each fit refitted from scratch."""
    from sklearn.metrics.pairwise import rbf_kernel

    from descriptor_study.regression.folds import _folds

    Xtr, y, na = P.X[P.train][:, ranking[:n]], P.y[P.train], P.n_atoms[P.train]
    errs = []
    for fit, val in _folds(len(y), folds, seed):
        A, B = normalise(Xtr[fit], Xtr[val])
        if model == "rr":
            pred = B @ ridge_qr(A, y[fit], lam)
        else:
            (pred,) = kernel_ridge_fit_predict(
                rbf_kernel(A, A, gamma=gamma), y[fit], [rbf_kernel(B, A, gamma=gamma)], lam
            )
        errs.append(rmse_per_atom(pred, y[val], na[val]))
    return float(np.mean(errs))


def test_cross_validation_equals_refitting_every_fold():
    """One SVD (RR) or eigendecomposition (KRR) per fold and size gives the errors of refitting
    every candidate, and the chosen candidate is the grid's best."""
    P = _problem()
    ranking = np.random.default_rng(3).permutation(P.X.shape[1])
    lambdas = [1e-6, 1e-3, 1e-1, 10.0]
    table = cross_validate(P, ranking, "rr", [2, 7, 15], lambdas=lambdas)
    for _, row in table.iterrows():
        errs = [_brute_force_cv(P, ranking, int(row["n"]), "rr", lam) for lam in lambdas]
        assert row["rr_lambda"] == lambdas[int(np.argmin(errs))]
        assert row["cv_rmse"] == pytest.approx(min(errs), rel=1e-8)
    gammas = [0.05, 0.5]
    table = cross_validate(P, ranking, "krr", [3, 15], lambdas=lambdas, gammas=gammas)
    for _, row in table.iterrows():
        grid = [(lam, g) for lam in lambdas for g in gammas]
        errs = [_brute_force_cv(P, ranking, int(row["n"]), "krr", lam, g) for lam, g in grid]
        assert (row["krr_lambda"], row["krr_gamma"]) == grid[int(np.argmin(errs))]
        assert row["cv_rmse"] == pytest.approx(min(errs), rel=1e-6)


def _smooth_problem(seed=0, N=160, ntr=120, p=300, width=0.1):
    """Gaussian bumps of one variable on a grid: smooth, nearly collinear features (numerical
    rank ~20 of 300), target sin(6t) + noise 0.01."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1, size=N)
    X = np.exp(-(((t[:, None] - np.linspace(0, 1, p)[None, :]) / width) ** 2))
    y = np.sin(6 * t) + 0.01 * rng.normal(size=N)
    return Problem(X, y, np.ones(N), np.arange(ntr), np.arange(ntr, N))


def test_fixed_hyperparameters_mark_unusable_fits_failed():
    """With λ from config too small for the matrix, the solver's factor is singular at working
    precision: those rows say so, carry no RMSE, and the rows that are fine keep their numbers;
    per-size cross-validation on the same problem fails nowhere. (The old sweep drew the RR
    rows as results and ended the KRR one in a LinAlgError traceback.)"""
    P = _smooth_problem()
    ranking = np.random.default_rng(1).permutation(P.X.shape[1])
    sizes = [3, 5, 10, 20, 40, 60, 100, 120, 150, 200, 300]
    rr = feature_sweep(P, ranking, "rr", {"rr_lambda": 1e-30}, sizes)
    failed = rr["status"] != "ok"
    assert failed.sum() >= 5 and not failed.iloc[:3].any()
    pattern = r"failed: ill-conditioned \[A; √λ I\] \(rcond \S+ < machine epsilon\)"
    assert rr.loc[failed, "status"].str.match(pattern).all()
    assert rr.loc[failed, ["train_rmse", "test_rmse"]].isna().all().all()
    assert rr.loc[~failed, ["train_rmse", "test_rmse"]].notna().all().all()
    for n in rr.loc[~failed, "n"]:  # the rows that are kept equal a direct solve
        Xtr, Xte = normalise(P.X[P.train][:, ranking[:n]], P.X[P.test][:, ranking[:n]])
        c = np.linalg.lstsq(Xtr, P.y[P.train], rcond=None)[0]
        assert rr.loc[rr["n"] == n, "test_rmse"].iloc[0] == pytest.approx(
            rmse_per_atom(Xte @ c, P.y[P.test], P.n_atoms[P.test]), rel=1e-6
        )
    krr = feature_sweep(P, ranking, "krr", {"krr_lambda": 1e-15, "krr_gamma": 0.01}, sizes)
    assert (krr["status"] != "ok").all() and krr["test_rmse"].isna().all()
    assert krr["status"].str.match(r"failed: (ill-conditioned K \+ λI|K \+ λI could not be factorised)").all()
    for model in ("rr", "krr"):
        sweep = feature_sweep(P, ranking, model, cross_validate(P, ranking, model, sizes), sizes)
        assert (sweep["status"] == "ok").all()
        assert sweep["test_rmse"].iloc[4:].max() < 0.05  # noise 0.01; zero model 0.7


def test_fit_status_criteria():
    y = np.array([1.0, -2.0, 0.5])
    assert fit_status(y, y + 0.1) == "ok"
    assert fit_status(y, np.zeros(3)) == "ok"  # the zero model itself
    assert fit_status(y, -y).startswith("failed: training residual 4.583 above the zero model's 2.291")
    assert fit_status(y, y, (np.array([np.inf]),)) == "failed: non-finite solution"
    assert fit_status(y, y, rcond=1e-17).startswith("failed: ill-conditioned")
    assert fit_status(y, y, rcond=1e-15) == "ok"


def test_best_rmse_table_and_figure9_skip_failed_fits(tmp_path, monkeypatch):
    import pandas as pd

    from descriptor_study.plotting import regression as fig9
    from descriptor_study.regression.table import best_rmse_table

    ok = pd.DataFrame(
        {
            "n": [1, 2, 3, 4],
            "train_rmse": [0.3, 0.2, 0.1, 0.1],
            "test_rmse": [0.4, 0.3, 0.2, 0.25],
            "percent": [25.0, 50.0, 75.0, 100.0],
            "status": ["ok"] * 4,
            "heldout_rmse": [0.5, 0.35, 0.3, 0.32],
        }
    )
    bad = ok.copy()
    bad.loc[[2, 3], ["train_rmse", "test_rmse"]] = np.nan
    bad.loc[[2, 3], "status"] = "failed: ill-conditioned [A; √λ I] (rcond 1e-18 < machine epsilon)"
    bad.loc[[2, 3], "heldout_rmse"] = np.nan
    # no status or heldout column (written before them)
    old_style = ok.drop(columns=["status", "heldout_rmse"]).assign(test_rmse=[0.5, 7e9, 0.45, np.nan])
    table = best_rmse_table({("rr", "D", "A"): ok, ("rr", "D", "B"): bad, ("krr", "D", "C"): old_style})
    rows = {r["representation"]: r for _, r in table.iterrows()}
    # A: the smallest held-out error is at n = 3 (0.3), so its test RMSE is the one reported
    # there (0.2), not the smallest test RMSE of a size chosen by looking at it
    assert rows["A"]["n_chosen"] == 3 and rows["A"]["test_rmse"] == 0.2 and rows["A"]["heldout_rmse"] == 0.3
    assert rows["B"]["test_rmse"] == 0.3 and rows["B"]["n_chosen"] == 2 and rows["B"]["failed_fits"] == 2
    assert np.isnan(rows["B"]["full_test_rmse"]) and rows["A"]["full_test_rmse"] == 0.25
    assert rows["A"]["failed_fits"] == 0 and rows["C"]["failed_fits"] == 1
    assert pd.isna(rows["C"]["n_chosen"]) and np.isnan(rows["C"]["test_rmse"])  # nothing to choose by

    # the rule's stage: the same table from the sweep files, named by their records, written
    from descriptor_study.stages.regression import regression_table

    records = []
    for (model, rep), df in {("rr", "A"): ok, ("rr", "B"): bad, ("krr", "C"): old_style}.items():
        df.to_csv(tmp_path / f"sweep{len(records)}.csv", index=False)
        records.append({"model": model, "dataset": "D", "rep": rep, "path": tmp_path / f"sweep{len(records)}.csv"})
    csv, md = tmp_path / "best.csv", tmp_path / "best.md"
    written = regression_table(RegressionTableJob(records, csv, md))
    pd.testing.assert_frame_equal(written, table)
    assert md.read_text().startswith("Test RMSE at the size chosen by cross-validation on the training set\n\n")

    figures = []
    monkeypatch.setattr(fig9, "save", lambda fig, stem: figures.append(fig) or [])
    fig9.figure9({"rr": {"SOAP": bad, "ACSF": ok}, "krr": {"SOAP": ok}}, tmp_path / "f9", "D", n_top=3)
    (fig,) = figures
    rr_full = fig.axes[1]
    notes = [t.get_text() for t in rr_full.texts]
    assert notes == ["failed fits, not drawn: SOAP 2"]
    assert [t.get_text() for t in fig.axes[0].texts] == ["failed fits, not drawn: SOAP 1"]  # top 3: n = 3 only
    assert len(fig.axes[3].texts) == 0 and len(fig.axes[2].texts) == 0
    drawn = [line.get_ydata() for line in rr_full.get_lines()]
    assert any(np.array_equal(np.asarray(d, float), [0.3, 0.2, np.nan, np.nan], equal_nan=True) for d in drawn)


def test_search_route_holds_one_choice_and_records_it(tmp_path, caplog):
    """The default route: one λ chosen by cross-validation at the full feature count, the same
    in every row, its source in the CSV and the grid in the log; the held-out error of the
    last row is the grid's value of the chosen λ (same folds, same scaling)."""
    import logging

    import pandas as pd

    from descriptor_study.regression.search import LAMBDA_GRID
    from descriptor_study.stages.regression import regress_dataset

    study = _two_species_study(tmp_path)
    study.update(hyper=None, search=True, split={"train_fraction": 0.6, "seed": 0})
    with caplog.at_level(logging.INFO, logger="descriptor_study.regression.search"):
        df = regress_dataset(RegressJob(**study, e0={"Si": -100.0, "C": -7.5}))
    written = pd.read_csv(tmp_path / "out.csv")
    cols = ["n", "train_rmse", "test_rmse", "percent", "rr_lambda", "status", "heldout_rmse", "hyperparameters_from"]
    assert list(written.columns) == cols
    assert written["n"].tolist() == [1, 2, 3] and (written["status"] == "ok").all()
    assert written["rr_lambda"].nunique() == 1 and written["rr_lambda"].iloc[0] in LAMBDA_GRID
    assert (written["hyperparameters_from"] == "cross-validation at all 3 features").all()
    assert df["rr_lambda"].tolist() == written["rr_lambda"].tolist()
    text = caplog.text
    assert "4-fold cross-validation on the 4 training structures at all 3 features" in text  # 5 folds, 4 rows
    assert text.count("1e-12") >= 1 and "chosen {'rr_lambda'" in text  # the grid, then the choice
    grid_line = next(line for line in text.splitlines() if line.split()[:1] == [f"{written['rr_lambda'].iloc[0]:.4g}"])
    assert float(grid_line.split()[1]) == pytest.approx(written["heldout_rmse"].iloc[-1], rel=1e-3)

    study.update(search="every_size")  # the per-size search stays an option
    regress_dataset(RegressJob(**study, e0={"Si": -100.0, "C": -7.5}))
    per_size = pd.read_csv(tmp_path / "out.csv")
    assert (per_size["hyperparameters_from"] == "cross-validation at every size").all()
    assert np.isfinite(per_size["cv_rmse"]).all() and np.isfinite(per_size["heldout_rmse"]).all()


@pytest.mark.slow
def test_alnicu_demo_mbtr_sweep_is_finite(tmp_path):
    """The reported case end to end: AlNiCu-demo (as the default config makes it), MBTR, CUR,
    the default cross-validated RR and KRR sweeps. Before: RR test RMSE 7.4e9 eV/atom from
    ~40 % of the features on (for every λ of the grid)."""
    pytest.importorskip("dscribe")
    from descriptor_study import storage
    from descriptor_study.datasets.generate import alnicu_demo
    from descriptor_study.datasets.io import write_structures
    from descriptor_study.stages.dimensionality import run_selection
    from descriptor_study.stages.regression import regress_dataset
    from descriptor_study.stages.representations import represent_dataset

    data, h5, ranking = tmp_path / "AlNiCu-demo.extxyz", tmp_path / "MBTR.h5", tmp_path / "cur.csv"
    write_structures(data, alnicu_demo(11, 200))
    represent_dataset(data, h5, "MBTR", "AlNiCu-demo", progress=False)
    run_selection("cur", storage.read(h5), ranking)
    for model in ("rr", "krr"):
        df = regress_dataset(
            RegressJob(
                model,
                h5,
                ranking,
                data,
                tmp_path / f"{model}.csv",
                "AlNiCu-demo",
                "MBTR",
                N_TOP,
                search=True,
                split={"train_fraction": 0.8, "seed": 0},
            )
        )
        assert (df["status"] == "ok").all() and df["n"].iloc[-1] > 2000
        zero_model = df["test_rmse"].iloc[0] * 1.5  # one feature barely beats predicting zero
        assert df["test_rmse"].max() < zero_model
        assert df.loc[df["percent"] > 40, "test_rmse"].max() < 1.0


# --- the sweep's shared factorisations against direct fits at every size -----------------------


def _direct_ridge(A, y, lam):
    """Ridge by numpy's lstsq on the stacked [A; √λ I] against [y; 0]."""
    n = A.shape[1]
    return np.linalg.lstsq(np.vstack([A, np.sqrt(lam) * np.eye(n)]), np.concatenate([y, np.zeros(n)]), rcond=None)[0]


@pytest.mark.parametrize("n_features", [15, 140])  # all sizes below the training count; most above it
def test_rr_sweep_every_size_equals_a_direct_fit(n_features):
    """One QR and one stacked factor per λ (sizes up to the training count) and the incremental
    basis (sizes above it) give, at every size, the fit of numpy's lstsq on the first n columns,
    with a different λ at each size as cross-validation chooses them."""
    import pandas as pd

    P = _problem(seed=7, n=120, d=n_features)  # 90 training structures
    ranking = np.random.default_rng(8).permutation(n_features)
    sizes = [n for n in range(1, n_features + 1) if n <= 20 or n % 7 == 0 or n in (89, 90, 91, n_features)]
    lams = np.array([1e-6, 1e-3, 0.1, 10.0])[np.arange(len(sizes)) % 4]
    table = pd.DataFrame({"n": sizes, "rr_lambda": lams})
    for hyper in (table, {"rr_lambda": 1e-3}):
        sweep = feature_sweep(P, ranking, "rr", hyper, sizes)
        assert (sweep["status"] == "ok").all()
        for row in sweep.itertuples():
            Xtr, Xte = normalise(P.X[P.train][:, ranking[: row.n]], P.X[P.test][:, ranking[: row.n]])
            c = _direct_ridge(Xtr, P.y[P.train], row.rr_lambda)
            assert row.train_rmse == pytest.approx(rmse_per_atom(Xtr @ c, P.y[P.train], P.n_atoms[P.train]), rel=1e-9)
            assert row.test_rmse == pytest.approx(rmse_per_atom(Xte @ c, P.y[P.test], P.n_atoms[P.test]), rel=1e-9)


def test_ridge_prefixes_equal_the_stacked_qr_of_each_prefix():
    """Leading blocks of one stacked factor: solutions, predictions and the rcond (exact 1-norm)
    of each prefix equal those of the stacked QR of the first n columns alone, to the forward
    error both backward-stable routes allow (ε·κ; ε·κ² for the least-squares part when κ is
    large: at λ = 1e-10 the two differ by 1e-6, and against a 50-digit solution the prefix
    route was the closer one)."""
    from descriptor_study.regression.folds import _RidgePrefixes
    from descriptor_study.regression.models import EPS, _ridge_qr

    rng = np.random.default_rng(9)
    A, B, y = rng.normal(size=(50, 30)), rng.normal(size=(12, 30)), rng.normal(size=50)
    A[:, 20] = A[:, 3] + 1e-9 * rng.normal(size=50)  # a nearly dependent column: rcond falls there
    prefixes = _RidgePrefixes(A, y)
    sizes = list(range(1, 31))
    for lam in (1e-10, 1e-4, 0.5):
        R, z = prefixes.factor(lam)
        pred, rcond = prefixes.predict_all(R, z, B, sizes)
        for n in sizes:
            c_direct, R_direct = _ridge_qr(A[:, :n], y, lam)
            c, rc = prefixes.fit(R, z, n)
            kappa = 1.0 / rcond[n - 1]
            tol = 1e-12 + 100 * EPS * (kappa if lam > 1e-6 else kappa**2)
            assert np.linalg.norm(c - c_direct) <= tol * np.linalg.norm(c_direct)
            scale = np.linalg.norm(B[:, :n]) * np.linalg.norm(c_direct)
            assert np.linalg.norm(pred[:, n - 1] - B[:, :n] @ c_direct) <= tol * scale
            assert rcond[n - 1] == pytest.approx(1.0 / np.linalg.cond(R_direct, 1), rel=1e-6)
            assert rcond[n - 1] / 3 <= rc <= 3 * rcond[n - 1]  # LAPACK's estimate of the same
    small = prefixes.predict_all(*prefixes.factor(1e-10), B, sizes)[1]
    assert small[19] > 1e-3 and small[20] < 1e-6  # the dependent column's block, seen at small λ


def test_shifted_solves_equal_a_solve_per_lambda():
    """One tridiagonalisation of K serves every λ: each column equals scipy's solve of K + λI,
    and the extreme eigenvalues equal numpy's."""
    import scipy.linalg
    from sklearn.metrics.pairwise import rbf_kernel

    from descriptor_study.regression.search import _shifted_solves

    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(70, 4)), rng.normal(size=70)
    K = rbf_kernel(X, X, gamma=0.4)
    lambdas = np.array([1e-8, 1e-4, 1e-1, 10.0])
    coef, w = _shifted_solves(K, y, lambdas)
    for j, lam in enumerate(lambdas):
        direct = scipy.linalg.solve(K + lam * np.eye(70), y, assume_a="pos")
        assert np.allclose(coef[:, j], direct, rtol=1e-9 / lam, atol=1e-12 / lam)
    eig = np.linalg.eigvalsh(K)
    assert w[0] == pytest.approx(eig[0], abs=1e-13 * eig[-1]) and w[1] == pytest.approx(eig[-1], rel=1e-13)
    one, w1 = _shifted_solves(np.array([[2.0]]), np.array([3.0]), lambdas)
    assert np.allclose(one[0], 3.0 / (2.0 + lambdas)) and w1.tolist() == [2.0, 2.0]


def test_squared_distances_equal_exact_differences():
    from descriptor_study.regression.models import _add_squared_distances

    rng = np.random.default_rng(11)
    A, B = rng.normal(size=(30, 40)) + 5.0, rng.normal(size=(9, 40)) + 5.0
    exact_AA = ((A[:, None, :] - A[None, :, :]) ** 2).sum(-1)
    exact_BA = ((B[:, None, :] - A[None, :, :]) ** 2).sum(-1)
    D, E = np.zeros((30, 30)), np.zeros((9, 30))
    for s in range(0, 40, 13):  # accumulated over feature blocks, as in the sweep
        _add_squared_distances(D, A[:, s : s + 13])
        _add_squared_distances(E, B[:, s : s + 13], A[:, s : s + 13])
    assert np.allclose(D, exact_AA, rtol=1e-12, atol=1e-10) and np.all(np.diag(D) == 0.0) and np.all(D == D.T)
    assert np.allclose(E, exact_BA, rtol=1e-12, atol=1e-10)
    same = np.zeros((2, 2))
    _add_squared_distances(same, np.array([[1e8, 3.0], [1e8, 3.0]]))  # identical rows: 0, never negative
    assert np.all(same == 0.0)


def test_cross_validation_above_the_fold_size_equals_refitting_every_fold():
    """Sizes on both sides of the folds' training count (32 of 40): the prefix factors below it,
    one SVD per size above it, each equal to refitting every fold."""
    P = _problem(seed=12, n=50, d=70)
    P = Problem(P.X, P.y, P.n_atoms, P.train[:40], P.test)
    ranking = np.random.default_rng(13).permutation(70)
    lambdas = [1e-6, 1e-3, 1e-1, 10.0]
    sizes = [1, 5, 31, 32, 33, 40, 41, 70]
    table = cross_validate(P, ranking, "rr", sizes, lambdas=lambdas)
    for _, row in table.iterrows():
        errs = [_brute_force_cv(P, ranking, int(row["n"]), "rr", lam) for lam in lambdas]
        assert row["rr_lambda"] == lambdas[int(np.argmin(errs))]
        assert row["cv_rmse"] == pytest.approx(min(errs), rel=1e-8)


# --- one set of hyperparameters, chosen on the training set only ---------------------------


def _cv_problem(N=70, ntr=50, p=40, seed=0):
    """Features of scales 0.1..10, the target linear in six of them plus noise, 1..8 atoms."""
    rng = np.random.default_rng(seed)
    X = np.abs(rng.normal(size=(N, p))) * rng.uniform(0.1, 10, size=p)
    y = X[:, :6] @ rng.normal(size=6) + 0.3 * rng.normal(size=N)
    return Problem(X, y, rng.integers(1, 9, size=N).astype(float), np.arange(ntr), np.arange(ntr, N))


def _refit_cv(P, ranking, n, model, lam, gamma=None, folds=5):
    """The 5-fold CV error by refitting every fold from scratch, the features scaled on the
    whole training set (as the sweep scales them)."""
    from sklearn.metrics.pairwise import rbf_kernel

    from descriptor_study.regression.folds import _folds

    Z = normalise(P.X[P.train][:, ranking], P.X[P.test][:, ranking])[0][:, :n]
    y, na = P.y[P.train], P.n_atoms[P.train]
    errs = []
    for fit, val in _folds(len(y), folds, 0):
        if model == "rr":
            pred = Z[val] @ ridge_qr(Z[fit], y[fit], lam)
        else:
            K, Kv = rbf_kernel(Z[fit], Z[fit], gamma=gamma), rbf_kernel(Z[val], Z[fit], gamma=gamma)
            (pred,) = kernel_ridge_fit_predict(K, y[fit], [Kv], lam)
        errs.append(rmse_per_atom(pred, y[val], na[val]))
    return float(np.mean(errs))


@pytest.mark.parametrize("ntr", [50, 30])  # more structures than features, and fewer
def test_search_and_heldout_errors_equal_refitting_every_fold(ntr):
    """The grid's CV errors (one SVD for RR; fold refits for KRR) and every sweep row's held-out
    error (closed form from the sweep's own factorisation) equal refitting each fold, and the
    chosen candidate is the refitted grid's best."""
    from descriptor_study.regression.search import choose, cv_grid

    P = _cv_problem(ntr=ntr)
    p = P.X.shape[1]
    every = np.arange(p)
    lambdas = [1e-6, 1e-2, 1.0, 30.0]
    grid = cv_grid(P, "rr", lambdas=lambdas)
    refit = [_refit_cv(P, every, p, "rr", lam) for lam in lambdas]
    assert np.allclose(grid["cv_rmse"], refit, rtol=1e-9) and grid["passed"].all()
    assert choose(grid, "rr") == {"rr_lambda": lambdas[int(np.argmin(refit))]}
    gammas = [0.003, 0.03]
    grid = cv_grid(P, "krr", lambdas=lambdas[:3], gammas=gammas)
    refit = [_refit_cv(P, every, p, "krr", lam, g) for lam in lambdas[:3] for g in gammas]
    assert np.allclose(grid["cv_rmse"], refit, rtol=1e-9)
    best = int(np.argmin(refit))
    assert choose(grid, "krr") == {"krr_lambda": lambdas[:3][best // 2], "krr_gamma": gammas[best % 2]}

    ranking = np.random.default_rng(4).permutation(p)
    sizes = [1, 2, 5, 29, 30, 31, 40] if ntr == 30 else [1, 2, 5, 20, 40]
    for model, hyper in (
        ("rr", {"rr_lambda": 0.1}),
        ("rr", {"rr_lambda": 1e-6}),
        ("krr", {"krr_lambda": 1e-3, "krr_gamma": 0.02}),
    ):
        sweep = feature_sweep(P, ranking, model, hyper, sizes)
        refit = [_refit_cv(P, ranking, n, model, *hyper.values()) for n in sizes]
        assert (sweep["status"] == "ok").all()
        assert np.allclose(sweep["heldout_rmse"], refit, rtol=1e-8), (model, hyper)


def test_ridge_training_error_does_not_rise_with_fixed_lambda():
    """With orthogonal features each added one lowers ‖t − Ac‖ by a non-negative amount at any
    fixed λ (the others' coefficients do not change): the sweep's training RMSE is non-increasing
    to round-off (1e-12 relative), over sizes on both sides of the training count."""
    rng = np.random.default_rng(5)
    N, ntr = 120, 90
    Q, _ = np.linalg.qr(rng.normal(size=(ntr, ntr)))
    Xtr = Q[:, :ntr] * rng.uniform(0.5, 3.0, size=ntr)  # orthogonal columns, several scales
    X = np.vstack([Xtr, rng.normal(size=(N - ntr, ntr))])
    y = np.concatenate([Xtr @ rng.normal(size=ntr) + 0.2 * rng.normal(size=ntr), rng.normal(size=N - ntr)])
    P = Problem(X, y, np.full(N, 4.0), np.arange(ntr), np.arange(ntr, N))
    for lam in (1e-8, 1e-2, 3.0):
        sweep = feature_sweep(P, rng.permutation(ntr), "rr", {"rr_lambda": lam}, range(1, ntr + 1))
        train = sweep["train_rmse"].to_numpy()
        assert (sweep["status"] == "ok").all()
        assert np.all(np.diff(train) <= 1e-12 * train[0]), lam
        assert train[-1] < 0.5 * train[0]  # and it does fall


def test_no_summary_looks_at_the_test_set():
    """Perturbing the test targets changes the test RMSEs but neither the chosen hyperparameters,
    the held-out errors nor the size the best-RMSE table reports at."""
    from descriptor_study.regression.search import choose, cv_grid
    from descriptor_study.regression.table import best_rmse_table

    P = _cv_problem()
    ranking = np.random.default_rng(6).permutation(P.X.shape[1])
    sizes = list(range(1, 41))
    shifted = Problem(P.X, P.y.copy(), P.n_atoms, P.train, P.test)
    shifted.y[P.test] += np.random.default_rng(7).normal(scale=5.0, size=len(P.test))
    for model in ("rr", "krr"):
        chosen = [choose(cv_grid(Q, model), model) for Q in (P, shifted)]
        assert chosen[0] == chosen[1]
        sweeps = [feature_sweep(Q, ranking, model, chosen[0], sizes) for Q in (P, shifted)]
        assert np.array_equal(sweeps[0]["heldout_rmse"], sweeps[1]["heldout_rmse"])
        assert not np.allclose(sweeps[0]["test_rmse"], sweeps[1]["test_rmse"])
        tables = [best_rmse_table({(model, "D", "R"): s}) for s in sweeps]
        assert tables[0]["n_chosen"].iloc[0] == tables[1]["n_chosen"].iloc[0]
        chosen_row = sweeps[1].set_index("n").loc[int(tables[1]["n_chosen"].iloc[0])]
        assert tables[1]["test_rmse"].iloc[0] == chosen_row["test_rmse"]  # reported at the choice
