"""Feature selection and its error curves: CUR (k = 1), FPS and PCA (docs/paper-settings.md, "Dimensionality study").

Why our own CUR: the textbook algorithm (and scikit-matter's ``CUR(k=1,
recompute_every=1)``, its reference implementation, and the authors' code) recomputes a
singular value decomposition of the n × d residual, and the authors also a
pseudo-inverse, at every one of the d selections: hours per curve on 28k × 3780.  We
make the same choices at a fraction of the cost:

1. The scores (squared top right singular vector of the residual) and the orthogonalisation
   depend on X only through its Gram matrix XᵀX, so a tall X is replaced by diag(s) Vᵀ
   from the SVD of its QR factor, cut to its numerical rank (singular values above
   1e-15·‖X‖_F); a wide X is used as it is.  The QR factor is accumulated block of rows
   by block of rows (LAPACK dtpqrt), so only one block of X is ever copied.
2. Orthogonalising every column against the selected column c is a rank-one update of
   the column space; a Householder reflection that maps the residual column c onto the
   first axis turns the residual's first row into zeros, which we drop.  The residual
   shrinks by one row per selection, so the error ‖X − C C⁺ X‖_F / ‖X‖_F
   (= ‖residual‖_F / ‖X‖_F) is exact down to round-off, without any pseudo-inverse.
   The reflections reach R in blocks of 64 (compact WY, matrix-matrix products); in
   between, a selection reads R once, for its scores, and the rows a block eliminates
   give its errors.  Each time the residual norm has fallen 10-fold R is brought up to
   date, and each time it has fallen 100-fold K = R Rᵀ below is rebuilt from it, so that
   K's round-off stays relative to the residual and not to X.
3. The top right singular vector is Rᵀu with u the leading eigenvector of the small
   Gram matrix K = R Rᵀ, which shrinks with R (the same reflection, O(m²) per step).  u
   comes from a Davidson-type iteration on a subspace that is carried from one selection
   to the next: its basis V and the products K V follow the reflection and the deleted
   row exactly at O(m·k) cost, so the eigenvectors near the top of K, which change little
   between selections, need only a few new products with K (about 9 per selection on
   AlNiCu SOAP, instead of the ~45 of a warm-started Lanczos run when the top of the
   spectrum is clustered).  It stops first at a residual ‖K u − θ u‖ (recomputed with a
   fresh product) of 1e-6·θ; the choice is kept when the best score's lead over the
   runner-up is more than twice what that residual can move a score by (the bound of
   ``_CarriedSubspace.settles``, with the gap to the second Ritz value and a safety
   factor of 10).  Otherwise the iteration goes on to 1e-10·θ, or, late in the ranking
   where K's own round-off keeps it above that, until it has stopped falling below
   1e-6·θ, and the scores are taken again.  Small K (≤ ``dense_below`` rows) goes to a
   dense eigensolver.  The loop runs with single-threaded BLAS: its calls are
   matrix-vector sized and a second thread only adds synchronisation (5× slower here).

Once the residual norm falls below ``floor`` (1e-13 of ‖X‖_F) the leading singular
vector is round-off noise and no algorithm ranks the remaining columns meaningfully; we
then rank them by their residual norm (ties by index) and record the error as it is.
Before that point, the selections equal scikit-matter's (tests check it).

FPS treats features as points in R^rows with Euclidean distances from the Gram matrix,
starts from feature 0 (scikit-matter's default) and adds the farthest (max of min
distance); its error curve uses the same formula, by the same Householder steps applied
once the order is known, in panels (matrix-matrix products), to the QR factor.
PCA gives the explained-variance ratios of the centred matrix, from the Gram matrix of
X − mean formed block by block.

Memory: every pass over X (Gram products, norms, zero columns, standardisation, the QR
factor) goes by blocks of rows of ``BLOCK_BYTES``; with ``overwrite`` the workflow drops
zero columns and standardises inside the matrix it has read.  No stage holds a second
dense copy of X.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

log = logging.getLogger(__name__)

#: explained-variance ratios below this are "zero" (the paper's zero level)
ZERO_LEVEL = 1e-12
MACHINE_EPS = float(np.finfo(float).eps)


#: bytes of one block of rows in the passes that go over X block by block: the only
#: temporaries those passes allocate, whatever the size of X
BLOCK_BYTES = 64 << 20


def _row_blocks(n: int, d: int) -> tuple[range, int]:
    """Start rows of blocks of about ``BLOCK_BYTES`` each."""
    rows = max(1, BLOCK_BYTES // (8 * max(d, 1)))
    return range(0, n, rows), rows


def nonzero_columns(X: np.ndarray) -> np.ndarray:
    """Indices of the columns that are not zero on every row (block by block, no n × d temporary)."""
    n, d = X.shape
    nonzero = np.zeros(d, dtype=bool)
    starts, rows = _row_blocks(n, d)
    for i in starts:
        nonzero |= np.any(X[i : i + rows] != 0.0, axis=0)
    return np.flatnonzero(nonzero)


def drop_zero_columns(X: np.ndarray, overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Columns that are not zero on every row, and their indices in X.

    X itself is returned when no column is zero.  Otherwise a copy, or, with
    ``overwrite``, X's own buffer compacted in place (a C-contiguous X is then no longer
    valid; no second copy of the matrix is made).
    """
    kept = nonzero_columns(X)
    n, d = X.shape
    if len(kept) == d:
        return X, kept
    if not (overwrite and X.flags.c_contiguous and X.dtype == np.float64):
        return X[:, kept], kept
    flat = X.reshape(-1)
    k = len(kept)
    starts, rows = _row_blocks(n, d)
    for i in starts:  # block i reads rows i.. of the old layout and writes before them: no overlap with later blocks
        block = X[i : i + rows][:, kept]  # a copy of this block's kept columns
        flat[i * k : i * k + block.size] = block.reshape(-1)
    return flat[: n * k].reshape(n, k), kept


