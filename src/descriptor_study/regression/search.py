"""The regression's hyperparameter search: cross-validation on the training set
(docs/paper-settings.md), for the sweep of :mod:`.sweep`.

- :func:`cv_grid`: ``folds``-fold cross-validation at the full feature count, every candidate
  of the grid (λ from :data:`LAMBDA_GRID`; for KRR γ from :data:`GAMMA_FACTORS` / the median
  squared distance between training structures); :func:`choose` takes the candidate of the
  smallest error among those that passed; :func:`search_hyperparameters` is the two together,
  the one set the whole sweep holds.
- :func:`cross_validate`: the choice made again at every size, a table with a row per n
  (what :func:`.sweep.feature_sweep` takes as ``hyper``).
- RR: one SVD serves the whole λ grid, or per λ one stacked factor every size
  (:class:`.folds._RidgePrefixes`); KRR: one tridiagonalisation of a kernel serves every
  λ (:func:`_shifted_solves`).
- Candidates that :func:`.models.fit_status` would reject as ill-conditioned in some fold,
  or whose validation error is not finite, are not chosen.

The folds, the scaling, the distances and the model's hyperparameter names are the
regression's own (:func:`.folds._folds`, :func:`.models.normalise`,
:func:`.models._add_squared_distances`, :func:`.hyperparameters._hyper_keys`): this module
imports them, never the other way round.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..vocabulary import MODELS
from .folds import CV_FOLDS, _folds, _RidgePrefixes
from .hyperparameters import _hyper_keys
from .models import EPS, Problem, _add_squared_distances, _blas_threads, _block_solve, normalise

log = logging.getLogger(__name__)

LAMBDA_GRID = tuple(10.0 ** np.arange(-12, 3))  # the cross-validation's λ candidates
GAMMA_FACTORS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # its γ candidates × 1/(median squared distance)


def _median_positive(D: np.ndarray, sq: np.ndarray) -> float | None:
    """Median of the squared distances between distinct rows (upper triangle of D) that are
    positive beyond the rounding of :func:`_add_squared_distances` (1e-12·(‖a‖² + ‖b‖²),
    ``sq`` the rows' squared norms); None when there is none."""
    iu = np.triu_indices(len(D), 1)
    values = D[iu]
    values = values[values > 1e-12 * (sq[iu[0]] + sq[iu[1]])]
    return float(np.median(values)) if len(values) else None


def _fold_scaled(Xtr: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """All training rows, scaled as :func:`normalise` scales them for a fit on ``fit``."""
    return normalise(Xtr[fit], Xtr)[1]


def _cv_errors_rr(
    R: np.ndarray, fit: np.ndarray, val: np.ndarray, y: np.ndarray, n_atoms: np.ndarray, lambdas: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Validation RMSE per atom and the rcond :func:`fit_status` checks (that of the factor R
    of the stacked system) for every λ, from one SVD of the fold's training
    matrix. R: triangular factor of (the scaled training matrix)ᵀ, whose columns are the
    training structures in the basis of the features' span, so ridge on R[:, fit]ᵀ is ridge
    on the fold's training rows and R[:, val]ᵀ gives their validation predictions."""
    U, s, Vt = np.linalg.svd(R[:, fit].T, full_matrices=False)
    uty, BV = U.T @ y[fit], R[:, val].T @ Vt.T
    gains = s[None, :] / (s[None, :] ** 2 + lambdas[:, None])  # λ × r
    pred = (gains * uty[None, :]) @ BV.T  # λ × validation
    err = np.sqrt(np.mean(((pred - y[val][None, :]) / n_atoms[val][None, :]) ** 2, axis=1))
    smax, smin = (s[0], s[-1]) if len(s) else (0.0, 0.0)
    rcond = np.sqrt((smin**2 + lambdas) / (smax**2 + lambdas))  # of R of the stacked [A; √λ I], as ridge_qr
    return err, rcond


def _cv_errors_krr(
    Dff: np.ndarray,
    Dvf: np.ndarray,
    y_fit: np.ndarray,
    y_val: np.ndarray,
    n_val: np.ndarray,
    gamma: float,
    lambdas: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Validation RMSE per atom and rcond(K + λI) for every λ at one γ, from one
    tridiagonalisation of the fold's kernel (:func:`_shifted_solves`)."""
    coef, w = _shifted_solves(np.exp(-gamma * Dff), y_fit, lambdas)
    pred = (np.exp(-gamma * Dvf) @ coef).T  # λ × validation
    err = np.sqrt(np.mean(((pred - y_val[None, :]) / n_val[None, :]) ** 2, axis=1))
    low, high = w[0] + lambdas, w[-1] + lambdas
    rcond = np.where(low > 0, low / high, 0.0)
    return err, rcond


def _shifted_solves(K: np.ndarray, y: np.ndarray, lambdas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K + λI)⁻¹ y for every λ (columns) and K's smallest and largest eigenvalue, from one
    tridiagonalisation K = Q T Qᵀ (LAPACK sytrd): (K + λI)⁻¹ y = Q (T + λI)⁻¹ Qᵀ y, a
    tridiagonal solve per λ; T's extreme eigenvalues (bisection, stebz) are K's.  No
    eigenvectors: a quarter of the time of an eigendecomposition at the demo sizes.  A λ
    whose T + λI is exactly singular gets NaN."""
    from scipy.linalg import lapack

    n = len(y)
    out = np.full((n, len(lambdas)), np.nan)
    if n == 1:
        k = float(K[0, 0])
        return y[0] / (k + lambdas)[None, :], np.array([k, k])
    c, d, e, tau, info = lapack.dsytrd(K, lower=1)
    if info != 0 or not (np.all(np.isfinite(d)) and np.all(np.isfinite(e))):
        return out, np.array([np.nan])
    w = np.array([_tridiagonal_eigenvalue(lapack, d, e, k) for k in (1, n)])
    reflectors = c[1:, :-1]  # Q = H(1)…H(n−1), stored as a QR of the subdiagonal part (LAPACK ormtr)
    qty = y.astype(float).reshape(-1, 1)
    qty[1:], _, _ = lapack.dormqr("L", "T", reflectors, tau, qty[1:], max(64, n))
    for j, lam in enumerate(lambdas):
        *_, z, info = lapack.dgtsv(e, d + lam, e, qty)
        if info == 0:
            out[:, j] = z[:, 0]
    out[1:], _, _ = lapack.dormqr("L", "N", reflectors, tau, out[1:], max(64, n) * len(lambdas))
    return out, w


def _tridiagonal_eigenvalue(lapack, d: np.ndarray, e: np.ndarray, k: int) -> float:
    """The k-th smallest eigenvalue (1-based) of the symmetric tridiagonal (d, e), by
    bisection to working precision; NaN when LAPACK fails."""
    m, w, _, _, info = lapack.dstebz(d, e, 2, 0.0, 0.0, k, k, 0.0, "E")
    return float(w[0]) if info == 0 and m == 1 else np.nan


def cross_validate(
    problem: Problem,
    ranking: np.ndarray,
    model: str,
    sizes: Iterable[int],
    folds: int = 5,
    seed: int = 0,
    lambdas: Sequence[float] | None = None,
    gammas: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Hyperparameters chosen where they are used: at each size n, by ``folds``-fold
    cross-validation on the training set only (its own normalisation per fold), the λ (and
    for KRR γ) of the smallest mean validation RMSE per atom.

    RR, sizes up to the fold's training count: one QR of the fold's training matrix, then
    per λ one stacked factor whose leading blocks give every size at once
    (:meth:`_RidgePrefixes.predict_all`, rcond the exact 1-norm one of each block); larger
    sizes: one SVD per size serves the whole λ grid (of the triangular factor of an
    incrementally updated QR of the training matrix's transpose, so a wide matrix costs as
    a square one; rcond the exact 2-norm one).  KRR: one tridiagonalisation of each fold's
    kernel per γ serves every λ (:func:`_shifted_solves`); the γ grid is :data:`GAMMA_FACTORS` /
    the median squared distance between training structures at that n, unless ``gammas``
    are given. Candidates that :func:`fit_status` would reject as ill-conditioned in some
    fold, or whose validation error is not finite, are not chosen. Returns n, the
    hyperparameters, cv_rmse."""
    P = problem
    sizes = [int(n) for n in sizes]
    lambdas = np.asarray(lambdas if lambdas is not None else LAMBDA_GRID, dtype=float)
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}")
    Xtr = P.X[P.train][:, ranking]
    y, n_atoms = P.y[P.train], P.n_atoms[P.train]
    parts = _folds(len(y), folds, seed)
    rows = []
    with _blas_threads(len(y)):
        scaled = [_fold_scaled(Xtr, fit) for fit, _ in parts]
        if model == "rr":
            errs, valid = _cv_rr(scaled, parts, y, n_atoms, sizes, lambdas)
            for s_, n in enumerate(sizes):
                i = _best(errs[s_], valid[s_])
                rows.append(
                    {
                        "n": n,
                        "rr_lambda": lambdas[i] if i is not None else np.nan,
                        "cv_rmse": errs[s_, i] if i is not None else np.nan,
                    }
                )
        else:
            for n, grid, errs, valid in _cv_krr(Xtr, scaled, parts, y, n_atoms, sizes, lambdas, gammas):
                flat = _best(errs.ravel(), valid.ravel())  # λ-major order: the smallest λ wins ties
                i, j = divmod(flat, len(grid)) if flat is not None else (None, None)
                rows.append(
                    {
                        "n": n,
                        "krr_lambda": lambdas[i] if i is not None else np.nan,
                        "krr_gamma": grid[j] if j is not None else np.nan,
                        "cv_rmse": errs[i, j] if i is not None else np.nan,
                    }
                )
    table = pd.DataFrame(rows, columns=["n", *_hyper_keys(model), "cv_rmse"])
    unchosen = table["cv_rmse"].isna()
    if unchosen.any():
        log.warning(
            "%s: no hyperparameter candidate passed cross-validation at n = %s",
            model,
            table.loc[unchosen, "n"].tolist()[:10],
        )
    return table


def _cv_rr(scaled, parts, y, n_atoms, sizes, lambdas) -> tuple[np.ndarray, np.ndarray]:
    """Mean validation RMSE per atom (sizes × λ) and whether each candidate passed in every fold."""
    errs = np.zeros((len(sizes), len(lambdas)))
    valid = np.ones((len(sizes), len(lambdas)), dtype=bool)
    for k, (fit, val) in enumerate(parts):
        Z = scaled[k]
        tall = [s for s, n in enumerate(sizes) if n <= len(fit)]
        if tall:
            ns = [sizes[s] for s in tall]
            m = max(ns)
            prefixes = _RidgePrefixes(Z[fit][:, :m], y[fit])
            B, yv, nv = Z[val][:, :m], y[val][:, None], n_atoms[val][:, None]
            for j, lam in enumerate(lambdas):
                got = prefixes.predict_all(*prefixes.factor(lam), B, ns)
                if got is None:  # an exactly singular factor (λ = 0 and dependent columns)
                    errs[tall, j], valid[tall, j] = np.nan, False
                    continue
                pred, rcond = got
                err = np.sqrt(np.mean(((pred - yv) / nv) ** 2, axis=0))
                errs[tall, j] += err / len(parts)
                valid[tall, j] &= np.isfinite(err) & (rcond >= EPS)
        R, done = np.zeros((0, len(y))), 0
        for s, n in enumerate(sizes):
            if n <= len(fit):
                continue
            R = np.linalg.qr(np.vstack([R, Z[:, done:n].T]), mode="r")
            done = n
            err, rcond = _cv_errors_rr(R, fit, val, y, n_atoms, lambdas)
            errs[s] += err / len(parts)
            valid[s] &= np.isfinite(err) & (rcond >= EPS)
    return errs, valid


def _cv_krr(Xtr, scaled, parts, y, n_atoms, sizes, lambdas, gammas):
    """Per size: n, the γ grid (``gammas``, else :data:`GAMMA_FACTORS` / the median squared
    distance), the mean validation RMSE per atom (λ × γ) and whether each candidate passed
    in every fold."""
    D = [np.zeros((len(y), len(y))) for _ in parts]
    Dall, Zall = np.zeros((len(y), len(y))), normalise(Xtr, Xtr)[0]
    sq = np.zeros(len(y))
    done = 0
    for n in sizes:
        for k in range(len(parts)):
            _add_squared_distances(D[k], scaled[k][:, done:n])
        if gammas is None:
            _add_squared_distances(Dall, Zall[:, done:n])
            sq += np.einsum("ij,ij->i", Zall[:, done:n], Zall[:, done:n])
            median = _median_positive(Dall, sq)
            grid = [f / (median if median is not None else float(n)) for f in GAMMA_FACTORS]
        else:
            grid = [float(g) for g in gammas]
        done = n
        errs = np.zeros((len(lambdas), len(grid)))
        valid = np.ones((len(lambdas), len(grid)), dtype=bool)
        for k, (fit, val) in enumerate(parts):
            Dff, Dvf = D[k][np.ix_(fit, fit)], D[k][np.ix_(val, fit)]
            for j, g in enumerate(grid):
                err, rcond = _cv_errors_krr(Dff, Dvf, y[fit], y[val], n_atoms[val], g, lambdas)
                errs[:, j] += err / len(parts)
                valid[:, j] &= np.isfinite(err) & (rcond >= EPS)
        yield n, grid, errs, valid


def _best(errors: np.ndarray, valid: np.ndarray) -> int | None:
    """Index of the smallest valid error (the first on ties), None when none is valid."""
    if not np.any(valid):
        return None
    return int(np.argmin(np.where(valid, errors, np.inf)))


def cv_grid(
    problem: Problem,
    model: str,
    folds: int = CV_FOLDS,
    seed: int = 0,
    lambdas: Sequence[float] | None = None,
    gammas: Sequence[float] | None = None,
    gamma_factors: Sequence[float] = GAMMA_FACTORS,
) -> pd.DataFrame:
    """``folds``-fold cross-validation on the training set at the full feature count, every
    candidate of the grid: λ from ``lambdas`` (default :data:`LAMBDA_GRID`) and, for KRR, γ
    from ``gammas`` (default ``gamma_factors`` / the median squared distance between training
    structures).  The features are scaled once on the whole training set, as the sweep scales
    them; the test set takes no part.  Rows in λ-major order (γ varies fastest): the
    hyperparameters, cv_rmse (mean over the folds of the validation RMSE per atom) and passed
    (False for a candidate that :func:`fit_status` would reject as ill-conditioned in some fold,
    or whose error is not finite).

    RR: one SVD of the scaled training matrix Z = U S Vᵀ serves every λ and fold: the fit's
    residual operator is M = I − U diag(s²/(s² + λ)) Uᵀ and the residual of fold V under the fit
    without it is (M_VV)⁻¹ (M y)_V; the rcond is that of the stacked [Z; √λ I] (2-norm).
    KRR: each fold refitted, one tridiagonalisation of its kernel per γ serving every λ
    (:func:`_shifted_solves`)."""
    P = problem
    keys = _hyper_keys(model)
    lambdas = np.asarray(lambdas if lambdas is not None else LAMBDA_GRID, dtype=float)
    y, n_atoms = P.y[P.train], P.n_atoms[P.train]
    parts = _folds(len(y), folds, seed)
    with _blas_threads(len(y)):
        Z = normalise(P.X[P.train], P.X[P.train][:0])[0]
        if model == "rr":
            errs, valid = _grid_rr(Z, y, n_atoms, parts, lambdas)
            rows = [{"rr_lambda": lam, "cv_rmse": e, "passed": v} for lam, e, v in zip(lambdas, errs, valid)]
        else:
            D = np.zeros((len(y), len(y)))
            _add_squared_distances(D, Z)
            if gammas is None:
                median = _median_positive(D, np.einsum("ij,ij->i", Z, Z))
                grid = [f / (median if median is not None else float(Z.shape[1])) for f in gamma_factors]
            else:
                grid = [float(g) for g in gammas]
            errs = np.zeros((len(lambdas), len(grid)))
            valid = np.ones((len(lambdas), len(grid)), dtype=bool)
            for fit, val in parts:
                Dff, Dvf = D[np.ix_(fit, fit)], D[np.ix_(val, fit)]
                for j, g in enumerate(grid):
                    err, rcond = _cv_errors_krr(Dff, Dvf, y[fit], y[val], n_atoms[val], g, lambdas)
                    errs[:, j] += err / len(parts)
                    valid[:, j] &= np.isfinite(err) & (rcond >= EPS)
            rows = [
                {"krr_lambda": lam, "krr_gamma": g, "cv_rmse": errs[i, j], "passed": bool(valid[i, j])}
                for i, lam in enumerate(lambdas)
                for j, g in enumerate(grid)
            ]
    return pd.DataFrame(rows, columns=[*keys, "cv_rmse", "passed"])


def _grid_rr(Z, y, n_atoms, parts, lambdas) -> tuple[np.ndarray, np.ndarray]:
    """cv_rmse and passed of every λ for ridge on Z (see :func:`cv_grid`)."""

    U, s, _ = np.linalg.svd(Z, full_matrices=False)
    N, r = U.shape
    uty = U.T @ y
    complement = r < N  # I − UUᵀ: the part of the training space no feature reaches
    errs, valid = np.zeros(len(lambdas)), np.ones(len(lambdas), dtype=bool)
    smax, smin = (s[0], s[-1]) if len(s) else (0.0, 0.0)
    for j, lam in enumerate(lambdas):
        shrink = lam / (s**2 + lam)  # 1 − s²/(s² + λ), without the cancellation
        resid = U @ (shrink * uty) + ((y - U @ uty) if complement else 0.0)
        total = 0.0
        for _, val in parts:
            UV = U[val]
            M = (UV * shrink[None, :]) @ UV.T
            if complement:
                M += np.eye(len(val)) - UV @ UV.T
            e = _block_solve(M, resid[val])
            total += np.sqrt(np.mean((e / n_atoms[val]) ** 2)) / len(parts)
        errs[j] = total
        rcond = np.sqrt((smin**2 + lam) / (smax**2 + lam)) if r else 1.0
        valid[j] = bool(np.isfinite(total) and rcond >= EPS)
    return errs, valid


def choose(grid: pd.DataFrame, model: str) -> dict[str, float] | None:
    """The candidate of :func:`cv_grid` with the smallest cv_rmse among those that passed (the
    first in λ-major order on ties: the smallest λ); None when none passed."""
    ok = grid[grid["passed"].astype(bool) & np.isfinite(grid["cv_rmse"])]
    if not len(ok):
        return None
    row = ok.loc[ok["cv_rmse"].idxmin()]
    return {k: float(row[k]) for k in _hyper_keys(model)}


def search_hyperparameters(problem: Problem, model: str, **grid: Any) -> dict[str, float]:
    """The hyperparameters of the whole sweep: :func:`choose` on :func:`cv_grid` (the full
    feature count, the training set only; ``grid``: its keyword arguments).  Raises
    DatasetError when no candidate passed."""
    table = cv_grid(problem, model, **grid)
    best = choose(table, model)
    if best is None:
        raise DatasetError(f"{model}: no hyperparameter candidate passed cross-validation ({len(table)} tried)")
    return best


def choose_hyperparameters(
    problem: Problem,
    ranking: np.ndarray,
    model: str,
    sizes: Sequence[int],
    hyper: Mapping[str, float] | None = None,
    search: bool | str = False,
    *,
    what: str,
    representation: str,
) -> tuple[dict[str, float] | pd.DataFrame, str]:
    """The hyperparameters of a sweep and where they came from (the sweep's
    hyperparameters_from): ``hyper`` (the config's) where it has every key of ``model``; else
    with ``search`` true one set chosen by cross-validation on the training set at the full
    feature count (:func:`cv_grid`, the grid in the job's log) and held for every size;
    ``search="every_size"`` chooses again at every size (:func:`cross_validate`).  ``what``
    names the sweep in the log lines, ``representation`` the config key to set when nothing
    can be chosen."""
    from ..errors import ConfigError
    from ..joblog import LOG_ONLY

    key = _hyper_keys(model)
    if hyper and all(k in hyper for k in key):  # the paper's route: the authors' values
        chosen, how = {k: float(hyper[k]) for k in key}, "config"
        log.info("%s: %s from config; %d train, %d test", what, chosen, len(problem.train), len(problem.test))
    elif search == "every_size":  # chosen again at every size, on the training set only
        chosen, how = cross_validate(problem, ranking, model, sizes), "cross-validation at every size"
        log.info(
            "%s: cross-validated at each of %d sizes (%s); %d train, %d test",
            what,
            len(sizes),
            ", ".join(f"{k} {chosen[k].min():.3g}..{chosen[k].max():.3g}" for k in key),
            len(problem.train),
            len(problem.test),
        )
    elif search:  # once, at the full feature count, on the training set only; held for every size
        grid = cv_grid(
            Problem(problem.X[:, ranking], problem.y, problem.n_atoms, problem.train, problem.test), model
        )  # the sweep's last size
        best = choose(grid, model)
        log.info(
            "%s: %d-fold cross-validation on the %d training structures at all %d features; grid (%s):\n%s",
            what,
            min(CV_FOLDS, len(problem.train)),
            len(problem.train),
            len(ranking),
            ", ".join(key),
            grid.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
            extra=LOG_ONLY,  # the grid in the job's log; the choice below on the console too
        )
        if best is None:
            raise DatasetError(
                f"{what}: no hyperparameter candidate passed cross-validation (every one ill-conditioned "
                f"or non-finite); set regression.hyperparameters.{representation}"
            )
        chosen = best
        how = f"cross-validation at all {len(ranking)} features"
        log.info(
            "%s: chosen %s, held for all %d sizes; %d train, %d test",
            what,
            chosen,
            len(sizes),
            len(problem.train),
            len(problem.test),
        )
    else:
        raise ConfigError(
            f"regression.hyperparameters.{representation}: {', '.join(key)} missing and regression.search is off"
        )
    return chosen, how
