"""Feature selection and its error curves: CUR (k = 1), FPS and PCA (docs/paper-settings.md, "Dimensionality study").

Why our own CUR: the textbook algorithm (and scikit-matter's ``CUR(k=1,
recompute_every=1)``, its reference implementation, and the authors' code) recomputes a
singular value decomposition of the n × d residual, and the authors also a
pseudo-inverse, at every one of the d selections: hours per curve on 28k × 3780.  We
make the same choices at a fraction of the cost:

1. The scores (squared top right singular vector of the residual) and the orthogonalisation
   depend on X only through its Gram matrix XᵀX, so X is replaced by diag(s) Vᵀ from the
   SVD of its QR factor, cut to its numerical rank (singular values above 1e-15·‖X‖_F).
2. Orthogonalising every column against the selected column c is a rank-one update of
   the column space; a Householder reflection that maps the residual column c onto the
   first axis turns the residual's first row into zeros, which we drop.  The residual
   shrinks by one row per selection and is kept explicitly, so the error
   ‖X − C C⁺ X‖_F / ‖X‖_F (= ‖residual‖_F / ‖X‖_F) is exact down to round-off, without
   any pseudo-inverse.
3. The top right singular vector is Rᵀu with u the leading eigenvector of the small
   Gram matrix K = R Rᵀ, which shrinks with R (the same reflection, O(m²) per step).  u
   comes from a Davidson-type iteration on a subspace that is carried from one selection
   to the next: its basis V and the products K V follow the reflection and the deleted
   row exactly at O(m·k) cost, so the eigenvectors near the top of K, which change little
   between selections, need only a few new products with K (about 15 instead of the ~45
   of a warm-started Lanczos run when the top of the spectrum is clustered).  Each answer
   is accepted only when the residual ‖K u − θ u‖, recomputed with a fresh product, is
   below 1e-10·θ, or, late in the ranking where K's own round-off keeps it above that,
   once it has stopped falling below 1e-6·θ.  Small K (≤ ``dense_below`` rows) goes to
   a dense eigensolver.  The loop runs with single-threaded BLAS: its calls are
   matrix-vector sized and a second thread only adds synchronisation (5× slower here).

Once the residual norm falls below ``floor`` (1e-13 of ‖X‖_F) the leading singular
vector is round-off noise and no algorithm ranks the remaining columns meaningfully; we
then rank them by their residual norm (ties by index) and record the error as it is.
Before that point, the selections equal scikit-matter's (tests check it).

FPS treats features as points in R^rows with Euclidean distances from the Gram matrix,
starts from feature 0 (scikit-matter's default) and adds the farthest (max of min
distance); its error curve uses the same formula, by the same Householder updates.
PCA gives the explained-variance ratios of the centred matrix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from . import storage

log = logging.getLogger(__name__)

#: explained-variance ratios below this are "zero" (the paper's zero level)
ZERO_LEVEL = 1e-12
MACHINE_EPS = float(np.finfo(float).eps)


def drop_zero_columns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns that are not zero on every row, and their indices in X."""
    kept = np.flatnonzero(np.any(X != 0.0, axis=0))
    return X[:, kept], kept


def standardise_columns(X: np.ndarray) -> np.ndarray:
    """Each column centred and scaled to unit variance (constant columns left at zero)."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    return (X - mean) / std


def _compact(X: np.ndarray) -> np.ndarray:
    """A matrix with the same Gram matrix and at most as many rows as columns."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if n <= d:
        return X.copy()
    return scipy.linalg.qr(X, mode="r", overwrite_a=False, check_finite=False)[0][:d]


#: a selected column whose residual is below this fraction of its original norm is
#: (numerically) in the span of those already selected: it adds nothing, as in C C⁺ X
DEPENDENT = 1e-9


def _reflect_out(R: np.ndarray, c: int, original_norm: float, K: np.ndarray | None = None):
    """Orthogonalise every column of R against column c; return the shrunken residual.

    With ``K`` (= R Rᵀ), also return it reflected and shrunk the same way.
    """
    if R.shape[0] == 0:
        return R if K is None else (R, K)
    col = R[:, c]
    norm = np.linalg.norm(col)
    if norm <= DEPENDENT * original_norm:
        return R if K is None else (R, K)
    h = col.copy()
    h[0] += np.copysign(norm, col[0]) if col[0] != 0 else norm
    h /= np.linalg.norm(h)
    R = R - 2.0 * np.outer(h, h @ R)
    if K is None:
        return R[1:]
    Kh = K @ h
    K = K - 2.0 * np.outer(h, Kh) - 2.0 * np.outer(Kh, h) + 4.0 * (h @ Kh) * np.outer(h, h)
    return R[1:], K[1:, 1:]


