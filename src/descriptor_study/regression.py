"""The regression study (docs/paper-settings.md, the paper's Figure 9): ridge (RR) and kernel
ridge (KRR) fits of cohesive energies against the number of CUR-selected features.

- Structure vectors: the sum of a structure's per-atom descriptors (a global representation: its own row).
- Normalisation on the training set: each feature divided by its root-mean-square over
  the training structures (no centring: RR has no intercept, as in the paper); a feature
  whose RMS is zero at working precision (< 10·ε) is left unscaled.
- Targets: cohesive energies t = E − Σ_el N_el·E0_el, E0 from the dataset's isolated
  atoms or from config.
- RR: argmin ‖A c − t‖² + λ‖c‖², by QR of the stacked [A; √λ I] against [t; 0].  Features
  enter in ranking order, so one stacked factor per λ serves every size up to the number of
  rows (its leading blocks, :class:`_RidgePrefixes`).
- KRR: exp(−γ‖Vi − Vj‖²) kernel ridge (scikit-learn's KernelRidge's model); for the sweep the
  squared distances are accumulated feature by feature, one Cholesky factorisation per size;
  in cross-validation one tridiagonalisation of a kernel serves every λ
  (:func:`.regression_search._shifted_solves`).
- Small problems (< SMALL_PROBLEM training structures) run with single-threaded BLAS.
- RMSE per atom: sqrt(mean(((prediction − target)/N_atoms)²)), on train and test.
- Hyperparameters: one set for the whole sweep, as the paper held its values: from config, or
  chosen by 5-fold cross-validation on the training set at the full feature count
  (:func:`.regression_search.cv_grid`, :func:`.regression_search.choose`); optionally chosen
  again at every size (:func:`.regression_search.cross_validate`).  Each sweep row records
  the values it used.
- Every sweep row also has the 5-fold cross-validation error of its own fit on the training set
  (heldout_rmse, in closed form from the fit's factorisation); the best-RMSE table chooses its
  size with it, and reports the test RMSE there: no summary looks at the test set to choose.
- A fit whose solution is numerically unusable (:func:`fit_status`) is a failed row:
  status "failed: <reason>", RMSEs NaN; the figure and the best-RMSE table skip it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DatasetError
from .vocabulary import HYPERPARAMETERS, MODEL_HYPERPARAMETERS, N_TOP


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
CV_FOLDS = 5  # the folds of every cross-validation on the training set
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


def sweep_sizes(n_features: int, n_top: int = N_TOP, n_log: int = 60) -> np.ndarray:
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


NO_HYPERPARAMETERS = "failed: no hyperparameter candidate passed cross-validation"


def _usable(h: Mapping[str, float]) -> bool:
    """False for the NaN :func:`.regression_search.cross_validate` records where no candidate passed."""
    return all(np.isfinite(v) for v in h.values())


def _hyper_keys(model: str) -> tuple[str, ...]:
    if model not in MODEL_HYPERPARAMETERS:
        raise ValueError(f"unknown model {model!r}")
    return MODEL_HYPERPARAMETERS[model]


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
    n and the model's hyperparameters, as :func:`.regression_search.cross_validate` returns). Columns: n,
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


def _blas_threads(n_train: int):
    """Single-threaded BLAS while the matrices are small (< SMALL_PROBLEM training
    structures): a few-hundred-square factorisation gains nothing from a second thread and,
    on a busy machine, loses up to 50× to its synchronisation."""
    from contextlib import nullcontext

    if n_train >= SMALL_PROBLEM:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


# --- the folds and the prefix fits (regression_search's too) -----------------------------


def _folds(n_train: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit, validation) positions within the training set: a seeded permutation cut in
    ``folds`` parts (as many as there are training structures at most)."""
    if n_train < 2:
        raise DatasetError(f"cross-validation needs at least 2 training structures, got {n_train}")
    parts = np.array_split(np.random.default_rng(seed).permutation(n_train), min(folds, n_train))
    return [(np.sort(np.concatenate(parts[:k] + parts[k + 1 :])), np.sort(parts[k])) for k in range(len(parts))]


