"""The one interface every representation implements.

A representation is built from a species list and named parameters (the names used
in the papers that define it).  ``compute`` gives the descriptor matrix of one
structure: one row per requested centre atom for atom-centred representations, one
row for a global one (MBTR).  ``compute_many`` stacks a list of structures and
returns the row offsets of each structure, which is what the ``.h5`` store keeps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from ..errors import SpeciesError


class Representation(ABC):
    #: registry key, e.g. "ACSF-X"
    name: str = ""
    #: True for a global representation (one row per structure)
    per_structure: bool = False

    def __init__(self, species: Sequence[str], **params: Any) -> None:
        self.species = sorted(set(species), key=lambda s: chemical_symbols.index(s))
        unknown = [s for s in self.species if s not in chemical_symbols[1:]]
        if unknown:
            raise SpeciesError(f"{self.name}: unknown element symbol(s) {unknown}")
        self.params = dict(params)

    # --- what subclasses implement -------------------------------------------------
    @property
    @abstractmethod
    def n_features(self) -> int:
        """Length of one descriptor row (full count, zero columns included)."""

    @abstractmethod
    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        """Rows for ``centers`` (all atoms when None); shape (n_rows, n_features)."""

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries that produce the numbers."""
        return {}

    # --- shared behaviour --------------------------------------------------------
    def check_species(self, atoms: Atoms, index: int = 0, source: str = "<structure>") -> None:
        extra = sorted(set(atoms.get_chemical_symbols()) - set(self.species))
        if extra:
            raise SpeciesError(
                f"{source}: structure {index} contains {extra}, which {self.name} does not "
                f"list (species: {self.species})"
            )

    def compute(self, atoms: Atoms, centers: Sequence[int] | None = None) -> np.ndarray:
        """Descriptor rows of one structure (float64, C-contiguous)."""
        self.check_species(atoms)
        if not np.any(atoms.pbc) and atoms.cell.volume > 0:
            # a cluster: its box means nothing to a descriptor, but a large one slows
            # cell-binned neighbour searches (Figure 3's 200 Å box)
            atoms = atoms.copy()
            atoms.set_cell(None)
        c = None if centers is None else np.asarray(centers, dtype=int)
        if self.per_structure and c is not None:
            raise ValueError(f"{self.name} is a global representation: no centre atoms")
        out = np.ascontiguousarray(self._compute(atoms, c), dtype=np.float64)
        expected = 1 if self.per_structure else (len(atoms) if c is None else len(c))
        if out.shape != (expected, self.n_features):
            raise RuntimeError(
                f"{self.name}: got shape {out.shape}, expected {(expected, self.n_features)}"
            )
        return out

    def compute_many(
        self,
        structures: Sequence[Atoms],
        n_jobs: int = 1,
        progress: bool = True,
        source: str = "<structures>",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Stack the rows of many structures.

        Returns ``(matrix, offsets)``: rows ``offsets[k]:offsets[k+1]`` belong to
        structure ``k``.  Subclasses whose library batches or parallelises over
        structures override ``_compute_many``.
        """
        for k, atoms in enumerate(structures):
            self.check_species(atoms, k, source)
        counts = [1 if self.per_structure else len(a) for a in structures]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        matrix = self._compute_many(list(structures), n_jobs=n_jobs, progress=progress)
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        if matrix.shape != (offsets[-1], self.n_features):
            raise RuntimeError(
                f"{self.name}: got shape {matrix.shape}, expected {(offsets[-1], self.n_features)}"
            )
        return matrix, offsets

    def _compute_many(self, structures: list[Atoms], n_jobs: int, progress: bool) -> np.ndarray:
        from tqdm.auto import tqdm

        rows = [
            self._compute(a, None)
            for a in tqdm(structures, desc=self.name, disable=not progress, unit="struct")
        ]
        if not rows:
            return np.zeros((0, self.n_features))
        return np.vstack(rows)

    def describe(self) -> dict[str, Any]:
        """Name, species and parameters, as stored beside the matrix."""
        return {"name": self.name, "species": list(self.species), "params": dict(self.params)}