def _first_best(score: np.ndarray, atol: float) -> int:
    """Lowest index whose score is within ``atol`` of the maximum.

    Exact ties (duplicated columns) are broken towards the lower index, as an exact
    argmax would, instead of by the last bits of round-off.
    """
    best = np.max(score)
    return int(np.flatnonzero(score >= best - atol)[0])


@dataclass
class Ranking:
    selected: np.ndarray  # column indices in selection order
    errors: np.ndarray  # ‖X − C C⁺ X‖_F / ‖X‖_F after each selection
    n_exact: int  # selections made before the residual reached the round-off floor


def _rank_reduced(X: np.ndarray, norm0: float) -> np.ndarray:
    """Rows with the Gram matrix of X, reduced to its numerical rank: diag(s) Vᵀ.

    Singular values below 1e-15·‖X‖_F are dropped; they change the error curve only
    below the round-off floor.
    """
    R = _compact(X)
    if R.shape[0] <= 64:
        return np.ascontiguousarray(R)
    _, sv, vt = scipy.linalg.svd(R, full_matrices=False, check_finite=False, lapack_driver="gesdd")
    keep = sv > 1e-15 * norm0
    return np.ascontiguousarray(sv[keep, None] * vt[keep])


class _CarriedSubspace:
    """Leading eigenvector of a symmetric K (lower triangle), on a basis kept across changes of K.

    Rows of ``V`` are an orthonormal basis, rows of ``W`` are K times them, ``T`` = V K Vᵀ.
    Rows/columns [0, pivot) of K are zero and so are those columns of V and W.
    """

    def __init__(self, K: np.ndarray, start: np.ndarray, kmax: int = 60, kkeep: int = 20):
        m = K.shape[0]
        self.kmax, self.kkeep = kmax, kkeep
        self.V = np.zeros((kmax + 1, m))
        self.W = np.zeros((kmax + 1, m))
        self.T = np.zeros((kmax + 1, kmax + 1))
        V0 = np.linalg.qr(start.T)[0].T
        k = V0.shape[0]
        self.V[:k] = V0
        self.k = k
        self.rng = np.random.default_rng(1)
        self._refresh_W(K)

    def _refresh_W(self, K: np.ndarray) -> None:
        from scipy.linalg.blas import dsymm

        k = self.k
        self.W[:k] = dsymm(1.0, K, self.V[:k].T, lower=1).T
        self._refresh_T()
        self.theta_at_refresh = float(np.linalg.eigvalsh(self.T[:k, :k])[-1])

    def _refresh_T(self) -> None:
        k = self.k
        T = self.V[:k] @ self.W[:k].T
        self.T[:k, :k] = 0.5 * (T + T.T)

    def top(self, K: np.ndarray, pivot: int, tol: float = 1e-10) -> np.ndarray:
        """The leading eigenvector, to a residual of tol·θ or, once K's own round-off
        stops the residual from falling (below 1e-6·θ, no 10% gain in 30 products, after
        W has been recomputed), there.

        W = K V is carried through the reflections with absolute errors of the size of
        the largest K seen; it is recomputed whenever θ has fallen 1000-fold since the
        last time, or the residual stalls.
        """
        from scipy.linalg.blas import dsymv

        best, since, fresh = np.inf, 0, False
        while True:
            k = self.k
            V, W = self.V[:k], self.W[:k]
            theta, S = np.linalg.eigh(self.T[:k, :k])
            if theta[-1] < 1e-3 * self.theta_at_refresh and not fresh:
                self._refresh_W(K)
                fresh = True
                continue
            s = S[:, -1]
            y = s @ V
            r = s @ W - theta[-1] * y
            rn = np.linalg.norm(r) / theta[-1]
            if rn < 0.9 * best:
                best, since = rn, 0
            else:
                since += 1
            if rn <= tol or (since >= 30 and best <= 1e-6):
                true_rn = np.linalg.norm(dsymv(1.0, K, y, lower=1) - theta[-1] * y) / theta[-1]
                if true_rn <= tol or (fresh and true_rn <= 2.0 * rn):
                    return y
            if (since >= 30 or rn <= tol) and not fresh:
                self._refresh_W(K)
                best, since, fresh = np.inf, 0, True
                continue
            if since > 2000:
                raise RuntimeError(f"CUR eigensolver: no convergence (residual {rn:.2e}·θ)")
            if k >= self.kmax:  # thick restart on the top Ritz vectors
                keep = S[:, -self.kkeep :]
                k = self.kkeep
                self.V[:k], self.W[:k] = keep.T @ V, keep.T @ W
                self.T[:k, :k] = np.diag(theta[-k:])
                self.k = k
                V, W = self.V[:k], self.W[:k]
            t = r
            t[:pivot] = 0.0
            size = np.linalg.norm(t)
            for _ in range(3):  # Gram-Schmidt, repeated while it cancels most of t
                t -= (V @ t) @ V
                if np.linalg.norm(t) > 1e-3 * size:
                    break
                size = np.linalg.norm(t)
            if not np.linalg.norm(t) > 1e-12 * np.linalg.norm(r):
                # r is numerically inside the basis: continue with a fresh direction
                t = self.rng.standard_normal(len(t))
                t[:pivot] = 0.0
                t -= (V @ t) @ V
                t -= (V @ t) @ V
            t /= np.linalg.norm(t)
            Kt = dsymv(1.0, K, t, lower=1)
            self.V[k], self.W[k] = t, Kt
            row = self.V[: k + 1] @ Kt
            self.T[k, : k + 1] = row
            self.T[: k + 1, k] = row
            self.k = k + 1

    def reflect(self, h: np.ndarray, p: int, Kh: np.ndarray, Kep: np.ndarray) -> None:
        """Follow K → Z H K H Z (H = I − 2hhᵀ, Z deletes row/column p); Kh, Kep from the old K."""
        k = self.k
        V, W = self.V[:k], self.W[:k]
        V -= 2.0 * np.outer(V @ h, h)
        a = V[:, p].copy()
        V[:, p] = 0.0
        W -= np.outer(a, Kep - 2.0 * h[p] * Kh)
        W -= 2.0 * np.outer(W @ h, h)
        W[:, p] = 0.0
        # re-orthonormalise (on the actual Gram matrix, which also removes the drift of
        # earlier steps); a direction (nearly) inside the deleted row is dropped
        lam, E = np.linalg.eigh(V @ V.T)
        keep = lam > 1e-4
        M = E[:, keep] / np.sqrt(lam[keep])
        k = int(keep.sum())
        self.V[:k], self.W[:k] = M.T @ V, M.T @ W
        self.k = k
        self._refresh_T()

    def drop_leading(self, n: int) -> None:
        """Forget the first n (zero) coordinates."""
        self.V = np.ascontiguousarray(self.V[:, n:])
        self.W = np.ascontiguousarray(self.W[:, n:])