class _RidgePrefixes:
    """Ridge fits on the first n columns of A, for every n ≤ A's row count, from one QR.

    [A y] = Q₀ [R₀ z₀; 0 ρ] once; then for each λ one QR of the stacked [R₀ z₀; √λ I 0]
    (the same least-squares problem as [A; √λ I] against [y; 0]) gives R_λ and z_λ.  Columns
    enter in order and the rows of √λ I of later features are zero in the first n columns,
    so the stacked factor of the first n columns is the leading n × n block of R_λ and their
    Qᵀ[y; 0] the first n entries of z_λ: c_n = R_λ[:n, :n]⁻¹ z_λ[:n], a triangular solve."""

    def __init__(self, A: np.ndarray, y: np.ndarray):
        N, m = A.shape
        if m > N:
            raise ValueError(f"prefix ridge needs at most as many columns as rows ({m} > {N})")
        R = np.linalg.qr(np.column_stack([A, y]), mode="r")
        self.m, self.R0, self.z0 = m, R[:m, :m], R[:m, m]

    def factor(self, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """R_λ (m × m, upper triangular) and z_λ (m)."""
        m = self.m
        S = np.zeros((2 * m, m + 1))
        S[:m, :m], S[:m, m] = self.R0, self.z0
        S[np.arange(m, 2 * m), np.arange(m)] = np.sqrt(lam)
        R = np.linalg.qr(S, mode="r")
        return R[:m, :m], R[:m, m]

    @staticmethod
    def fit(R: np.ndarray, z: np.ndarray, n: int) -> tuple[np.ndarray, float]:
        """c_n and the rcond of its factor (as :func:`_ridge_fit`)."""
        import scipy.linalg

        Rn = R[:n, :n]
        try:
            c = scipy.linalg.solve_triangular(Rn, z[:n])
        except np.linalg.LinAlgError:  # an exactly singular factor
            return np.full(n, np.nan), 0.0
        return c, _triangular_rcond(Rn)

    @staticmethod
    def predict_all(R: np.ndarray, z: np.ndarray, B: np.ndarray, sizes: Sequence[int]):
        """Predictions B[:, :n] c_n for each n in ``sizes`` (columns) and the exact 1-norm rcond
        of each leading block, from one triangular inverse: (R⁻¹)[:n, :n] is the inverse of
        R[:n, :n], so B[:, :n] c_n = Σ_{j<n} (B R⁻¹)[:, j] z_j, a running sum; ‖R[:n, :n]‖₁ and
        ‖R[:n, :n]⁻¹‖₁ are running maxima of column sums.  None when R is exactly singular."""
        from scipy.linalg import lapack

        Rinv, info = lapack.dtrtri(R, lower=0)
        if info != 0:
            return None
        Rinv = np.triu(Rinv)
        idx = np.asarray(sizes, dtype=int) - 1
        with np.errstate(over="ignore", invalid="ignore"):
            pred = np.cumsum((B @ Rinv) * z[None, :], axis=1)[:, idx]
            norm = np.maximum.accumulate(np.sum(np.abs(np.triu(R)), axis=0))[idx]
            inorm = np.maximum.accumulate(np.sum(np.abs(Rinv), axis=0))[idx]
            rcond = 1.0 / (norm * inorm)
        return pred, np.where(np.isfinite(rcond), rcond, 0.0)


def best_rmse_table(sweeps: dict[tuple[str, str, str], pd.DataFrame]) -> pd.DataFrame:
    """Per sweep, the size chosen on the training set and the test RMSE reported there.

    The size is the one of the smallest heldout_rmse (the sweep's cross-validation error on the
    training set, :func:`feature_sweep`) among the rows that hold a result (:func:`ok_rows`;
    failed fits are ignored and counted in ``failed_fits``); the test set never enters the
    choice.  Columns: n_chosen, heldout_rmse and test_rmse, train_rmse at that size; the full_*
    columns are those of the last row (all features), NaN when that fit failed; the
    hyperparameters of the last row and where they came from.  A sweep written without
    heldout_rmse has no choice (NaN)."""
    rows = []
    for (model, dataset, rep), df in sweeps.items():
        ok = ok_rows(df)
        held = pd.to_numeric(df["heldout_rmse"], errors="coerce") if "heldout_rmse" in df.columns else None
        usable = df[ok & np.isfinite(held)] if held is not None else df.iloc[:0]
        chosen = usable.loc[usable["heldout_rmse"].idxmin()] if len(usable) else None
        last = df.iloc[-1]
        keys = [k for k in HYPERPARAMETERS if k in df.columns]
        rows.append(
            {
                "model": model.upper(),
                "dataset": dataset,
                "representation": rep,
                "n_chosen": int(chosen["n"]) if chosen is not None else pd.NA,
                "heldout_rmse": float(chosen["heldout_rmse"]) if chosen is not None else np.nan,
                "test_rmse": float(chosen["test_rmse"]) if chosen is not None else np.nan,
                "train_rmse": float(chosen["train_rmse"]) if chosen is not None else np.nan,
                "full_test_rmse": float(last["test_rmse"]) if ok.iloc[-1] else np.nan,
                "full_train_rmse": float(last["train_rmse"]) if ok.iloc[-1] else np.nan,
                "n_features": int(last["n"]),
                "hyperparameters": ", ".join(f"{k} {float(last[k]):.3g}" for k in keys),
                "hyperparameters_from": str(last.get("hyperparameters_from", "")),
                "failed_fits": int((~ok).sum()),
            }
        )
    # sorted by the test RMSE the table leads with (its title), NaN last
    return pd.DataFrame(rows).sort_values(["model", "dataset", "test_rmse"], kind="stable").reset_index(drop=True)


#: what the best-RMSE table's markdown says above the table
BEST_RMSE_NOTE = (
    "n_chosen: the number of CUR-selected features with the smallest 5-fold cross-validation error on the "
    "training set (heldout_rmse); test_rmse and train_rmse are reported at that size, so the test set "
    "takes no part in the choice. full_*: all features. RMSE in eV/atom."
)
