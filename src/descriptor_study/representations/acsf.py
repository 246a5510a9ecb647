"""ACSF: Behler's 2011 symmetry-function set through DScribe.

The parameter set is the one the authors used (AMP's Gaussian descriptor with the
cosine cutoff): 8 radial G2 per neighbour species (Rs = 0) and 43 angular G4 per
species pair; η is given in units of 1/(10⁴·a0²) and converted to Å⁻².  Features:
8·S + 43·S(S+1)/2 (51, 145, 282, 462 for 1–4 species).

DScribe's G4 is 2^(1−ζ) Σ_{j≠i} Σ_{k>j} (1 + λ cosθ_ijk)^ζ exp(−η(R_ij² + R_ik² + R_jk²))
fc(R_ij) fc(R_ik) fc(R_jk): each unordered neighbour pair once, fc(R_jk) included, as in
AMP and in Behler's definition.  DScribe always adds a G1 (Σ fc) per neighbour species,
which is not in the set: those columns are dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase import Atoms

from ._common import group_by_periodicity, package_versions
from .base import Representation

BOHR = 0.52917721067  # Å
_ETA_UNIT = 1.0 / (1e4 * BOHR**2)  # η·10⁴·a0² = value  →  η in Å⁻²

G2_ETAS = [9, 100, 200, 350, 600, 1000, 2000, 4000]


def _g4_set() -> list[tuple[float, float, float]]:
    """(η [units of 1/(10⁴ a0²)], ζ, λ) of Behler's 43 angular functions."""
    out = []
    for eta in (1, 30, 80):
        out += [(eta, z, l) for z, l in [(1, -1), (1, 1), (2, -1), (2, 1)]]
    for eta in (150, 250, 450):
        out += [(eta, z, l) for z, l in [(1, -1), (1, 1), (2, -1), (2, 1), (4, -1), (4, 1), (16, -1), (16, 1)]]
    out += [(800, z, l) for z, l in [(1, -1), (1, 1), (2, -1), (2, 1), (4, -1), (4, 1), (16, 1)]]
    return out


G4_SET = _g4_set()


class ACSF(Representation):
    name = "ACSF"

    def __init__(self, species, cutoff: float = 6.5) -> None:
        g2 = [[eta * _ETA_UNIT, 0.0] for eta in G2_ETAS]
        g4 = [[eta * _ETA_UNIT, float(zeta), float(lam)] for eta, zeta, lam in G4_SET]
        super().__init__(species, cutoff=float(cutoff), g2_params=g2, g4_params=g4,
                         eta_units="1/Angstrom^2", cutoff_function="cos", library="dscribe")
        self._descriptors: dict[bool, Any] = {}

    def _descriptor(self, periodic: bool):
        if periodic not in self._descriptors:
            from dscribe.descriptors import ACSF as DScribeACSF

            self._descriptors[periodic] = DScribeACSF(
                r_cut=self.params["cutoff"],
                g2_params=self.params["g2_params"],
                g4_params=self.params["g4_params"],
                species=self.species,
                periodic=periodic,
            )
        return self._descriptors[periodic]

    @property
    def n_features(self) -> int:
        s = len(self.species)
        return len(G2_ETAS) * s + len(G4_SET) * s * (s + 1) // 2

    def _kept(self) -> np.ndarray:
        """Column indices of DScribe's output without its per-species G1."""
        s, n2 = len(self.species), len(G2_ETAS)
        g1 = np.arange(s) * (1 + n2)
        total = s * (1 + n2) + len(G4_SET) * s * (s + 1) // 2
        return np.setdiff1d(np.arange(total), g1)

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        desc = self._descriptor(bool(np.any(atoms.pbc)))
        out = desc.create(atoms, centers=None if centers is None else list(map(int, centers)))
        return np.atleast_2d(out)[:, self._kept()]

    def _compute_many(self, structures, n_jobs, progress):
        blocks = {}
        for periodic, idx in group_by_periodicity(structures).items():
            if not idx:
                continue
            res = self._descriptor(periodic).create([structures[k] for k in idx], n_jobs=n_jobs, verbose=False)
            if len(idx) == 1:
                res = [res]
            for k, block in zip(idx, res):
                blocks[k] = np.atleast_2d(block)[:, self._kept()]
        return np.vstack([blocks[k] for k in range(len(structures))]) if structures else np.zeros((0, self.n_features))

    def library_versions(self) -> dict[str, str]:
        return package_versions("dscribe", "ase")
