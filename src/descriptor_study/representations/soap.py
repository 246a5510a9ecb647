"""SOAP as QUIP/GAP defines it (quippy-ase) and SOAPlite (DScribe's GTO SOAP).

SOAP: ``soap cutoff=6.5 n_max=9 l_max=9 atom_sigma=0.5 normalise=T`` with every species
of the dataset as neighbour and centre species.  QUIP appends one constant column, which
the authors dropped and so do we (450 features for Si, 3780 for AlNiCu).  QUIP returns
rows with their centre index (``ci``); we put them back in atom order.

SOAPlite: DScribe's SOAP with ``rbf="gto"`` (the successor of SOAPlite: GTO radial basis
decaying to 10⁻³ at the cutoff), crossover on, no averaging.  Layout: DScribe 2.x keeps
all n, n' for pairs of different species, so AlNiCu has 3780 features, not the 2700 of
the paper's Table I, whose SOAPlite kept n ≤ n' for every species pair
(S(S+1)/2 · n_max(n_max+1)/2 · (l_max+1)).
"""

from __future__ import annotations

import threading

from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from ._common import group_by_periodicity, package_versions
from .base import Representation


class SOAP(Representation):
    name = "SOAP"

    def __init__(self, species, cutoff: float = 6.5, n_max: int = 9, l_max: int = 9, atom_sigma: float = 0.5) -> None:
        super().__init__(species, cutoff=float(cutoff), n_max=int(n_max), l_max=int(l_max),
                         atom_sigma=float(atom_sigma), normalise=True, library="quippy",
                         dropped="QUIP's trailing constant column")
        zs = " ".join(str(atomic_numbers[s]) for s in self.species)
        n = len(self.species)
        self.quip_args = (
            f"soap cutoff={self.params['cutoff']} n_max={self.params['n_max']} l_max={self.params['l_max']} "
            f"atom_sigma={self.params['atom_sigma']} normalise=T n_species={n} species_Z={{{zs}}} "
            f"n_Z={n} Z={{{zs}}}"
        )
        self.params["quip_args"] = self.quip_args
        self._descriptor = None

    @property
    def n_features(self) -> int:
        nn = len(self.species) * self.params["n_max"]
        return nn * (nn + 1) // 2 * (self.params["l_max"] + 1)

    def _desc(self):
        if self._descriptor is None:
            from quippy.descriptors import Descriptor

            self._descriptor = Descriptor(self.quip_args)
        return self._descriptor

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        atoms = atoms.copy()
        if not np.any(atoms.pbc) and atoms.cell.volume < 1e-8:
            # QUIP wants a cell even for a cluster: a box well beyond the cutoff
            span = np.ptp(atoms.positions, axis=0) + 2 * self.params["cutoff"] + 1.0
            atoms.set_cell(np.diag(span))
        result = self._desc().calc(atoms)
        data = np.asarray(result["data"])
        order = np.asarray(result["ci"], dtype=int).ravel() - 1
        full = np.zeros((len(atoms), data.shape[1] - 1))
        full[order] = data[:, :-1]
        return full if centers is None else full[centers]

    def library_versions(self) -> dict[str, str]:
        return package_versions("quippy-ase", "ase")


class SOAPlite(Representation):
    name = "SOAPlite"

    def __init__(self, species, cutoff: float = 6.5, n_max: int = 9, l_max: int = 9, atom_sigma: float = 0.5) -> None:
        super().__init__(species, cutoff=float(cutoff), n_max=int(n_max), l_max=int(l_max),
                         atom_sigma=float(atom_sigma), rbf="gto", crossover=True, average="off",
                         layout="dscribe-2 (all n, n' for unlike species)", library="dscribe")
        self._descriptors: dict[bool, Any] = {}

    def _descriptor(self, periodic: bool):
        if periodic not in self._descriptors:
            from dscribe.descriptors import SOAP as DScribeSOAP

            self._descriptors[periodic] = DScribeSOAP(
                r_cut=self.params["cutoff"], n_max=self.params["n_max"], l_max=self.params["l_max"],
                sigma=self.params["atom_sigma"], rbf="gto", species=self.species, periodic=periodic,
            )
        return self._descriptors[periodic]

    @property
    def n_features(self) -> int:
        # the count does not depend on periodicity: ask whichever descriptor exists
        # (building one costs a noticeable fraction of a second)
        desc = next(iter(self._descriptors.values()), None) or self._descriptor(False)
        return int(desc.get_number_of_features())

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        desc = self._descriptor(bool(np.any(atoms.pbc)))
        return np.atleast_2d(desc.create(atoms, centers=None if centers is None else list(map(int, centers))))

    def _compute_many(self, structures, n_jobs, progress):
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in structures])]).astype(np.int64)
        groups = {periodic: idx for periodic, idx in group_by_periodicity(structures).items() if idx}
        out = np.empty((offsets[-1], int(self._descriptor(next(iter(groups), False)).get_number_of_features())))
        # touch the output's pages (hundreds of MB on the paper's sets) while DScribe's
        # workers compute, instead of after: it is the only cost we add to the library call
        toucher = threading.Thread(target=np.copyto, args=(out, 0.0))
        toucher.start()
        for periodic, idx in groups.items():
            res = self._descriptor(periodic).create([structures[k] for k in idx], n_jobs=n_jobs)
            if len(idx) == 1:
                res = [res]
            toucher.join()
            for k, block in zip(idx, res):
                out[offsets[k]:offsets[k + 1]] = block
        return out

    def library_versions(self) -> dict[str, str]:
        return package_versions("dscribe", "ase")
