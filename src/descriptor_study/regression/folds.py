"""The cross-validation folds on the training set and the ridge fits of every prefix of the
ranked features from one factorisation (used by the sweep and the search alike)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DatasetError
from .models import _triangular_rcond

CV_FOLDS = 5  # the folds of every cross-validation on the training set


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
