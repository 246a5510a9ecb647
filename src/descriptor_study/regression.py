"""The regression study (docs/paper-settings.md, the paper's Figure 9): ridge (RR) and kernel
ridge (KRR) fits of cohesive energies against the number of CUR-selected features.

- Structure vectors: the sum of a structure's per-atom descriptors (a global representation: its own row).
- Normalisation on the training set: each feature divided by its root-mean-square over
  the training structures (no centring: RR has no intercept, as in the paper).
- Targets: cohesive energies t = E − Σ_el N_el·E0_el, E0 from the dataset's isolated
  atoms or from config.
- RR: argmin ‖A c − t‖² + λ‖c‖², by QR of the stacked [A; √λ I] against [t; 0].
- KRR: exp(−γ‖Vi − Vj‖²) kernel ridge (scikit-learn's KernelRidge); for the sweep the
  squared distances are accumulated one feature at a time.
- RMSE per atom: sqrt(mean(((prediction − target)/N_atoms)²)), on train and test.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import DatasetError

log = logging.getLogger(__name__)

def paper_hyperparameters(names: Iterable[str] | None = None, classes=None) -> dict[str, dict[str, float]]:
    """The authors' Si hyperparameters (rr_lambda, krr_lambda, krr_gamma) per representation,
    from the classes' ``paper_hyperparameters`` (docs/paper-settings.md); representations
    without them are left out.  ``names`` default: every known representation."""
    from .representations import registry

    classes = dict(classes or {})
    pool = registry.with_attribute("paper_hyperparameters", names, classes)
    return {n: dict((classes.get(n) or registry.get_class(n)).paper_hyperparameters) for n in pool}


# --- inputs ----------------------------------------------------------------------------

def read_split(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """A split file: the training count, then the training indices, then the test indices (0-based)."""
    try:
        values = [int(v) for v in Path(path).read_text().split()]
    except ValueError as exc:
        raise DatasetError(f"{path}: not a list of integers ({exc})") from None
    if not values:
        raise DatasetError(f"{path}: empty split file")
    n_train, rest = values[0], np.asarray(values[1:], dtype=np.int64)
    if not 0 < n_train < len(rest):
        raise DatasetError(f"{path}: training count {n_train} does not fit {len(rest)} indices")
    train, test = rest[:n_train], rest[n_train:]
    if len(set(rest.tolist())) != len(rest):
        raise DatasetError(f"{path}: an index appears twice")
    return train, test


def read_targets(path: str | os.PathLike) -> pd.DataFrame:
    """``targets.txt``: lines ``n_atoms energy code`` (code 1 CASTEP, 2 VASP), '#' header."""
    df = pd.read_csv(path, sep=r"\s+", comment="#", header=None, names=["n_atoms", "energy", "code"])
    return df


def random_split(n: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def isolated_atom_energies(structures) -> dict[str, float]:
    """E0 per element from single-atom, non-periodic structures."""
    e0 = {}
    for atoms in structures:
        if len(atoms) == 1 and not np.any(atoms.pbc) and "energy" in atoms.info:
            e0.setdefault(atoms.get_chemical_symbols()[0], float(atoms.info["energy"]))
    return e0


def cohesive_targets(structures, e0: dict[str, float], source: str = "<dataset>",
                     e0_key: str = "datasets.<name>.e0") -> np.ndarray:
    """t = E − Σ_el N_el·E0_el for every structure (all must carry an energy); ``e0_key``
    names the config key to set when an element has no E0."""
    out = []
    for k, atoms in enumerate(structures):
        if "energy" not in atoms.info:
            raise DatasetError(f"{source}: structure {k} has no energy, which the regression needs")
        symbols = atoms.get_chemical_symbols()
        missing = sorted(set(symbols) - set(e0))
        if missing:
            raise DatasetError(
                f"{source}: no isolated-atom energy E0 for {missing}; add single-atom structures or "
                f"set {e0_key} in the config"
            )
        out.append(float(atoms.info["energy"]) - sum(e0[s] for s in symbols))
    return np.asarray(out)


# --- models ----------------------------------------------------------------------------

def normalise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each feature by its root-mean-square over the training rows."""
    scale = np.sqrt(np.mean(train**2, axis=0))
    scale[scale == 0] = 1.0
    return train / scale, test / scale


