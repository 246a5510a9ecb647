"""ACSF: Behler's 2011 symmetry-function set through DScribe.

The parameter set is the one the authors used (AMP's Gaussian descriptor with the
cosine cutoff): 8 radial G2 per neighbour species (Rs = 0) and 43 angular G4 per
species pair; η is given in units of 1/(10⁴·a0²) and converted to Å⁻².  Features:
8·S + 43·S(S+1)/2 (51, 145, 282, 462 for 1–4 species).

DScribe's G4 is 2^(1−ζ) Σ_{j≠i} Σ_{k>j} (1 + λ cosθ_ijk)^ζ exp(−η(R_ij² + R_ik² + R_jk²))
fc(R_ij) fc(R_ik) fc(R_jk): each unordered neighbour pair once, fc(R_jk) included, as in
AMP and in Behler's definition.  DScribe always adds a G1 (Σ fc) per neighbour species,
which is not in the set: those columns are dropped.

``species_scope``: "dataset" (default) computes every structure with all the species of
the dataset.  "structure" does what the authors' wrapper did (DescriptorZoo's ``AMP.jl``,
``AMP_ACSF_desc``): it builds the function list from the species present in each
structure, so a one- or two-species structure gets a 51- or 145-long row, and the rows
are left-aligned and padded with zeros on the right to the dataset's length.  Within a
row the functions follow that wrapper's list (``set_SF_paramaters_of_AMP_G`` with
``Behler2011=True``, ``set_symmetry_functions``), which AMP evaluates in order: species
sorted by atomic number (``np.unique`` of Z); all G2 with η outer and neighbour species
inner; then for each of the 43 angular (η, ζ, λ), the species pairs (a, b ≥ a) in that
order.  (DScribe's own order is species-major for G2 and pairs by
b(b+1)/2 + a for G4; the two agree up to a permutation on a full-species structure.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from ..versions import package_versions
from ._common import dscribe_n_jobs, group_by_periodicity
from .base import Representation
from .spec import Param

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


#: which species a structure's row is computed with
SPECIES_SCOPES = ("dataset", "structure")


def _dscribe_kept(s: int) -> np.ndarray:
    """Column indices of DScribe's output for ``s`` species without its per-species G1."""
    n2 = len(G2_ETAS)
    g1 = np.arange(s) * (1 + n2)
    total = s * (1 + n2) + len(G4_SET) * s * (s + 1) // 2
    return np.setdiff1d(np.arange(total), g1)


def amp_order(s: int) -> np.ndarray:
    """``perm`` such that ``row[perm]`` puts a G1-free DScribe row for ``s`` species in AMP.jl's order.

    DScribe (after dropping G1): G2 of species e, η index k at ``e·8 + k``; G4 of the pair
    (a ≤ b), parameter q at ``8·s + (b(b+1)/2 + a)·43 + q``.  AMP.jl: G2 with η outer and
    species inner, then G4 with the parameter outer and the pairs (a, b ≥ a) inner.
    """
    n2, n4 = len(G2_ETAS), len(G4_SET)
    perm = [e * n2 + k for k in range(n2) for e in range(s)]
    perm += [s * n2 + (b * (b + 1) // 2 + a) * n4 + q for q in range(n4) for a in range(s) for b in range(a, s)]
    return np.asarray(perm, dtype=int)


class ACSF(Representation):
    """Behler-Parrinello atom-centred symmetry functions (G2 and G4 sets) through DScribe."""

    name = "ACSF"
    parameters = (
        Param("cutoff", "number", 6.5, "radius of the cosine cutoff function", unit="Å", minimum=0, exclusive=True),
        Param(
            "species_scope",
            "string",
            "dataset",
            "species a row is computed with: all of the dataset's, or each structure's own "
            "(the authors' AMP.jl wrapper: AMP's order, rows zero-padded on the right)",
            choices=SPECIES_SCOPES,
        ),
    )

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        self.params.update(
            g2_params=[[eta * _ETA_UNIT, 0.0] for eta in G2_ETAS],
            g4_params=[[eta * _ETA_UNIT, float(zeta), float(lam)] for eta, zeta, lam in G4_SET],
            eta_units="1/Angstrom^2",
            cutoff_function="cos",
            library="dscribe",
        )
        if self.params["species_scope"] == "structure":
            self.params["layout"] = "per structure: its own species, AMP.jl function order, left-aligned, zero-padded"
        self._descriptors: dict[tuple[tuple[str, ...], bool], Any] = {}

    def _descriptor(self, periodic: bool, species: tuple[str, ...] | None = None):
        species = tuple(self.species) if species is None else tuple(species)
        key = (species, bool(periodic))
        if key not in self._descriptors:
            from dscribe.descriptors import ACSF as DScribeACSF

            self._descriptors[key] = DScribeACSF(
                r_cut=self.params["cutoff"],
                g2_params=self.params["g2_params"],
                g4_params=self.params["g4_params"],
                species=list(species),
                periodic=bool(periodic),
            )
        return self._descriptors[key]

    @property
    def n_features(self) -> int:
        s = len(self.species)
        return len(G2_ETAS) * s + len(G4_SET) * s * (s + 1) // 2

    def _kept(self) -> np.ndarray:
        """Column indices of DScribe's output without its per-species G1."""
        return _dscribe_kept(len(self.species))

    def _scope_species(self, atoms: Atoms) -> tuple[str, ...]:
        if self.params["species_scope"] == "dataset":
            return tuple(self.species)
        return tuple(sorted(set(atoms.get_chemical_symbols()), key=lambda x: atomic_numbers[x]))

    def _rows(self, block: np.ndarray, species: tuple[str, ...]) -> np.ndarray:
        """DScribe rows for ``species`` → our rows (dataset scope: DScribe's order as is)."""
        s = len(species)
        block = np.atleast_2d(block)[:, _dscribe_kept(s)]
        if self.params["species_scope"] == "dataset":
            return block
        out = np.zeros((block.shape[0], self.n_features))
        out[:, : block.shape[1]] = block[:, amp_order(s)]
        return out

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        species = self._scope_species(atoms)
        desc = self._descriptor(bool(np.any(atoms.pbc)), species)
        out = desc.create(atoms, centers=None if centers is None else list(map(int, centers)))
        return self._rows(out, species)

    def _compute_many(self, structures, n_jobs, progress):
        if not structures:
            return np.zeros((0, self.n_features))
        groups: dict[tuple[tuple[str, ...], bool], list[int]] = {}
        for periodic, idx in group_by_periodicity(structures).items():
            for k in idx:
                groups.setdefault((self._scope_species(structures[k]), periodic), []).append(k)
        blocks = {}
        n_jobs = dscribe_n_jobs(structures, n_jobs)
        for (species, periodic), idx in groups.items():
            res = self._descriptor(periodic, species).create([structures[k] for k in idx], n_jobs=n_jobs, verbose=False)
            if len(idx) == 1:
                res = [res]
            for k, block in zip(idx, res):
                blocks[k] = self._rows(block, species)
        return np.vstack([blocks[k] for k in range(len(structures))])

    def reach(self) -> float:
        return float(self.params["cutoff"])

    def library_versions(self) -> dict[str, str]:
        return package_versions("dscribe", "ase")
