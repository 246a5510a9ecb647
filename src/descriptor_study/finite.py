"""Non-finite values in a descriptor matrix: where the first one is, in one line.

A NaN or infinite entry makes every later stage fail far from its cause (an eigensolver
that does not converge, an empty selection) or, worse, succeed with wrong numbers.  The
stage that makes rows refuses them (``Representation.compute_many`` and
``compute_batch``), and the stages that read a stored matrix check it again
(``storage.read``), so a file made elsewhere is caught too.  Both report the first
offending row as the structure and atom it belongs to, how many of its columns are
non-finite, and how many rows and structures are affected in all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: rows scanned at a time (bounded memory for the boolean mask on a large matrix)
_BLOCK_BYTES = 1 << 26


@dataclass(frozen=True)
class NonFinite:
    """The first non-finite row of a matrix and the extent of the damage."""

    row: int
    structure: int
    atom: int | None  # the row's atom within its structure; None for one row per structure
    columns: int  # non-finite entries in that row
    n_columns: int
    kinds: str  # "NaN", "inf" or "NaN and inf" (in the whole matrix)
    rows: int  # rows with a non-finite entry, in all
    structures: int  # structures with such a row, in all

    def where(self) -> str:
        """``structure 12, atom 3`` (``structure 12`` for one row per structure)."""
        return f"structure {self.structure}" + (f", atom {self.atom}" if self.atom is not None else "")

    def what(self) -> str:
        """``8 of 8 columns are NaN (1 row of 1 structure in all)``."""
        rows = f"{self.rows} row{'s' if self.rows != 1 else ''}"
        structures = f"{self.structures} structure{'s' if self.structures != 1 else ''}"
        verb = "is" if self.columns == 1 else "are"
        return f"{self.columns} of {self.n_columns} columns {verb} {self.kinds} ({rows} of {structures} in all)"


def first_nonfinite(matrix: np.ndarray, offsets: np.ndarray | None = None, per_structure: bool = False):
    """The first non-finite row of ``matrix`` (rows ``offsets[k]:offsets[k+1]`` belong to
    structure ``k``; without offsets each row is a structure), or None if all are finite."""
    matrix = np.asarray(matrix)
    if matrix.size == 0 or not np.issubdtype(matrix.dtype, np.inexact):
        return None
    n_rows = matrix.shape[0]
    width = int(np.prod(matrix.shape[1:], dtype=np.int64)) or 1
    step = max(1, _BLOCK_BYTES // (matrix.itemsize * width))
    bad_rows, has_nan, has_inf, first_count = [], False, False, 0
    for start in range(0, n_rows, step):
        block = matrix[start : start + step].reshape(-1, width)
        finite = np.isfinite(block)
        if finite.all():
            continue
        counts = (~finite).sum(axis=1)
        rows = np.flatnonzero(counts)
        if not bad_rows:
            first_count = int(counts[rows[0]])
        bad_rows.append(rows + start)
        has_nan = has_nan or bool(np.isnan(block[rows]).any())
        has_inf = has_inf or bool(np.isinf(block[rows]).any())
    if not bad_rows:
        return None
    rows = np.concatenate(bad_rows)
    if offsets is None:
        structures, first_structure, atom = rows, int(rows[0]), None
    else:
        offsets = np.asarray(offsets)
        structures = np.searchsorted(offsets, rows, side="right") - 1
        first_structure = int(structures[0])
        atom = None if per_structure else int(rows[0] - offsets[first_structure])
    kinds = " and ".join(k for k, present in (("NaN", has_nan), ("inf", has_inf)) if present)
    return NonFinite(
        row=int(rows[0]),
        structure=first_structure,
        atom=atom,
        columns=first_count,
        n_columns=width,
        kinds=kinds,
        rows=len(rows),
        structures=len(np.unique(structures)),
    )
