"""LMBTR: DScribe's local many-body tensor representation, added to the study in one file.

A worked example of a representation that lives outside the package: the config names it
with ``class: examples/lmbtr.py:LMBTR`` (see ``examples/lmbtr.yaml`` and
``docs/adding-a-representation.md``), and it then appears in Table I, Figures 3-9 and
every table like the paper's eight.

Each row describes the environment of one centre atom (Huo & Rupp's MBTR restricted to
the terms that involve the centre), built from ``dscribe.descriptors.LMBTR`` (DScribe 2.x):

* k = 2: the inverse distances 1/r from the centre to its neighbours, one Gaussian-broadened
  distribution (width ``sigma``, 1/Å) per neighbour species on ``n_grid`` points of
  ``k2_range``, each neighbour weighted by exp(-s r);
* k = 3: the angles of the triangles the centre belongs to, one distribution (width
  ``angle_sigma``, degrees) per species pair on ``n_grid`` points of ``k3_range``, each
  triangle weighted by exp(-s' p), p its perimeter.

The weights decay smoothly to ``weight_threshold`` at ``cutoff``: s = -ln(threshold)/cutoff
for k = 2 (a pair at the cutoff has weight ``weight_threshold``), s' = -ln(threshold)/(2
cutoff) for k = 3 (DScribe then looks for neighbours out to ``cutoff``); lighter terms are
dropped.  DScribe marks the centre with the ghost species X (Z = 0), so S species give
(S + 1) n_grid features for k = 2 and (S + 1)(3S + 2)/2 n_grid for k = 3.

DScribe builds one descriptor per periodicity (its ``periodic`` flag is fixed at
construction), so structures are grouped into periodic ones and clusters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from ase import Atoms

from descriptor_study.representations import Param, Representation
from descriptor_study.versions import package_versions


def _is_range(value: Any) -> bool:
    """[min, max] with min < max, both finite numbers."""
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        and value[0] < value[1]
    )


def _range_schema(unit: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "number"},
        "minItems": 2,
        "maxItems": 2,
        "description": f"[min, max] with min < max ({unit})",
    }


class LMBTR(Representation):
    name = "LMBTR"
    label = "LMBTR (DScribe)"
    # no colour: it takes the palette colour of its place in the figure order
    parameters = (
        Param(
            "cutoff",
            "number",
            6.5,
            "distance at which a pair's weight has decayed to weight_threshold",
            unit="Å",
            minimum=0,
            exclusive=True,
        ),
        Param(
            "weight_threshold",
            "number",
            1e-3,
            "weight at the cutoff; lighter pairs and triangles are dropped",
            minimum=0,
            maximum=1,
            exclusive=True,
        ),
        Param("k2", "boolean", True, "include the k = 2 term (inverse distances to the centre)"),
        Param("k3", "boolean", True, "include the k = 3 term (angles of the triangles at the centre)"),
        Param("n_grid", "integer", 40, "grid points of each k = 2 and k = 3 distribution", minimum=2, maximum=1000),
        Param(
            "sigma",
            "number",
            0.05,
            "Gaussian broadening of the k = 2 (inverse distance) term",
            unit="1/Å",
            minimum=0,
            exclusive=True,
        ),
        Param(
            "angle_sigma",
            "number",
            6.0,
            "Gaussian broadening of the k = 3 (angle) term",
            unit="degree",
            minimum=0,
            exclusive=True,
        ),
        Param(
            "k2_range",
            "list",
            [0.1, 1.1],
            "grid of the k = 2 term: [min, max] inverse distance",
            unit="1/Å",
            schema=_range_schema("1/Å"),
            check=_is_range,
        ),
        Param(
            "k3_range",
            "list",
            [0.0, 180.0],
            "grid of the k = 3 term: [min, max] angle",
            unit="degree",
            schema=_range_schema("degree"),
            check=_is_range,
        ),
        Param("normalization", "string", "none", "DScribe's normalisation of each row", choices=("none", "l2")),
    )

    @classmethod
    def check_params(cls, params: dict[str, Any], where: str) -> None:
        if not (params["k2"] or params["k3"]):
            raise cls.param_error(where, "k3", params["k3"], "true when k2 is false (at least one term)")

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        self.params.update(library="dscribe", descriptor="dscribe.descriptors.LMBTR")
        self._descriptors: dict[bool, list[Any]] = {}

    def _terms(self, periodic: bool) -> list[Any]:
        """The DScribe descriptors of the requested terms (k = 2 first) for one periodicity."""
        if periodic not in self._descriptors:
            from dscribe.descriptors import LMBTR as DScribeLMBTR

            p = self.params
            log_threshold = -math.log(p["weight_threshold"])
            terms = []
            if p["k2"]:
                terms.append(
                    DScribeLMBTR(
                        geometry={"function": "inverse_distance"},
                        grid={"min": p["k2_range"][0], "max": p["k2_range"][1], "n": p["n_grid"], "sigma": p["sigma"]},
                        weighting={
                            "function": "exp",
                            "scale": log_threshold / p["cutoff"],
                            "threshold": p["weight_threshold"],
                        },
                        normalization=p["normalization"],
                        species=self.species,
                        periodic=periodic,
                    )
                )
            if p["k3"]:
                terms.append(
                    DScribeLMBTR(
                        geometry={"function": "angle"},
                        grid={
                            "min": p["k3_range"][0],
                            "max": p["k3_range"][1],
                            "n": p["n_grid"],
                            "sigma": p["angle_sigma"],
                        },
                        weighting={
                            "function": "exp",
                            "scale": 0.5 * log_threshold / p["cutoff"],
                            "threshold": p["weight_threshold"],
                        },
                        normalization=p["normalization"],
                        species=self.species,
                        periodic=periodic,
                    )
                )
            self._descriptors[periodic] = terms
        return self._descriptors[periodic]

    @property
    def n_features(self) -> int:
        return int(sum(t.get_number_of_features() for t in self._terms(False)))

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        idx = None if centers is None else [int(c) for c in centers]
        if idx is not None and not idx:
            return np.zeros((0, self.n_features))
        blocks = [np.atleast_2d(t.create(atoms, centers=idx)) for t in self._terms(bool(np.any(atoms.pbc)))]
        return np.hstack(blocks)

    def _compute_many(self, structures: list[Atoms], n_jobs: int, progress: bool) -> np.ndarray:
        rows: dict[int, np.ndarray] = {}
        for periodic in (True, False):
            idx = [k for k, a in enumerate(structures) if bool(np.any(a.pbc)) == periodic]
            if not idx:
                continue
            subset = [structures[k] for k in idx]
            per_term = [_per_structure(t.create(subset, n_jobs=n_jobs), subset) for t in self._terms(periodic)]
            for j, k in enumerate(idx):
                rows[k] = np.hstack([term[j] for term in per_term])
        if not structures:
            return np.zeros((0, self.n_features))
        return np.vstack([rows[k] for k in range(len(structures))])

    def library_versions(self) -> dict[str, str]:
        return package_versions("dscribe", "ase")

    def reach(self) -> float:
        """``cutoff``: a pair farther than it weighs less than ``weight_threshold`` and is
        dropped, and so is a triangle with a side longer than it (its perimeter is then
        above 2 ``cutoff``).  The sensitivity study then computes only the rows of the atoms
        within it of a moved atom; the contract's reach check holds it."""
        return float(self.params["cutoff"])


def _per_structure(output: Any, structures: list[Atoms]) -> list[np.ndarray]:
    """DScribe's output for several structures → one (n_atoms, n_features) block per structure
    (DScribe gives a 3-d array when every structure has the same size, a list otherwise, and
    the 2-d block itself for a single structure)."""
    if isinstance(output, np.ndarray) and output.ndim == 2:
        output = [output]
    return [np.asarray(block).reshape(len(a), -1) for block, a in zip(output, structures)]