def column_mean_std(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation of each column, block by block."""
    n, d = X.shape
    mean = X.mean(axis=0)
    ss = np.zeros(d)
    starts, rows = _row_blocks(n, d)
    for i in starts:
        block = X[i : i + rows] - mean
        ss += np.einsum("ij,ij->j", block, block)
    return mean, np.sqrt(ss / n)


def standardise_columns(X: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Each column centred and scaled to unit variance (constant columns left at zero).

    With ``overwrite`` (and a float64 X) X itself is changed and returned.
    """
    mean, std = column_mean_std(X)
    std[std == 0] = 1.0
    if not (overwrite and X.dtype == np.float64):
        return (X - mean) / std
    starts, rows = _row_blocks(*X.shape)
    for i in starts:
        block = X[i : i + rows]
        block -= mean
        block /= std
    return X


def column_norms(X: np.ndarray) -> np.ndarray:
    """Euclidean norm of each column (block by block)."""
    n, d = X.shape
    ss = np.zeros(d)
    starts, rows = _row_blocks(n, d)
    for i in starts:
        block = X[i : i + rows]
        ss += np.einsum("ij,ij->j", block, block)
    return np.sqrt(ss)


def gram(X: np.ndarray, centre: np.ndarray | None = None) -> np.ndarray:
    """XᵀX, or (X − 1 centreᵀ)ᵀ(X − 1 centreᵀ), as a full symmetric d × d array.

    One symmetric rank-k update (BLAS dsyrk) per block of rows: no copy of X is made
    (only of one block when X is not C-contiguous or is centred).
    """
    from scipy.linalg.blas import dsyrk

    X = np.asarray(X)
    n, d = X.shape
    G = np.zeros((d, d), order="F")
    starts, rows = _row_blocks(n, d)
    for i in starts:
        block = X[i : i + rows]
        if centre is not None:
            block = block - centre
        block = np.ascontiguousarray(block, dtype=np.float64)
        # block.T is a Fortran d × b view: dsyrk forms block.T @ block into G's upper triangle
        G = dsyrk(1.0, block.T, beta=1.0, c=G, overwrite_c=1, lower=0)
    upper = np.triu_indices(d, 1)
    G[upper[1], upper[0]] = G[upper]
    return G


def _compact(X: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """A matrix with the same Gram matrix and at most as many rows as columns.

    For n > d: the triangular factor of a Householder QR, computed block of rows by block
    of rows (LAPACK dtpqrt folds each block into the d × d factor), so that only one block
    of X is ever copied.  dtpqrt overwrites the block it is given: X is left unchanged
    unless ``overwrite`` (then a block that is already a Fortran float64 array, e.g. all
    of a Fortran-ordered X, is used as it is, and X is no longer valid).
    """
    from scipy.linalg.lapack import dtpqrt

    X = np.asarray(X)
    n, d = X.shape
    if n <= d:
        return np.array(X, dtype=np.float64)
    R = np.zeros((d, d), order="F")
    starts, rows = _row_blocks(n, d)
    rows = max(rows, min(n, 2 * d))
    for i in range(0, n, rows):
        block = np.array(X[i : i + rows], dtype=np.float64, order="F", copy=None if overwrite else True)
        R, _, _, info = dtpqrt(0, min(64, d), R, block, overwrite_a=1, overwrite_b=1)
        if info != 0:
            raise RuntimeError(f"LAPACK dtpqrt failed (info {info})")
    return R


#: the carried eigensolver first stops at this residual (relative to θ); only when the
#: lead of the best score does not settle the choice at that accuracy does it go on to 1e-10
SETTLE_TOL = 1e-6

#: a selected column whose residual is below this fraction of its original norm is
#: (numerically) in the span of those already selected: it adds nothing, as in C C⁺ X
DEPENDENT = 1e-9


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


def _rank_reduced(X: np.ndarray, norm0: float, overwrite: bool = False) -> np.ndarray:
    """Rows with the Gram matrix of X, reduced to its numerical rank: diag(s) Vᵀ.

    Singular values below 1e-15·‖X‖_F are dropped; they change the error curve only
    below the round-off floor.  X is left unchanged unless ``overwrite``.
    """
    R = _compact(X, overwrite)
    if X.shape[0] <= X.shape[1] or R.shape[0] <= 64:
        # no fewer rows to gain from the SVD than the rank deficiency, which for a wide X
        # is rarely large: its zero directions cost the loop less than the SVD would
        return np.asfortranarray(R)
    _, sv, vt = scipy.linalg.svd(R, full_matrices=False, overwrite_a=True, check_finite=False, lapack_driver="gesdd")
    keep = sv > 1e-15 * norm0
    return np.asfortranarray(sv[keep, None] * vt[keep])


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
        self.last: tuple[float, float, float] | None = None  # (θ, ε, θ₂) of the last answer
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
        from scipy.linalg.lapack import dsyevr

        best, since, fresh = np.inf, 0, False
        while True:
            k = self.k
            V, W = self.V[:k], self.W[:k]
            two = min(k, 2)  # the top pair, and the second Ritz value for the gap
            top, s, _, _, info = dsyevr(self.T[:k, :k], compute_v=1, range="I", il=k - two + 1, iu=k)
            if info != 0:
                raise RuntimeError(f"CUR eigensolver: LAPACK dsyevr failed (info {info})")
            theta, s = float(top[two - 1]), s[:, two - 1]  # ascending; only the first `two` are set
            theta2 = float(top[0]) if two == 2 else 0.0
            if theta < 1e-3 * self.theta_at_refresh and not fresh:
                self._refresh_W(K)
                fresh = True
                continue
            y = s @ V
            r = s @ W - theta * y
            rn = np.linalg.norm(r) / theta
            if rn < 0.9 * best:
                best, since = rn, 0
            else:
                since += 1
            if rn <= tol or (since >= 30 and best <= 1e-6):
                true_rn = np.linalg.norm(dsymv(1.0, K, y, lower=1) - theta * y) / theta
                if true_rn <= tol or (fresh and true_rn <= 2.0 * rn):
                    self.last = (theta, true_rn * theta, theta2)
                    return y
            if (since >= 30 or rn <= tol) and not fresh:
                self._refresh_W(K)
                best, since, fresh = np.inf, 0, True
                continue
            if since > 2000:
                raise RuntimeError(f"CUR eigensolver: no convergence (residual {rn:.2e}·θ)")
            if k >= self.kmax:  # thick restart on the top Ritz vectors
                ritz, S = np.linalg.eigh(self.T[:k, :k])
                keep = S[:, -self.kkeep :]
                k = self.kkeep
                self.V[:k], self.W[:k] = keep.T @ V, keep.T @ W
                self.T[:k, :k] = np.diag(ritz[-k:])
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

    def settles(self, score: np.ndarray, j: int, safety: float = 10.0) -> bool:
        """Whether the last answer y is accurate enough that j is also the argmax of the
        scores (Rᵀu)² of the exact leading eigenvector u.

        With residual ε = ‖K y − θ y‖ and the gap g to the rest of the spectrum, sin∠(y, u)
        ≤ ε/g, so every |Rᵀy|_i is within δ = 2 (ε/g) √λ₁ of |Rᵀu|_i; j is settled when its
        lead over the runner-up exceeds 2δ.  The gap is taken from the second Ritz value
        (θ − θ₂) with a safety factor of 10 on ε/g.
        """
        theta, eps, theta2 = self.last
        if eps == 0.0:
            return True
        gap = theta - theta2
        if not gap > 0.0:
            return False
        delta = 2.0 * safety * eps / gap * np.sqrt(theta + eps)
        lead = np.sqrt(max(score[j], 0.0))
        runner = max(np.max(score[:j], initial=-np.inf), np.max(score[j + 1 :], initial=-np.inf))
        return bool(lead - np.sqrt(max(runner, 0.0)) > 2.0 * delta)

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


def cur_ranking(
    X: np.ndarray,
    floor: float = 1e-13,
    progress: bool = False,
    dense_below: int = 300,
    block: int = 64,
    overwrite: bool = False,
) -> Ranking:
    """CUR feature ranking with k = 1 over every column, and its error curve.

    X is left unchanged unless ``overwrite`` (then X may be used as scratch space).
    """
    from threadpoolctl import threadpool_limits

    X = np.asarray(X)
    col_norms = column_norms(X)
    norm0 = float(np.sqrt(np.sum(col_norms**2)))
    if norm0 == 0:
        raise ValueError("CUR of an all-zero matrix")
    R = _rank_reduced(X, norm0, overwrite)  # Fortran-ordered m × d, m ≤ rank
    K = np.asfortranarray(R @ R.T)  # Gram matrix of R's rows; only its lower triangle is kept up to date
    state = [R, K]  # handed over: the loop replaces both as they shrink, nothing here keeps the first ones
    del R, K
    # the loop's BLAS calls are matrix-vector sized: extra threads only cost synchronisation
    single_thread = threadpool_limits(limits=1, user_api="blas")
    try:
        return _cur_loop(state, col_norms, norm0, floor, progress, dense_below, block)
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


def _cur_loop(state, col_norms, norm0, floor, progress, dense_below, block) -> Ranking:
    """The selection loop on R (m × d, RᵀR = XᵀX) and K = R Rᵀ, taken out of ``state = [R, K]``.

    The reflections are applied to K at once (its products feed the eigensolver) but to R
    only every ``block`` selections: in between, the residual is Z (I − Y Tᵀ Yᵀ) R0 with
    the pending reflections in compact WY form (H_1 ⋯ H_k = I − Y T Yᵀ, LAPACK dlarft) and
    Z deleting the rows eliminated so far, and a selection reads R0 once, for its scores.
    A flush applies the block of reflections as matrix-matrix products; the rows it then
    eliminates are exactly the rows the block's selections removed from the residual, so
    their norms give the block's errors.  Between flushes the error is booked from K
    (‖Rᵀq‖² = qᵀKq for the selected residual direction q), which only decides when to
    flush early (the residual fell 10-fold: R0's own norm is taken, and K is rebuilt from
    R0 if the residual is 100-fold below the one K was built from) and when the round-off
    floor is reached.
    """
    from scipy.linalg.blas import dsymv, dsyr2, dsyrk
    from tqdm.auto import tqdm

    R0, K = state  # R0's columns are the original columns `cols`
    state.clear()
    m, d = R0.shape
    cols = np.arange(d)
    resid2 = exact2 = start2 = k2 = float(np.sum(column_norms(R0) ** 2))  # k2: the residual K was built from
    available = np.ones(d, dtype=bool)
    live = np.ones(d, dtype=bool)  # False once a column has been reduced to zero (reflected)
    selected, errors = [], []
    booked = []  # (index in errors, reflections of this block up to it) for this block's selections
    sub = None
    if m > dense_below:
        start = np.random.default_rng(0).standard_normal((min(20, m), m))
        sub = _CarriedSubspace(K, start)
    pivot = 0  # rows [0, pivot) of the residual are zero (eliminated)
    Y, T, nb = np.zeros((m, block), order="F"), np.zeros((block, block)), 0
    bar = tqdm(total=d, desc="CUR", disable=not progress, unit="feature", mininterval=5)

    def flush(rebuild: bool) -> None:
        """Apply the block's reflections to R0, book its errors from the rows they removed,
        drop those rows and the zeroed columns; with ``rebuild``, R0's norm and K afresh."""
        nonlocal R0, K, Y, T, nb, m, pivot, cols, sub, resid2, exact2, start2, booked, k2
        if nb:
            Yb = Y[:, :nb]
            R0 -= Yb @ (T[:nb, :nb].T @ (Yb.T @ R0))
        removed = np.concatenate([[0.0], np.cumsum(np.einsum("ij,ij->i", R0[:pivot], R0[:pivot]))])
        keep = live[cols]
        R0 = np.asfortranarray(R0[pivot:][:, keep])
        cols = cols[keep]
        K = np.asfortranarray(K[pivot:, pivot:])
        if sub is not None:
            sub.drop_leading(pivot)
        now = float(np.sum(column_norms(R0) ** 2)) if rebuild else start2 - removed[-1]
        for k, r in booked:
            errors[k] = np.sqrt(max(now if r == pivot else start2 - removed[r], 0.0)) / norm0
        resid2 = start2 = now
        if rebuild:
            exact2 = now
        if rebuild and now < 1e-4 * k2:
            # K carries round-off of the size of the largest K it was updated from; from
            # R0, which holds the residual itself, it is exact again relative to it
            k2 = now
            K = dsyrk(1.0, R0, lower=1) if R0.size else np.zeros((R0.shape[0],) * 2, order="F")
            if sub is not None:
                sub._refresh_W(K)
        m, pivot, nb, booked = R0.shape[0], 0, 0, []
        Y = np.zeros((m, block), order="F")

    def scores(u: np.ndarray) -> tuple[np.ndarray, int]:
        if nb:
            u = u - Y[:, :nb] @ (T[:nb, :nb] @ (Y[:, :nb].T @ u))
        v = R0.T @ u
        score = v * v
        score[~available[cols]] = -np.inf
        return score, _first_best(score, 1e-10 * np.max(score))

    def carried_top(tol: float) -> np.ndarray:
        nonlocal sub
        try:
            return sub.top(K, pivot, tol)
        except RuntimeError as exc:  # the carried subspace stalled: this step densely, then a fresh subspace
            log.warning("%s at selection %d: dense eigensolver for this step", exc, len(selected) + 1)
            u, sub = _dense_top(K, pivot)  # a new subspace: no last answer, so nothing to settle
            return u

    while available.any() and pivot < m:
        if m - pivot <= dense_below:
            sub = None
            u = np.zeros(m)
            u[pivot:] = np.linalg.eigh(K[pivot:, pivot:], UPLO="L")[1][:, -1]
            score, j = scores(u)
        else:
            score, j = scores(carried_top(SETTLE_TOL))
            if sub.last is not None and not sub.settles(score, j):
                score, j = scores(carried_top(1e-10))
        c = int(cols[j])
        selected.append(c)
        available[c] = False
        col = R0[:, j].copy()
        if nb:
            col -= Y[:, :nb] @ (T[:nb, :nb].T @ (Y[:, :nb].T @ col))
        col[:pivot] = 0.0
        norm = np.linalg.norm(col)
        if norm > DEPENDENT * col_norms[c]:
            live[c] = False
            alpha = np.copysign(norm, col[pivot]) if col[pivot] != 0 else norm
            h = col.copy()
            h[pivot] += alpha
            hn = np.linalg.norm(h)
            h /= hn
            # H_1 ⋯ H_k = I − Y T Yᵀ, forward accumulation (dlarft)
            T[:nb, nb] = -2.0 * (T[:nb, :nb] @ (Y[:, :nb].T @ h))
            T[nb, nb] = 2.0
            Y[:, nb] = h
            nb += 1
            Kh = dsymv(1.0, K, h, lower=1)
            Kep = np.zeros(m)
            Kep[pivot:] = K[pivot:, pivot]
            resid2 -= float(col @ (hn * Kh - alpha * Kep)) / norm**2  # ‖Rᵀq‖², q = col/‖col‖ (from K)
            if sub is not None:
                sub.reflect(h, pivot, Kh, Kep)
            b = -2.0 * Kh + 2.0 * (h @ Kh) * h
            K = dsyr2(1.0, h, b, a=K, lower=1, overwrite_a=True)  # K ← H K H in place
            K[pivot, :] = 0.0
            K[:, pivot] = 0.0
            pivot += 1
        errors.append(np.sqrt(max(resid2, 0.0)) / norm0)
        booked.append((len(errors) - 1, nb))
        rebuild = resid2 < 1e-2 * exact2  # before cancellation shows
        if rebuild or nb == block or (pivot >= 64 and pivot >= m // 16) or pivot == m:
            flush(rebuild)
        bar.update(1)
        if not np.sqrt(max(resid2, 0.0)) > floor * norm0:
            break
    flush(False)
    n_exact = len(selected)
    if available.any():
        rest = np.flatnonzero(available)
        at = np.searchsorted(cols, rest)  # the available columns are all still in R0
        norms = np.linalg.norm(R0[:, at], axis=0) if R0.shape[0] else np.zeros(len(rest))
        order = np.lexsort((rest, -norms))
        selected.extend(int(c) for c in rest[order])
        errors.extend(_errors_in_order(R0, at[order], col_norms[cols], norm0))
        bar.update(len(order))
    bar.close()
    return Ranking(np.asarray(selected, dtype=np.int64), np.asarray(errors), n_exact)


def _fps_order(G: np.ndarray, first: int) -> np.ndarray:
    """Farthest point sampling of the columns whose Gram matrix is G, from ``first``."""
    d = G.shape[0]
    sq = np.diag(G).copy()
    scale = float(sq.max()) if d else 1.0
    mind = np.full(d, np.inf)
    available = np.ones(d, dtype=bool)
    dist = np.empty(d)
    selected = []
    c = first
    for _ in range(d):
        selected.append(c)
        available[c] = False
        if not available.any():
            break
        np.subtract(sq, 2.0 * G[c], out=dist)
        dist += sq[c]
        np.minimum(mind, dist, out=mind)
        score = np.where(available, mind, -np.inf)
        c = _first_best(score, 1e-12 * scale)
    return np.asarray(selected, dtype=np.int64)


def _errors_in_order(R: np.ndarray, order: np.ndarray, col_norms: np.ndarray, norm0: float, block: int = 48):
    """‖X − C C⁺ X‖_F / ‖X‖_F for each prefix C of the columns ``order``, from any R with RᵀR = XᵀX.

    The same Householder steps as the selection loop (a column whose residual is below
    ``DEPENDENT`` of its norm is skipped: it is in the span of those before it), blocked:
    each panel of ``block`` columns is reduced column by column and its reflections are
    applied to the columns after it at once (compact WY, matrix-matrix products).  The
    residual after k steps is the rows of the final triangular factor below the k-th
    pivot, so the curve is the reverse cumulative sum of its squared row norms (no
    cancellation).
    """
    A = np.asfortranarray(R[:, order], dtype=np.float64)
    m, d = A.shape
    cn = np.asarray(col_norms)[order]
    pivots = np.empty(d, dtype=np.int64)  # rows eliminated after each step
    p = 0
    for j0 in range(0, d, block):
        j1 = min(d, j0 + block)
        p0, t = p, 0
        Y = np.zeros((m - p0, j1 - j0), order="F")
        for j in range(j0, j1):
            if p < m:
                x = A[p:, j]
                norm = np.linalg.norm(x)
                if norm > DEPENDENT * cn[j]:
                    h = x.copy()
                    h[0] += np.copysign(norm, x[0]) if x[0] != 0 else norm
                    h /= np.linalg.norm(h)
                    panel = A[p:, j:j1]
                    panel -= 2.0 * np.outer(h, h @ panel)
                    Y[p - p0 :, t] = h
                    t, p = t + 1, p + 1
            pivots[j] = p
        if t and j1 < d:
            Yt = Y[:, :t]
            T = np.zeros((t, t))  # H_1 ⋯ H_t = I − Y T Yᵀ (LAPACK dlarft, forward)
            YY = Yt.T @ Yt
            for i in range(t):
                T[:i, i] = -2.0 * (T[:i, :i] @ YY[:i, i])
                T[i, i] = 2.0
            rest = A[p0:, j1:]
            rest -= Yt @ (T.T @ (Yt.T @ rest))
    rn2 = np.einsum("ij,ij->i", A, A)
    tail = np.zeros(m + 1)
    tail[:m] = np.cumsum(rn2[::-1])[::-1]
    return np.sqrt(tail[pivots]) / norm0


def fps_ranking(X: np.ndarray, first: int = 0, overwrite: bool = False) -> Ranking:
    """Farthest point sampling over features (columns), and the CUR-formula error curve.

    The order needs only the Gram matrix XᵀX (one blocked product); the curve is the
    blocked Householder reduction of the exact triangular factor of X in that order.
    X is left unchanged unless ``overwrite``.
    """
    X = np.asarray(X)
    col_norms = column_norms(X)
    norm0 = float(np.sqrt(np.sum(col_norms**2)))
    selected = _fps_order(gram(X), first)
    errors = _errors_in_order(_compact(X, overwrite), selected, col_norms, norm0)
    return Ranking(selected, errors, len(selected))


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
    """Explained-variance ratios of centred X, all components, descending, clipped at 0.

    The centred Gram matrix is formed block by block from X − mean (each block centred
    exactly, so nothing cancels as in XᵀX − n μμᵀ), with no centred copy of X.
    """
    X = np.asarray(X)
    n, d = X.shape
    mean = X.mean(axis=0)
    if n >= d:
        ev = np.linalg.eigvalsh(gram(X, centre=mean))[::-1]
    else:  # the n × n Gram matrix of the centred rows, by blocks of columns
        C = np.zeros((n, n))
        step = max(1, BLOCK_BYTES // (8 * max(n, 1)))
        for j in range(0, d, step):
            block = X[:, j : j + step] - mean[j : j + step]
            C += block @ block.T
        ev = np.linalg.eigvalsh(C)[::-1]
        ev = np.concatenate([ev, np.zeros(d - len(ev))])
    ev = np.clip(ev, 0.0, None)
    total = ev.sum()
    return ev / total if total > 0 else ev


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