def cur_ranking(X: np.ndarray, floor: float = 1e-13, progress: bool = False, dense_below: int = 300) -> Ranking:
    """CUR feature ranking with k = 1 over every column, and its error curve."""
    from threadpoolctl import threadpool_limits

    X = np.asarray(X, dtype=np.float64)
    norm0 = np.linalg.norm(X)
    if norm0 == 0:
        raise ValueError("CUR of an all-zero matrix")
    col_norms = np.linalg.norm(X, axis=0)
    R = _rank_reduced(X, norm0)  # C-ordered m × d, m ≤ rank; row p is zeroed at step p
    K = np.asfortranarray(R @ R.T)  # Gram matrix of R's rows; only its lower triangle is kept up to date
    # the loop's BLAS calls are matrix-vector sized: extra threads only cost synchronisation
    single_thread = threadpool_limits(limits=1, user_api="blas")
    try:
        return _cur_loop(R, K, col_norms, norm0, floor, progress, dense_below)
    finally:
        single_thread.restore_original_limits()


def _dense_top(K: np.ndarray, pivot: int, n_start: int = 20) -> tuple[np.ndarray, _CarriedSubspace]:
    """Leading eigenvector of K[pivot:, pivot:] (lower triangle) by a dense solve, and a new
    carried subspace started on the leading eigenvectors."""
    m = K.shape[0]
    _, E = np.linalg.eigh(K[pivot:, pivot:], UPLO="L")
    u = np.zeros(m)
    u[pivot:] = E[:, -1]
    start = np.zeros((min(n_start, m - pivot), m))
    start[:, pivot:] = E[:, -start.shape[0] :].T
    return u, _CarriedSubspace(K, start)


