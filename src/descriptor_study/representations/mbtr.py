"""MBTR (global: one row per structure) through DScribe.

k = 2 (inverse distance, 100 points on [0.1, 1.1] Å⁻¹) followed by k = 3 (angle, 100
points on the paper's [−0.15, π + 0.1π] rad, which DScribe takes in degrees), Gaussian
broadening with the authors' widths (2⁻⁴ Å⁻¹ and 2⁻³ rad), exponential weights
exp(−β x) with the paper's β = 4 (k = 2, x the distance) and β = 3 (k = 3, x the
triangle's perimeter, DScribe's definition), no normalisation.  DScribe drops terms whose
weight is below ``weight_threshold``: 1e-12 keeps pairs out to 6.9 Å and triangles with
perimeters up to 9.2 Å (the c-Si first-shell triangle is 8.5 Å), so the terms that set the
features are kept and a periodic 512-atom cell takes seconds.  Features: 100·S(S+1)/2 +
100·S·S(S+1)/2 (200 for Si, 2400 for AlNiCu).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from ase import Atoms

from ..versions import package_versions
from ._common import dscribe_n_jobs, group_by_periodicity
from .base import Representation
from .spec import Param


class MBTR(Representation):
    """Many-body tensor representation, k = 2 and k = 3 terms, through DScribe."""

    name = "MBTR"
    per_structure = True
    parameters = (
        Param("n_grid", "integer", 100, "grid points of each of the k = 2 and k = 3 terms", minimum=2),
        Param(
            "k2_sigma",
            "number",
            2.0**-4,
            "Gaussian broadening of the k = 2 (inverse distance) term",
            unit="1/Å",
            minimum=0,
            exclusive=True,
        ),
        Param(
            "k3_sigma",
            "number",
            2.0**-3,
            "Gaussian broadening of the k = 3 (angle) term",
            unit="rad",
            minimum=0,
            exclusive=True,
        ),
        Param(
            "k2_scale", "number", 4.0, "β of the k = 2 weight exp(−β·distance)", unit="1/Å", minimum=0, exclusive=True
        ),
        Param(
            "k3_scale", "number", 3.0, "β of the k = 3 weight exp(−β·perimeter)", unit="1/Å", minimum=0, exclusive=True
        ),
        Param(
            "weight_threshold",
            "number",
            1e-12,
            "terms whose weight is below this are dropped (1e-12: pairs to 6.9 Å, perimeters to 9.2 Å)",
            minimum=0,
            maximum=1,
            exclusive=True,
        ),
        # DScribe's valle_oganov needs periodic structures only; not offered
        Param(
            "normalization",
            "string",
            "none",
            "DScribe's normalisation of the output",
            choices=("none", "l2", "n_atoms"),
        ),
    )

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        self.params.update(k2_grid=[0.1, 1.1], k3_grid_radian=[-0.15, math.pi + 0.1 * math.pi], library="dscribe")
        self._descriptors: dict[bool, tuple[Any, Any]] = {}

    def _pair(self, periodic: bool):
        if periodic not in self._descriptors:
            from dscribe.descriptors import MBTR as DScribeMBTR

            p = self.params
            deg = 180.0 / math.pi
            k2 = DScribeMBTR(
                geometry={"function": "inverse_distance"},
                grid={"min": 0.1, "max": 1.1, "n": p["n_grid"], "sigma": p["k2_sigma"]},
                weighting={"function": "exp", "scale": p["k2_scale"], "threshold": p["weight_threshold"]},
                normalization=p["normalization"],
                species=self.species,
                periodic=periodic,
            )
            k3 = DScribeMBTR(
                geometry={"function": "angle"},
                grid={
                    "min": p["k3_grid_radian"][0] * deg,
                    "max": p["k3_grid_radian"][1] * deg,
                    "n": p["n_grid"],
                    "sigma": p["k3_sigma"] * deg,
                },
                weighting={"function": "exp", "scale": p["k3_scale"], "threshold": p["weight_threshold"]},
                normalization=p["normalization"],
                species=self.species,
                periodic=periodic,
            )
            self._descriptors[periodic] = (k2, k3)
        return self._descriptors[periodic]

    @property
    def n_features(self) -> int:
        """DScribe's count, without importing DScribe (the plan asks it of every job): one
        ``n_grid`` distribution per species pair for k = 2, per pair of end species and
        middle species for k = 3 (tests/test_representations_library.py holds it to
        DScribe's ``get_number_of_features``)."""
        s = len(self.species)
        pairs = s * (s + 1) // 2
        return int(self.params["n_grid"]) * (pairs + s * pairs)

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        k2, k3 = self._pair(bool(np.any(atoms.pbc)))
        return np.concatenate([np.ravel(k2.create(atoms)), np.ravel(k3.create(atoms))])[None, :]

    def _compute_many(self, structures, n_jobs, progress):
        blocks = {}
        n_jobs = dscribe_n_jobs(structures, n_jobs)
        for periodic, idx in group_by_periodicity(structures).items():
            if not idx:
                continue
            k2, k3 = self._pair(periodic)
            subset = [structures[k] for k in idx]
            a = np.atleast_2d(k2.create(subset, n_jobs=n_jobs))
            b = np.atleast_2d(k3.create(subset, n_jobs=n_jobs))
            for row, k in enumerate(idx):
                blocks[k] = np.concatenate([a[row], b[row]])[None, :]
        return np.vstack([blocks[k] for k in range(len(structures))]) if structures else np.zeros((0, self.n_features))

    def library_versions(self) -> dict[str, str]:
        return package_versions("dscribe", "ase")