def ridge_qr(A: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin ‖A c − y‖² + λ‖c‖² by QR of [A; √λ I] against [y; 0].

    With more features than rows (n > N) the solution lies in A's row space: with
    Aᵀ = Q L (QR), c = Q z and z solves the N-dimensional stacked system [Lᵀ; √λ I],
    the same least-squares problem in a basis of that space (O(n N²) instead of O(n³)).
    """
    import scipy.linalg

    N, n = A.shape
    if n > N:
        Q, L = np.linalg.qr(A.T)  # A = Lᵀ Qᵀ
        return Q @ ridge_qr(L.T, y, lam)
    stacked = np.vstack([A, np.sqrt(lam) * np.eye(n)])
    rhs = np.concatenate([y, np.zeros(n)])
    q, r = np.linalg.qr(stacked)
    return scipy.linalg.solve_triangular(r, q.T @ rhs)


def kernel_ridge_fit_predict(K_train: np.ndarray, y: np.ndarray, K_eval: Sequence[np.ndarray], lam: float):
    """Coefficients (K + λI)⁻¹ y and predictions K_e c for each evaluation kernel."""
    import scipy.linalg

    coef = scipy.linalg.solve(K_train + lam * np.eye(len(y)), y, assume_a="pos")
    return [K @ coef for K in K_eval]


def rmse_per_atom(pred: np.ndarray, true: np.ndarray, n_atoms: np.ndarray) -> float:
    return float(np.sqrt(np.mean(((pred - true) / n_atoms) ** 2)))


def sweep_sizes(n_features: int, n_top: int = 65, n_log: int = 60) -> np.ndarray:
    """n = 1..n_top, then about ``n_log`` log-spaced sizes up to all features."""
    head = np.arange(1, min(n_top, n_features) + 1)
    if n_features <= n_top:
        return head
    tail = np.unique(np.round(np.logspace(np.log10(n_top + 1), np.log10(n_features), n_log)).astype(int))
    return np.unique(np.concatenate([head, tail, [n_features]]))


@dataclass
class Problem:
    X: np.ndarray  # structure vectors (rows: structures)
    y: np.ndarray  # cohesive energies
    n_atoms: np.ndarray
    train: np.ndarray
    test: np.ndarray


def feature_sweep(problem: Problem, ranking: np.ndarray, model: str, hyper: dict[str, float],
                  sizes: Iterable[int]) -> pd.DataFrame:
    """Train/test RMSE per atom with the top-n ranked features, for each n in ``sizes``."""
    P = problem
    Xtr_all, Xte_all = normalise(P.X[P.train][:, ranking], P.X[P.test][:, ranking])
    ytr, yte = P.y[P.train], P.y[P.test]
    ntr, nte = P.n_atoms[P.train], P.n_atoms[P.test]
    rows = []
    if model == "rr":
        for n in sizes:
            c = ridge_qr(Xtr_all[:, :n], ytr, hyper["rr_lambda"])
            rows.append((n, rmse_per_atom(Xtr_all[:, :n] @ c, ytr, ntr), rmse_per_atom(Xte_all[:, :n] @ c, yte, nte)))
    elif model == "krr":
        gamma, lam = hyper["krr_gamma"], hyper["krr_lambda"]
        Dtr = np.zeros((len(ytr), len(ytr)))
        Dte = np.zeros((len(yte), len(ytr)))
        done = 0
        for n in sizes:
            for f in range(done, n):  # squared distances, one feature at a time
                a, b = Xtr_all[:, f], Xte_all[:, f]
                Dtr += (a[:, None] - a[None, :]) ** 2
                Dte += (b[:, None] - a[None, :]) ** 2
            done = n
            ptr, pte = kernel_ridge_fit_predict(np.exp(-gamma * Dtr), ytr, [np.exp(-gamma * Dtr), np.exp(-gamma * Dte)], lam)
            rows.append((n, rmse_per_atom(ptr, ytr, ntr), rmse_per_atom(pte, yte, nte)))
    else:
        raise ValueError(f"unknown model {model!r}")
    df = pd.DataFrame(rows, columns=["n", "train_rmse", "test_rmse"])
    df["percent"] = 100.0 * df["n"] / len(ranking)
    return df


def search_hyperparameters(problem: Problem, model: str, folds: int = 5, seed: int = 0,
                           lambdas: Sequence[float] | None = None, gammas: Sequence[float] | None = None) -> dict[str, float]:
    """Cross-validated (training set only) λ and, for KRR, γ at the full feature set."""
    P = problem
    lambdas = list(lambdas if lambdas is not None else 10.0 ** np.arange(-12, 3))
    rng = np.random.default_rng(seed)
    order = rng.permutation(P.train)
    parts = np.array_split(order, folds)
    if model == "krr" and gammas is None:
        Xn, _ = normalise(P.X[P.train], P.X[P.train])
        d2 = np.sum((Xn[:, None, :] - Xn[None, :, :]) ** 2, axis=-1) if len(Xn) <= 600 else None
        median = float(np.median(d2[d2 > 0])) if d2 is not None and np.any(d2 > 0) else float(Xn.shape[1])
        gammas = [f / median for f in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)]
    best, best_err = None, np.inf
    grid = [(lam, None) for lam in lambdas] if model == "rr" else [(lam, g) for lam in lambdas for g in gammas]
    for lam, gamma in grid:
        errs = []
        for k in range(folds):
            val = parts[k]
            fit = np.concatenate([parts[j] for j in range(folds) if j != k])
            sub = Problem(P.X, P.y, P.n_atoms, fit, val)
            hyper = {"rr_lambda": lam} if model == "rr" else {"krr_lambda": lam, "krr_gamma": gamma}
            ranking = np.arange(P.X.shape[1])
            df = feature_sweep(sub, ranking, model, hyper, [P.X.shape[1]])
            errs.append(df["test_rmse"].iloc[0])
        err = float(np.mean(errs))
        if err < best_err:
            best_err = err
            best = {"rr_lambda": lam} if model == "rr" else {"krr_lambda": lam, "krr_gamma": gamma}
    log.info("%s: cross-validated %s (CV RMSE %.4g eV/atom)", model, best, best_err)
    return best


def best_rmse_table(sweeps: dict[tuple[str, str, str], pd.DataFrame]) -> pd.DataFrame:
    rows = []
    for (model, dataset, rep), df in sweeps.items():
        i = int(df["test_rmse"].idxmin())
        rows.append({"model": model.upper(), "dataset": dataset, "representation": rep,
                     "best_test_rmse": df["test_rmse"].iloc[i], "n_at_best": int(df["n"].iloc[i]),
                     "full_test_rmse": df["test_rmse"].iloc[-1], "full_train_rmse": df["train_rmse"].iloc[-1],
                     "n_features": int(df["n"].iloc[-1])})
    return pd.DataFrame(rows).sort_values(["model", "dataset", "full_test_rmse"]).reset_index(drop=True)


def read_sweeps(sweeps: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Sweep records ``{"model": ..., "dataset": ..., "rep": ..., "path": ...}`` →
    {(model, dataset, rep): sweep}.  The names come from the records (the rule builds them
    with the paths), never from the paths."""
    return {(str(r["model"]), str(r["dataset"]), str(r["rep"])): pd.read_csv(r["path"]) for r in sweeps}


def best_rmse_from_files(sweeps: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The best-RMSE table of the sweep records (see :func:`read_sweeps`)."""
    return best_rmse_table(read_sweeps(sweeps))
