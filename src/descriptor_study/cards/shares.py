"""A representation's CUR and PCA shares with every row and without the structures its card
flags as wide (a row at least WIDE_ROW_FACTOR × the median row norm).

The shares are the dimensionality stage's (``stages.dimensionality.run_selection``: zero
columns dropped, CUR over every remaining column, PCA spectrum of the centred matrix) read
as the card reads them (:func:`.verdicts.share_to_level`, at COMPRESSION_LEVEL).  Used by
``descriptor-study shares``; takes arrays, reads no file.
"""

from __future__ import annotations

import numpy as np

from .. import selection
from . import verdicts as v


def row_frames(offsets: np.ndarray, per_structure: bool, n_rows: int) -> np.ndarray:
    """The structure (frame index in the dataset) of each row of a stored matrix."""
    if per_structure:
        return np.arange(n_rows)
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


def shares(X: np.ndarray, level: float = v.COMPRESSION_LEVEL) -> dict:
    """CUR and PCA shares of ``X`` (rows × features; consumed: CUR may overwrite it):
    ``features`` (non-zero columns), ``cur`` and ``pca`` as (n, percent) of
    :func:`.verdicts.share_to_level`."""
    X, _ = selection.drop_zero_columns(X, overwrite=True)
    pca = v.share_to_level(selection.pca_spectrum(X), level)
    cur = v.share_to_level(selection.cur_ranking(X).errors, level)  # last: it may overwrite X
    return {"rows": int(X.shape[0]), "features": int(X.shape[1]), "cur": cur, "pca": pca}


def shares_without_wide(
    matrix: np.ndarray, frames: np.ndarray, factor: float = v.WIDE_ROW_FACTOR, level: float = v.COMPRESSION_LEVEL
) -> dict:
    """The card's row norm range of ``matrix`` (rows of structures ``frames``) and the shares
    with every row (``all``) and without the rows of the flagged structures (``without``;
    None when no structure is flagged).  ``matrix`` is left as it is."""
    norms = np.linalg.norm(matrix, axis=1)
    spread = v.row_norm_range(norms, frames, factor)
    keep = ~np.isin(frames, spread["wide_frames"])
    without = shares(matrix[keep], level) if spread["wide_frames"] and keep.any() else None
    return {
        **spread,
        "max_norm": float(norms.max()) if len(norms) else None,
        "max_norm_without": float(norms[keep].max()) if keep.any() else None,
        "all": shares(np.array(matrix, dtype=np.float64), level),
        "without": without,
    }