def _cur_loop(R, K, col_norms, norm0, floor, progress, dense_below) -> Ranking:
    from scipy.linalg.blas import dger, dsymv, dsyr2
    from tqdm.auto import tqdm

    m, d = R.shape
    resid2 = exact2 = float(np.sum(R * R))
    available = np.ones(d, dtype=bool)
    selected, errors = [], []
    sub = None
    if m > dense_below:
        start = np.random.default_rng(0).standard_normal((min(20, m), m))
        sub = _CarriedSubspace(K, start)
    pivot = 0  # rows [0, pivot) of R are zero
    bar = tqdm(total=d, desc="CUR", disable=not progress, unit="feature", mininterval=5)
    while available.any() and pivot < m and np.sqrt(max(resid2, 0.0)) > floor * norm0:
        if pivot >= 64 and pivot >= m // 16:
            # drop the zeroed rows (and K's rows/columns) so later steps cost less
            R = np.ascontiguousarray(R[pivot:])
            K = np.asfortranarray(K[pivot:, pivot:])
            if sub is not None:
                sub.drop_leading(pivot)
            m, pivot = R.shape[0], 0
        # rows/columns [0, pivot) of R and K are zero
        if m - pivot <= dense_below:
            sub = None
            u = np.zeros(m)
            u[pivot:] = np.linalg.eigh(K[pivot:, pivot:], UPLO="L")[1][:, -1]
        else:
            try:
                u = sub.top(K, pivot)
            except RuntimeError as exc:  # the carried subspace stalled: this step densely, then a fresh subspace
                log.warning("%s at selection %d: dense eigensolver for this step", exc, len(selected) + 1)
                u, sub = _dense_top(K, pivot)
        v = u @ R
        score = v * v
        score[~available] = -np.inf
        c = _first_best(score, 1e-10 * np.max(score))
        selected.append(c)
        available[c] = False
        col = R[:, c].copy()
        col[:pivot] = 0.0
        norm = np.linalg.norm(col)
        if norm > DEPENDENT * col_norms[c]:
            h = col
            h[pivot] += np.copysign(norm, col[pivot]) if col[pivot] != 0 else norm
            h /= np.linalg.norm(h)
            w = h @ R
            dger(-2.0, w, h, a=R.T, overwrite_a=True)  # R ← H R in place
            removed = float(R[pivot] @ R[pivot])  # the residual's component along column c
            R[pivot] = 0.0
            Kh = dsymv(1.0, K, h, lower=1)
            if sub is not None:
                Kep = np.zeros(m)
                Kep[pivot:] = K[pivot:, pivot]
                sub.reflect(h, pivot, Kh, Kep)
            b = -2.0 * Kh + 2.0 * (h @ Kh) * h
            K = dsyr2(1.0, h, b, a=K, lower=1, overwrite_a=True)  # K ← H K H in place
            K[pivot, :] = 0.0
            K[:, pivot] = 0.0
            pivot += 1
            resid2 -= removed
            if resid2 < 1e-2 * exact2:  # before cancellation shows: take the norm itself
                Ra = R[pivot:]
                resid2 = exact2 = float(np.einsum("ij,ij->", Ra, Ra))
        errors.append(np.sqrt(max(resid2, 0.0)) / norm0)
        bar.update(1)
    n_exact = len(selected)
    if available.any():
        rest = np.flatnonzero(available)
        Rl = np.ascontiguousarray(R[pivot:])
        norms = np.linalg.norm(Rl[:, rest], axis=0) if Rl.shape[0] else np.zeros(len(rest))
        for c in rest[np.lexsort((rest, -norms))]:
            selected.append(int(c))
            Rl = _reflect_out(Rl, int(c), col_norms[c])
            errors.append(np.linalg.norm(Rl) / norm0)
            bar.update(1)
    bar.close()
    return Ranking(np.asarray(selected, dtype=np.int64), np.asarray(errors), n_exact)


def fps_ranking(X: np.ndarray, first: int = 0) -> Ranking:
    """Farthest point sampling over features (columns), and the CUR-formula error curve."""
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    norm0 = np.linalg.norm(X)
    G = X.T @ X
    sq = np.diag(G).copy()
    scale = float(sq.max()) if len(sq) else 1.0
    mind = np.full(d, np.inf)
    available = np.ones(d, dtype=bool)
    R = _compact(X)
    col_norms = np.linalg.norm(X, axis=0)
    selected, errors = [], []
    c = first
    for _ in range(d):
        selected.append(c)
        available[c] = False
        R = _reflect_out(R, c, col_norms[c])
        errors.append(np.linalg.norm(R) / norm0)
        dist = sq + sq[c] - 2.0 * G[c]
        np.minimum(mind, dist, out=mind)
        if not available.any():
            break
        score = np.where(available, mind, -np.inf)
        c = _first_best(score, 1e-12 * scale)
    return Ranking(np.asarray(selected, dtype=np.int64), np.asarray(errors), len(selected))


