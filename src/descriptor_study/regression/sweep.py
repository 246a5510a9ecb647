"""The feature sweep: train and test RMSE, and the cross-validation error of the same fit,
against the number of CUR-ranked features."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..vocabulary import N_TOP
from .folds import CV_FOLDS, _folds, _RidgePrefixes
from .hyperparameters import NO_HYPERPARAMETERS, _hyper_keys, _per_size, _usable
from .models import (
    EPS,
    Problem,
    _add_squared_distances,
    _blas_threads,
    _block_solve,
    _ridge_fit,
    fit_status,
    normalise,
    rmse_per_atom,
)

log = logging.getLogger(__name__)


def sweep_sizes(n_features: int, n_top: int = N_TOP, n_log: int = 60) -> np.ndarray:
    """n = 1..n_top, then about ``n_log`` log-spaced sizes up to all features."""
    head = np.arange(1, min(n_top, n_features) + 1)
    if n_features <= n_top:
        return head
    tail = np.unique(np.round(np.logspace(np.log10(n_top + 1), np.log10(n_features), n_log)).astype(int))
    return np.unique(np.concatenate([head, tail, [n_features]]))


def feature_sweep(
    problem: Problem,
    ranking: np.ndarray,
    model: str,
    hyper: Mapping[str, float] | pd.DataFrame,
    sizes: Iterable[int],
    folds: int = CV_FOLDS,
    seed: int = 0,
) -> pd.DataFrame:
    """Train/test RMSE per atom with the top-n ranked features, for each n in ``sizes``, and the
    ``folds``-fold cross-validation error of the same fit on the training set.

    ``hyper``: the same values at every size (a mapping), or a table with a row per n (columns
    n and the model's hyperparameters, as :func:`.search.cross_validate` returns). Columns: n,
    train_rmse, test_rmse, percent, the hyperparameters used, status ("ok" or "failed: …",
    see :func:`fit_status`; the RMSEs of a failed row are NaN), heldout_rmse.

    heldout_rmse: the mean over the folds (:func:`_folds`) of the validation RMSE per atom of
    the fit on the other folds, with the hyperparameters of the row and the features scaled as
    the sweep scales them (on the whole training set).  It comes from the sweep's own
    factorisation in closed form (:func:`_heldout_kernel`, :func:`_heldout_projector`), equal
    to refitting every fold; the test set takes no part in it.  The best-RMSE table chooses
    its size with it.

    RR: the sizes up to the training count share one QR of the training matrix and one
    stacked factor per distinct λ (:class:`_RidgePrefixes`: a triangular solve per size);
    larger sizes fit in the basis of an incrementally updated QR of (train and test rows)ᵀ,
    the same problem in N_train + N_test coordinates instead of n.  KRR: squared distances
    accumulated feature by feature, one Cholesky factorisation per size."""
    P = problem
    sizes = [int(n) for n in sizes]
    keys = _hyper_keys(model)
    values = _per_size(hyper, keys, sizes)
    Xtr_all, Xte_all = normalise(P.X[P.train][:, ranking], P.X[P.test][:, ranking])
    ytr, yte = P.y[P.train], P.y[P.test]
    ntr, nte = P.n_atoms[P.train], P.n_atoms[P.test]
    parts = _folds(len(ytr), folds, seed)
    fits: dict[int, tuple] = {}  # position in sizes → (train prediction, test prediction, status, held-out RMSE)
    with _blas_threads(len(ytr)):
        if model == "rr":
            _rr_sweep(Xtr_all, Xte_all, ytr, ntr, parts, sizes, values, fits)
        else:
            _krr_sweep(Xtr_all, Xte_all, ytr, ntr, parts, sizes, values, fits)
    out = []
    for i, (n, h) in enumerate(zip(sizes, values)):
        ptr, pte, status, heldout = fits.get(i, (None, None, NO_HYPERPARAMETERS, np.nan))
        ok = status == "ok"
        out.append(
            {
                "n": n,
                "train_rmse": rmse_per_atom(ptr, ytr, ntr) if ok else np.nan,
                "test_rmse": rmse_per_atom(pte, yte, nte) if ok else np.nan,
                **h,
                "status": status,
                "heldout_rmse": heldout if ok else np.nan,
            }
        )
    df = pd.DataFrame(out, columns=["n", "train_rmse", "test_rmse", *keys, "status", "heldout_rmse"])
    df.insert(3, "percent", 100.0 * df["n"] / len(ranking))
    return df


def _rr_sweep(Xtr, Xte, ytr, ntr, parts, sizes, values, fits) -> None:
    from scipy.linalg import lapack

    N = len(ytr)
    todo = [(i, n, h["rr_lambda"]) for i, (n, h) in enumerate(zip(sizes, values)) if _usable(h)]
    tall = [t for t in todo if t[1] <= N]
    if tall:
        m = max(n for _, n, _ in tall)
        prefixes = _RidgePrefixes(Xtr[:, :m], ytr)
        for lam in sorted({lam for *_, lam in tall}):
            R, z = prefixes.factor(lam)
            group = sorted((t for t in tall if t[2] == lam), key=lambda t: t[1])
            Rinv, info = lapack.dtrtri(R, lower=0)
            Q1 = Xtr[:, :m] @ np.triu(Rinv) if info == 0 else None  # A R⁻¹: its first n columns span the size-n fit
            held = _heldout_projector(Q1, z, ytr, ntr, parts, [n for _, n, _ in group]) if Q1 is not None else None
            for k, (i, n, _) in enumerate(group):
                c, rcond = prefixes.fit(R, z, n)
                ptr, pte = Xtr[:, :n] @ c, Xte[:, :n] @ c
                fits[i] = (ptr, pte, fit_status(ytr, ptr, (c, pte), rcond=rcond), held[k] if held else np.nan)
    wide = sorted((t for t in todo if t[1] > N), key=lambda t: t[1])
    if wide:
        # X_n = Rᵀ Qᵀ (QR of X_nᵀ, X: train and test rows): ridge on X_n[train] is ridge on
        # R[:, train]ᵀ, whose solution c' gives c = Q c'; R is updated as features are added
        Xall = np.vstack([Xtr, Xte])
        R, done = np.zeros((0, len(Xall))), 0
        for i, n, lam in wide:
            R = np.linalg.qr(np.vstack([R, Xall[:, done:n].T]), mode="r")
            done = n
            Atr, Ate = R[:, :N].T, R[:, N:].T
            c, rcond = _ridge_fit(Atr, ytr, lam)
            ptr, pte = Atr @ c, Ate @ c
            G = Atr @ Atr.T  # the linear kernel: ridge is kernel ridge with it
            G[np.diag_indices(N)] += lam
            fits[i] = (ptr, pte, fit_status(ytr, ptr, (c, pte), rcond=rcond), _heldout_kernel(G, ytr, ntr, parts)[0])


def _krr_sweep(Xtr, Xte, ytr, ntr, parts, sizes, values, fits) -> None:
    Dtr = np.zeros((len(Xtr), len(Xtr)))
    Dte = np.zeros((len(Xte), len(Xtr)))
    done = 0
    for i, (n, h) in sorted(enumerate(zip(sizes, values)), key=lambda t: t[1][0]):
        _add_squared_distances(Dtr, Xtr[:, done:n])
        _add_squared_distances(Dte, Xte[:, done:n], Xtr[:, done:n])
        done = n
        if not _usable(h):
            continue
        B = np.exp(-h["krr_gamma"] * Dtr)
        B[np.diag_indices(len(B))] += h["krr_lambda"]
        heldout, coef, complaint = _heldout_kernel(B, ytr, ntr, parts, nonnegative=True)
        B[np.diag_indices(len(B))] -= h["krr_lambda"]  # back to K
        ptr, pte = B @ coef, np.exp(-h["krr_gamma"] * Dte) @ coef
        fits[i] = (ptr, pte, fit_status(ytr, ptr, (coef, pte), solver_message=complaint), heldout)


def _heldout_kernel(
    B: np.ndarray, y: np.ndarray, n_atoms: np.ndarray, parts, nonnegative: bool = False
) -> tuple[float, np.ndarray, str | None]:
    """For the system B = K + λI of a (kernel) ridge fit: the mean over the folds of the
    validation RMSE per atom of the fit on the other folds, the coefficients B⁻¹ y, and the
    solver's complaint (Cholesky failed, or LAPACK's rcond estimate below ε, the test scipy's
    solve warns on).

    With H = B⁻¹ and c = H y, the residual of fold V under the fit without it is
    y_V − ŷ_V = (H_VV)⁻¹ c_V (the block form of the leave-one-out identity of kernel ridge),
    so one Cholesky factor L (B = L Lᵀ) and its inverse give every fold: H_VV = (L⁻¹_{:,V})ᵀ
    L⁻¹_{:,V}.  B is not changed; ``nonnegative``: B has no negative entry (an RBF kernel),
    so its 1-norm needs no absolute values."""
    from scipy.linalg import lapack

    nan = np.full(len(y), np.nan)
    anorm = float(np.max(np.sum(np.abs(B), axis=0))) if nonnegative is False else float(np.max(B.sum(axis=0)))
    L, info = lapack.dpotrf(B, lower=1, clean=1)
    if info != 0:
        return np.nan, nan, f"K + λI could not be factorised (LAPACK potrf info {info})"
    rcond, info = lapack.dpocon(L, anorm, uplo="L")
    Linv, info2 = lapack.dtrtri(L, lower=1)  # lower triangular: L's upper part is zero (clean=1)
    if info2 != 0:
        return np.nan, nan, "K + λI could not be factorised (singular Cholesky factor)"
    coef, info3 = lapack.dpotrs(L, y, lower=1)  # a backward-stable solve, not Linv's product
    if info3 != 0:
        return np.nan, nan, f"K + λI could not be solved (LAPACK potrs info {info3})"
    complaint = None if info == 0 and rcond >= EPS else f"ill-conditioned K + λI (rcond {rcond:.2g} < machine epsilon)"
    errs = []
    for _, val in parts:
        S = Linv[:, val]
        e = _block_solve(S.T @ S, coef[val])
        errs.append(np.sqrt(np.mean((e / n_atoms[val]) ** 2)))
    return float(np.mean(errs)), coef, complaint


def _heldout_projector(Q1: np.ndarray, z: np.ndarray, y: np.ndarray, n_atoms: np.ndarray, parts, sizes) -> list[float]:
    """The held-out RMSE (as :func:`_heldout_kernel`) of the ridge fits on the first n columns,
    for each n of ``sizes`` (ascending, at most Q1's column count), from the stacked factor of
    the largest: Q1 = A R_λ⁻¹, whose first n columns span the size-n fit.  Fitted values
    ŷ_n = Q1[:, :n] z[:n] and hat matrix P_n = Q1[:, :n] Q1[:, :n]ᵀ; the residual of fold V under
    the fit without it is (I − P_n,VV)⁻¹ (y − ŷ_n)_V.  P_n,VV grows by a rank update per size."""

    fitted = np.cumsum(Q1 * z[None, :], axis=1)
    blocks = [np.zeros((len(val), len(val))) for _, val in parts]
    out, done = [], 0
    for n in sizes:
        resid = y - fitted[:, n - 1]
        errs = []
        for k, (_, val) in enumerate(parts):
            S = Q1[val, done:n]
            blocks[k] += S @ S.T
            M = -blocks[k]
            M[np.diag_indices(len(val))] += 1.0
            e = _block_solve(M, resid[val])
            errs.append(np.sqrt(np.mean((e / n_atoms[val]) ** 2)))
        done = n
        out.append(float(np.mean(errs)))
    return out


def labelled_sweep(
    problem: Problem,
    ranking: np.ndarray,
    model: str,
    chosen: Mapping[str, float] | pd.DataFrame,
    how: str,
    sizes: Iterable[int],
    what: str,
) -> pd.DataFrame:
    """:func:`feature_sweep` with the hyperparameters ``chosen`` and where they came from
    (``how``, column hyperparameters_from; chosen at every size: their cross-validation
    error too, cv_rmse); the failed fits in one warning naming the sweep (``what``)."""
    df = feature_sweep(problem, ranking, model, chosen, sizes)
    if how == "cross-validation at every size":
        df["cv_rmse"] = chosen["cv_rmse"].to_numpy()
    df["hyperparameters_from"] = how
    failed = df[df["status"] != "ok"]
    if len(failed):
        log.warning(
            "%s: %d of %d fits failed (RMSEs NaN, not drawn, not tabulated), first at n = %d: %s",
            what,
            len(failed),
            len(df),
            int(failed["n"].iloc[0]),
            failed["status"].iloc[0],
        )
    return df
