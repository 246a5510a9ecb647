"""The regression study (docs/paper-settings.md, the paper's Figure 9): ridge (RR) and kernel
ridge (KRR) fits of cohesive energies against the number of CUR-selected features.

- Structure vectors: the sum of a structure's per-atom descriptors (a global representation: its own row).
- Normalisation on the training set: each feature divided by its root-mean-square over
  the training structures (no centring: RR has no intercept, as in the paper); a feature
  whose RMS is zero at working precision (< 10·ε) is left unscaled.
- Targets: cohesive energies t = E − Σ_el N_el·E0_el, E0 from the dataset's isolated
  atoms or from config.
- RR: argmin ‖A c − t‖² + λ‖c‖², by QR of the stacked [A; √λ I] against [t; 0].
- KRR: exp(−γ‖Vi − Vj‖²) kernel ridge (scikit-learn's KernelRidge); for the sweep the
  squared distances are accumulated feature by feature (in blocks).
- RMSE per atom: sqrt(mean(((prediction − target)/N_atoms)²)), on train and test.
- Hyperparameters: from config (the same at every size), or chosen at every size by
  cross-validation on the training set (:func:`cross_validate`); each sweep row records the
  values it used.
- A fit whose solution is numerically unusable (:func:`fit_status`) is a failed row:
  status "failed: <reason>", RMSEs NaN; the figure and the best-RMSE table skip it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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

# the split and targets files are read and checked in .splits


def isolated_atom_energies(structures) -> dict[str, float]:
    """E0 per element from single-atom, non-periodic structures."""
    e0 = {}
    for atoms in structures:
        if len(atoms) == 1 and not np.any(atoms.pbc) and "energy" in atoms.info:
            e0.setdefault(atoms.get_chemical_symbols()[0], float(atoms.info["energy"]))
    return e0


def cohesive_targets(
    structures, e0: dict[str, float], source: str = "<dataset>", e0_key: str = "datasets.<name>.e0"
) -> np.ndarray:
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

EPS = float(np.finfo(float).eps)
NEGLIGIBLE_SCALE = 10 * EPS  # a feature scale below this is zero at working precision (as in scikit-learn)
RESIDUAL_SLACK = 1e-6  # rounding allowance of the "training residual above the zero model's" test
LAMBDA_GRID = tuple(10.0 ** np.arange(-12, 3))  # the cross-validation's λ candidates
GAMMA_FACTORS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # its γ candidates × 1/(median squared distance)
_BLOCK_ELEMENTS = 4_000_000  # temporary array size of the blocked distance accumulation


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


# --- failed fits -------------------------------------------------------------------------


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


def _kernel_ridge(K_train: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, str | None]:
    """(K + λI)⁻¹ y as :func:`kernel_ridge_fit_predict` solves it, and the solver's complaint
    (scipy's LinAlgWarning: LAPACK's rcond estimate below ε; or a failed Cholesky)."""
    import warnings

    import scipy.linalg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", scipy.linalg.LinAlgWarning)
        try:
            coef = scipy.linalg.solve(K_train + lam * np.eye(len(y)), y, assume_a="pos")
        except np.linalg.LinAlgError as exc:
            return np.full(len(y), np.nan), f"K + λI could not be factorised ({exc})"
    complaints = [str(w.message) for w in caught if issubclass(w.category, scipy.linalg.LinAlgWarning)]
    if not complaints:
        return coef, None
    found = re.search(r"rcond\s*=\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)", complaints[0])
    detail = f"rcond {float(found.group(1)):.2g} < machine epsilon" if found else complaints[0].rstrip(".")
    return coef, f"ill-conditioned K + λI ({detail})"


def _add_squared_distances(D: np.ndarray, A: np.ndarray, B: np.ndarray) -> None:
    """D[i, j] += Σ_f (A[i, f] − B[j, f])², over the columns f of A and B, in blocks of
    features (exact differences, no ‖a‖² + ‖b‖² − 2a·b cancellation)."""
    step = max(1, int(_BLOCK_ELEMENTS // max(1, D.size)))
    for s in range(0, A.shape[1], step):
        a, b = A[:, s : s + step], B[:, s : s + step]
        D += np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1)


NO_HYPERPARAMETERS = "failed: no hyperparameter candidate passed cross-validation"


def _usable(h: Mapping[str, float]) -> bool:
    """False for the NaN :func:`cross_validate` records where no candidate passed."""
    return all(np.isfinite(v) for v in h.values())


def _hyper_keys(model: str) -> tuple[str, ...]:
    if model == "rr":
        return ("rr_lambda",)
    if model == "krr":
        return ("krr_lambda", "krr_gamma")
    raise ValueError(f"unknown model {model!r}")


def _per_size(hyper: Mapping[str, float] | pd.DataFrame, keys: Sequence[str], sizes: Sequence[int]) -> list[dict]:
    """The hyperparameters at each size: one mapping for all, or a table with a row per n."""
    if isinstance(hyper, pd.DataFrame):
        table = hyper.set_index("n")
        missing = [int(n) for n in sizes if int(n) not in table.index]
        if missing:
            raise ValueError(f"no hyperparameters for n = {missing[:5]}")
        return [{k: float(table.at[int(n), k]) for k in keys} for n in sizes]
    return [{k: float(hyper[k]) for k in keys} for _ in sizes]


# --- the sweep ---------------------------------------------------------------------------


def feature_sweep(
    problem: Problem, ranking: np.ndarray, model: str, hyper: Mapping[str, float] | pd.DataFrame, sizes: Iterable[int]
) -> pd.DataFrame:
    """Train/test RMSE per atom with the top-n ranked features, for each n in ``sizes``.

    ``hyper``: the same values at every size (a mapping), or a table with a row per n (columns
    n and the model's hyperparameters, as :func:`cross_validate` returns). Columns: n,
    train_rmse, test_rmse, percent, the hyperparameters used, status ("ok" or "failed: …",
    see :func:`fit_status`; the RMSEs of a failed row are NaN)."""
    P = problem
    sizes = [int(n) for n in sizes]
    keys = _hyper_keys(model)
    values = _per_size(hyper, keys, sizes)
    Xtr_all, Xte_all = normalise(P.X[P.train][:, ranking], P.X[P.test][:, ranking])
    ytr, yte = P.y[P.train], P.y[P.test]
    ntr, nte = P.n_atoms[P.train], P.n_atoms[P.test]
    rows = []
    if model == "rr":
        for n, h in zip(sizes, values):
            if not _usable(h):
                rows.append((n, None, None, NO_HYPERPARAMETERS))
                continue
            c, rcond = _ridge_fit(Xtr_all[:, :n], ytr, h["rr_lambda"])
            ptr, pte = Xtr_all[:, :n] @ c, Xte_all[:, :n] @ c
            rows.append((n, ptr, pte, fit_status(ytr, ptr, (c, pte), rcond=rcond)))
    else:
        Dtr = np.zeros((len(ytr), len(ytr)))
        Dte = np.zeros((len(yte), len(ytr)))
        done = 0
        for n, h in zip(sizes, values):
            _add_squared_distances(Dtr, Xtr_all[:, done:n], Xtr_all[:, done:n])
            _add_squared_distances(Dte, Xte_all[:, done:n], Xtr_all[:, done:n])
            done = n
            if not _usable(h):
                rows.append((n, None, None, NO_HYPERPARAMETERS))
                continue
            Ktr = np.exp(-h["krr_gamma"] * Dtr)
            coef, complaint = _kernel_ridge(Ktr, ytr, h["krr_lambda"])
            ptr, pte = Ktr @ coef, np.exp(-h["krr_gamma"] * Dte) @ coef
            rows.append((n, ptr, pte, fit_status(ytr, ptr, (coef, pte), solver_message=complaint)))
    out = []
    for (n, ptr, pte, status), h in zip(rows, values):
        ok = status == "ok"
        out.append(
            {
                "n": n,
                "train_rmse": rmse_per_atom(ptr, ytr, ntr) if ok else np.nan,
                "test_rmse": rmse_per_atom(pte, yte, nte) if ok else np.nan,
                **h,
                "status": status,
            }
        )
    df = pd.DataFrame(out, columns=["n", "train_rmse", "test_rmse", *keys, "status"])
    df.insert(3, "percent", 100.0 * df["n"] / len(ranking))
    return df


# --- cross-validation --------------------------------------------------------------------


def _folds(n_train: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit, validation) positions within the training set: a seeded permutation cut in
    ``folds`` parts (as many as there are training structures at most)."""
    if n_train < 2:
        raise DatasetError(f"cross-validation needs at least 2 training structures, got {n_train}")
    parts = np.array_split(np.random.default_rng(seed).permutation(n_train), min(folds, n_train))
    return [(np.sort(np.concatenate(parts[:k] + parts[k + 1 :])), np.sort(parts[k])) for k in range(len(parts))]


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
    eigendecomposition of the fold's kernel."""
    w, V = np.linalg.eigh(np.exp(-gamma * Dff))
    vty, KV = V.T @ y_fit, np.exp(-gamma * Dvf) @ V
    pred = (vty[None, :] / (w[None, :] + lambdas[:, None])) @ KV.T  # λ × validation
    err = np.sqrt(np.mean(((pred - y_val[None, :]) / n_val[None, :]) ** 2, axis=1))
    low, high = w[0] + lambdas, w[-1] + lambdas
    rcond = np.where(low > 0, low / high, 0.0)
    return err, rcond


def cross_validate(
    problem: Problem,
    ranking: np.ndarray,
    model: str,
    sizes: Iterable[int],
    folds: int = 5,
    seed: int = 0,
    lambdas: Sequence[float] | None = None,
    gammas: Sequence[float] | None = None,
    gamma_factors: Sequence[float] = GAMMA_FACTORS,
) -> pd.DataFrame:
    """Hyperparameters chosen where they are used: at each size n, by ``folds``-fold
    cross-validation on the training set only (its own normalisation per fold), the λ (and
    for KRR γ) of the smallest mean validation RMSE per atom.

    RR: one SVD of each fold's training matrix per n serves the whole λ grid (the matrix is
    kept as the triangular factor of an incrementally updated QR of its transpose, so a
    wide matrix costs as a square one). KRR: one eigendecomposition of each fold's kernel
    per γ serves every λ; the γ grid is ``gamma_factors`` / the median squared distance
    between training structures at that n, unless ``gammas`` are given. Candidates that
    :func:`fit_status` would reject as ill-conditioned in some fold, or whose validation
    error is not finite, are not chosen. Returns n, the hyperparameters, cv_rmse."""
    P = problem
    sizes = [int(n) for n in sizes]
    lambdas = np.asarray(lambdas if lambdas is not None else LAMBDA_GRID, dtype=float)
    Xtr = P.X[P.train][:, ranking]
    y, n_atoms = P.y[P.train], P.n_atoms[P.train]
    parts = _folds(len(y), folds, seed)
    scaled = [_fold_scaled(Xtr, fit) for fit, _ in parts]
    rows = []
    if model == "rr":
        Rs = [np.zeros((0, len(y))) for _ in parts]
        done = 0
        for n in sizes:
            errs, valid = [], np.ones(len(lambdas), dtype=bool)
            for k, (fit, val) in enumerate(parts):
                Rs[k] = np.linalg.qr(np.vstack([Rs[k], scaled[k][:, done:n].T]), mode="r")
                err, rcond = _cv_errors_rr(Rs[k], fit, val, y, n_atoms, lambdas)
                errs.append(err)
                valid &= np.isfinite(err) & (rcond >= EPS)
            done = n
            mean = np.mean(errs, axis=0)
            i = _best(mean, valid)
            rows.append(
                {
                    "n": n,
                    "rr_lambda": lambdas[i] if i is not None else np.nan,
                    "cv_rmse": mean[i] if i is not None else np.nan,
                }
            )
    elif model == "krr":
        D = [np.zeros((len(y), len(y))) for _ in parts]
        Dall, Zall = np.zeros((len(y), len(y))), normalise(Xtr, Xtr)[0]
        done = 0
        for n in sizes:
            for k in range(len(parts)):
                _add_squared_distances(D[k], scaled[k][:, done:n], scaled[k][:, done:n])
            if gammas is None:
                _add_squared_distances(Dall, Zall[:, done:n], Zall[:, done:n])
                positive = Dall[np.triu_indices(len(y), 1)]
                positive = positive[positive > 0]
                median = float(np.median(positive)) if len(positive) else float(n)
                grid = [f / median for f in gamma_factors]
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
    else:
        raise ValueError(f"unknown model {model!r}")
    table = pd.DataFrame(rows, columns=["n", *_hyper_keys(model), "cv_rmse"])
    unchosen = table["cv_rmse"].isna()
    if unchosen.any():
        log.warning(
            "%s: no hyperparameter candidate passed cross-validation at n = %s",
            model,
            table.loc[unchosen, "n"].tolist()[:10],
        )
    return table


def _best(errors: np.ndarray, valid: np.ndarray) -> int | None:
    """Index of the smallest valid error (the first on ties), None when none is valid."""
    if not np.any(valid):
        return None
    return int(np.argmin(np.where(valid, errors, np.inf)))


def search_hyperparameters(
    problem: Problem,
    model: str,
    folds: int = 5,
    seed: int = 0,
    lambdas: Sequence[float] | None = None,
    gammas: Sequence[float] | None = None,
) -> dict[str, float]:
    """Cross-validated (training set only) λ and, for KRR, γ at the full feature set
    (:func:`cross_validate` at that one size)."""
    n = problem.X.shape[1]
    row = cross_validate(problem, np.arange(n), model, [n], folds, seed, lambdas, gammas).iloc[0]
    best = {k: float(row[k]) for k in _hyper_keys(model)}
    log.info("%s: cross-validated %s (CV RMSE %.4g eV/atom)", model, best, row["cv_rmse"])
    return best


def best_rmse_table(sweeps: dict[tuple[str, str, str], pd.DataFrame]) -> pd.DataFrame:
    """Best test RMSE per sweep over the rows that hold a result (:func:`ok_rows`; failed fits
    are ignored and counted in ``failed_fits``); the full_* columns are those of the last
    row (all features), NaN when that fit failed."""
    rows = []
    for (model, dataset, rep), df in sweeps.items():
        ok = ok_rows(df)
        good = df[ok]
        best = good.loc[good["test_rmse"].idxmin()] if len(good) else None
        last = df.iloc[-1]
        rows.append(
            {
                "model": model.upper(),
                "dataset": dataset,
                "representation": rep,
                "best_test_rmse": float(best["test_rmse"]) if best is not None else np.nan,
                "n_at_best": int(best["n"]) if best is not None else pd.NA,
                "full_test_rmse": float(last["test_rmse"]) if ok.iloc[-1] else np.nan,
                "full_train_rmse": float(last["train_rmse"]) if ok.iloc[-1] else np.nan,
                "n_features": int(last["n"]),
                "failed_fits": int((~ok).sum()),
            }
        )
    return pd.DataFrame(rows).sort_values(["model", "dataset", "full_test_rmse"]).reset_index(drop=True)


def read_sweeps(sweeps: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Sweep records ``{"model": ..., "dataset": ..., "rep": ..., "path": ...}`` →
    {(model, dataset, rep): sweep}.  The names come from the records (the rule builds them
    with the paths), never from the paths."""
    return {(str(r["model"]), str(r["dataset"]), str(r["rep"])): pd.read_csv(r["path"]) for r in sweeps}


def best_rmse_from_files(sweeps: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The best-RMSE table of the sweep records (see :func:`read_sweeps`)."""
    return best_rmse_table(read_sweeps(sweeps))