def cur_errors_for(X: np.ndarray, selected: Iterable[int]) -> np.ndarray:
    """The direct formula ‖X − C C⁺ X‖_F / ‖X‖_F for each prefix of ``selected`` (reference)."""
    X = np.asarray(X, dtype=np.float64)
    norm0 = np.linalg.norm(X)
    selected = list(selected)
    out = []
    for n in range(1, len(selected) + 1):
        C = X[:, selected[:n]]
        out.append(np.linalg.norm(X - C @ (np.linalg.pinv(C) @ X)) / norm0)
    return np.asarray(out)


def pca_spectrum(X: np.ndarray) -> np.ndarray:
    """Explained-variance ratios of centred X, all components, descending, clipped at 0."""
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    if Xc.shape[0] >= Xc.shape[1]:
        ev = np.linalg.eigvalsh(Xc.T @ Xc)[::-1]
    else:
        ev = np.linalg.eigvalsh(Xc @ Xc.T)[::-1]
        ev = np.concatenate([ev, np.zeros(X.shape[1] - len(ev))])
    ev = np.clip(ev, 0.0, None)
    total = ev.sum()
    return ev / total if total > 0 else ev


# --- workflow files ------------------------------------------------------------------


def run_selection(method: str, stored, out_csv: str | Path, standardise: bool = False) -> pd.DataFrame:
    """Rank the non-zero features of a stored representation; write the curve as CSV.

    Columns: rank (1-based), feature (column index in the full .h5 matrix), percent
    (100·rank / number of non-zero features), and error (CUR, FPS) or variance_ratio (PCA).
    """

    X, kept = drop_zero_columns(stored.matrix)
    if standardise:  # Figure 6g's Si(STD)
        X = standardise_columns(X)
    n = X.shape[1]
    log.info("%s on %s/%s: %d x %d (non-zero columns)", method, stored.dataset, stored.representation, *X.shape)
    if method == "cur":
        ranking = cur_ranking(X, progress=True)
        df = pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "feature": kept[ranking.selected],
                "percent": 100.0 * np.arange(1, n + 1) / n,
                "error": ranking.errors,
            }
        )
        log.info("exact selections before the round-off floor: %d of %d", ranking.n_exact, n)
    elif method == "fps":
        ranking = fps_ranking(X)
        df = pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "feature": kept[ranking.selected],
                "percent": 100.0 * np.arange(1, n + 1) / n,
                "error": ranking.errors,
            }
        )
    elif method == "pca":
        ratios = pca_spectrum(X)
        df = pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                "feature": -1,
                "percent": 100.0 * np.arange(1, n + 1) / n,
                "variance_ratio": ratios,
            }
        )
    else:
        raise ValueError(f"unknown selection method {method!r}")
    storage.write_csv(df, out_csv)
    return df


def plateau_start(errors: np.ndarray, factor: float = 10.0) -> int:
    """Number of selections at the start of the final plateau.

    The plateau is where the error has come within ``factor`` of its final value: the
    first n with error[n−1] ≤ factor · max(error[−1], 1e-16).  Selections after it lower
    the error by less than that factor in total.
    """
    errors = np.asarray(errors)
    final = max(float(errors[-1]), 1e-16)
    return int(np.argmax(errors <= factor * final)) + 1


def compressibility(curves: dict[tuple[str, str], pd.DataFrame], threshold: float = 1e-3) -> pd.DataFrame:
    rows = []
    for (rep, dataset), df in curves.items():
        err = df["error"].to_numpy()
        n = len(err)
        below = np.flatnonzero(err < threshold)
        n_thr = int(below[0]) + 1 if len(below) else None
        n_plateau = plateau_start(err)
        rows.append(
            {
                "representation": rep,
                "dataset": dataset,
                "features": n,
                "n_below_1e-3": n_thr,
                "percent_below_1e-3": None if n_thr is None else round(100 * n_thr / n, 1),
                "n_plateau": n_plateau,
                "percent_plateau": round(100 * n_plateau / n, 1),
                "plateau_error": float(err[n_plateau - 1]),
            }
        )
    return pd.DataFrame(rows)


def compressibility_from_files(curves: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Per (representation, dataset) from CUR curve files named by records
    ``{"rep" (or "variant"), "dataset", "path"}``; no name is read from a path."""
    return compressibility(
        {(e["rep"] if "rep" in e else e["variant"], e["dataset"]): pd.read_csv(e["path"]) for e in curves}
    )
