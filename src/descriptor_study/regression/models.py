"""The regression's models and their fits: normalisation, ridge by QR, kernel ridge and its
squared distances, the RMSE per atom, and the status of a fit (ok, or failed and why)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

EPS = float(np.finfo(float).eps)


NEGLIGIBLE_SCALE = 10 * EPS  # a feature scale below this is zero at working precision (as in scikit-learn)


RESIDUAL_SLACK = 1e-6  # rounding allowance of the "training residual above the zero model's" test


SMALL_PROBLEM = 1000  # below this many training structures the sweep runs with single-threaded BLAS


def normalise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each feature by its root-mean-square over the training rows.

    A feature whose training RMS is below ``10·ε`` (scikit-learn's rule for a scale that is
    zero at working precision) is left as it is, as an all-zero one is: dividing by such a
    scale turns rounding-level values (MBTR's Gaussian tails, ~1e-29 in training) into test
    values 1e14 training-RMS wide, and every fit on them into a blow-up."""
    scale = np.sqrt(np.mean(train**2, axis=0))
    scale[scale < NEGLIGIBLE_SCALE] = 1.0
    return train / scale, test / scale


def _ridge_qr(A: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ridge_qr` and the triangular factor R of the stacked system it solved
    (RᵀR = the normal matrix of the smaller dimension, + λI)."""
    import scipy.linalg

    N, n = A.shape
    if n > N:
        Q, L = np.linalg.qr(A.T)  # A = Lᵀ Qᵀ
        z, R = _ridge_qr(L.T, y, lam)
        return Q @ z, R
    stacked = np.vstack([A, np.sqrt(lam) * np.eye(n)])
    rhs = np.concatenate([y, np.zeros(n)])
    q, r = np.linalg.qr(stacked)
    return scipy.linalg.solve_triangular(r, q.T @ rhs), r


def ridge_qr(A: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin ‖A c − y‖² + λ‖c‖² by QR of [A; √λ I] against [y; 0].

    With more features than rows (n > N) the solution lies in A's row space: with
    Aᵀ = Q L (QR), c = Q z and z solves the N-dimensional stacked system [Lᵀ; √λ I],
    the same least-squares problem in a basis of that space (O(n N²) instead of O(n³)).
    """
    return _ridge_qr(A, y, lam)[0]


def kernel_ridge_fit_predict(K_train: np.ndarray, y: np.ndarray, K_eval: Sequence[np.ndarray], lam: float):
    """Coefficients (K + λI)⁻¹ y and predictions K_e c for each evaluation kernel."""
    import scipy.linalg

    coef = scipy.linalg.solve(K_train + lam * np.eye(len(y)), y, assume_a="pos")
    return [K @ coef for K in K_eval]


def rmse_per_atom(pred: np.ndarray, true: np.ndarray, n_atoms: np.ndarray) -> float:
    return float(np.sqrt(np.mean(((pred - true) / n_atoms) ** 2)))


@dataclass
class Problem:
    X: np.ndarray  # structure vectors (rows: structures)
    y: np.ndarray  # cohesive energies
    n_atoms: np.ndarray
    train: np.ndarray
    test: np.ndarray


def fit_status(
    y_train: np.ndarray,
    train_pred: np.ndarray,
    arrays: Sequence[np.ndarray] = (),
    rcond: float | None = None,
    solver_message: str | None = None,
) -> str:
    """ "ok", or "failed: <reason>" for a fit whose solution is numerically unusable:

    1. a coefficient or prediction (``arrays``, ``train_pred``) is not finite;
    2. the matrix the solver factorised is singular at working precision, the test LAPACK
       applies before warning that a solution "may not be accurate": for RR the triangular
       factor R of the stacked [A; √λ I] has rcond < ε (``rcond``); for KRR scipy's solve of
       K + λI warned (its rcond estimate < ε) or its Cholesky factorisation failed
       (``solver_message``);
    3. the training residual ‖prediction − t‖ exceeds the zero model's ‖t‖ (by more than
       1e-6 relative, for rounding): c = 0 is feasible and the penalty is ≥ 0, so no exact
       minimiser can do worse on its own training set.

    A fit that is computed accurately but predicts the test set badly is a result, not a
    failure.
    """
    if solver_message:
        return f"failed: {solver_message}"
    if rcond is not None and not rcond >= EPS:
        return f"failed: ill-conditioned [A; √λ I] (rcond {rcond:.2g} < machine epsilon)"
    if not all(np.all(np.isfinite(a)) for a in (train_pred, *arrays)):
        return "failed: non-finite solution"
    residual, zero = float(np.linalg.norm(train_pred - y_train)), float(np.linalg.norm(y_train))
    if residual > (1.0 + RESIDUAL_SLACK) * zero:
        return f"failed: training residual {residual:.4g} above the zero model's {zero:.4g}"
    return "ok"


def ok_rows(df: pd.DataFrame) -> pd.Series:
    """The rows of a sweep that hold a result: status "ok" (sweeps written before the
    status column: a finite test RMSE)."""
    ok = np.isfinite(pd.to_numeric(df["test_rmse"], errors="coerce"))
    if "status" in df.columns:
        ok &= df["status"].astype(str).eq("ok")
    return ok


def _triangular_rcond(R: np.ndarray) -> float:
    """Reciprocal condition number of the triangular factor R (LAPACK's 1-norm estimate,
    the one its solvers compare with ε)."""
    import scipy.linalg

    if not np.all(np.isfinite(R)):
        return 0.0
    rcond, info = scipy.linalg.lapack.dtrcon(R, norm="1", uplo="U")
    return float(rcond) if info == 0 else 0.0


def _ridge_fit(A: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    try:
        c, R = _ridge_qr(A, y, lam)
    except np.linalg.LinAlgError:  # an exactly singular R (solve_triangular refuses it)
        return np.full(A.shape[1], np.nan), 0.0
    return c, _triangular_rcond(R)


def _add_squared_distances(D: np.ndarray, A: np.ndarray, B: np.ndarray | None = None) -> None:
    """D[i, j] += Σ_f (A[i, f] − B[j, f])² over the columns f of A and B (B None: B = A, and D's
    diagonal stays exactly 0), as ‖a‖² + ‖b‖² − 2a·b with one matrix product, the way
    scikit-learn's rbf_kernel computes it (instead of N²·n explicit differences).  The
    cancellation leaves an absolute error of order ε·(‖a‖² + ‖b‖²), which matters only for
    near-duplicate rows, where exp(−γ D) is 1 to that order anyway
    (benchmarks/bench_regression.py measures it on real structure vectors); the sum is
    clipped at 0."""
    if A.shape[1] == 0:
        return
    a2 = np.einsum("ij,ij->i", A, A)
    if B is None:
        G = A @ A.T
        b2 = a2
    else:
        G = A @ B.T
        b2 = np.einsum("ij,ij->i", B, B)
    G *= -2.0
    G += a2[:, None] + b2[None, :]  # one sum per entry: symmetric when B is A (A @ A.T is, by syrk)
    D += G
    np.maximum(D, 0.0, out=D)
    if B is None:
        np.fill_diagonal(D, 0.0)


def _block_solve(M: np.ndarray, r: np.ndarray) -> np.ndarray:
    """M⁻¹ r for a fold's symmetric positive definite block (Cholesky, LAPACK directly: this runs
    once per fold and size); NaN when the factorisation fails or LAPACK's rcond estimate is
    below ε (the fit without the fold is then not determined to working precision)."""
    from scipy.linalg import lapack

    L, info = lapack.dpotrf(M, lower=1, clean=1)
    if info == 0:
        rcond, info = lapack.dpocon(L, float(np.max(np.sum(np.abs(M), axis=0))), uplo="L")
        if info == 0 and rcond >= EPS:
            x, info = lapack.dpotrs(L, r, lower=1)
            if info == 0:
                return x
    return np.full(len(r), np.nan)


def _blas_threads(n_train: int):
    """Single-threaded BLAS while the matrices are small (< SMALL_PROBLEM training
    structures): a few-hundred-square factorisation gains nothing from a second thread and,
    on a busy machine, loses up to 50× to its synchronisation."""
    from contextlib import nullcontext

    if n_train >= SMALL_PROBLEM:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")
