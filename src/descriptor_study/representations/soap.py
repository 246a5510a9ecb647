"""SOAP as QUIP/GAP defines it (quippy-ase) and SOAPlite (DScribe's GTO SOAP).

SOAP: ``soap cutoff=6.5 n_max=9 l_max=9 atom_sigma=0.5 normalise=T`` (QUIP's
``atom_sigma`` is our ``sigma``) with every species of the dataset as neighbour and centre
species.  QUIP appends one constant column, which the authors dropped and so do we (450
features for Si, 3780 for AlNiCu).  QUIP returns rows with their centre index (``ci``); we
put them back in atom order.

SOAPlite: DScribe's SOAP with ``rbf="gto"`` (the successor of SOAPlite: GTO radial basis
decaying to 10⁻³ at the cutoff), crossover on, no averaging.  Layout: DScribe 2.x keeps
all n, n' for pairs of different species, so AlNiCu has 3780 features, not the 2700 of
the paper's Table I, whose SOAPlite kept n ≤ n' for every species pair
(S(S+1)/2 · n_max(n_max+1)/2 · (l_max+1)).

What the authors ran (DescriptorZoo's ``SOAPlite.jl`` wrapper) is the standalone
``soaplite`` 1.0.3 package, ``get_soap_structure``: it sees no periodic images (each atom
sees only the atoms of its own cell), and the wrapper never passes ``eta`` on (its
``sigma`` keyword is unused), so soaplite's default eta = 1 applies, i.e. a Gaussian width
σ = 1/√2 Å; its output keeps, for every species pair Z ≤ Z', blocks ordered by l, then
n ≤ n' (n the radial index of the lower-Z species, n' of the other).
``periodic=False, sigma=0.7071067811865476, pair_layout="n_le_nprime"`` gives that
matrix from DScribe, in soaplite's column order.  The one difference: soaplite 1.0.3
takes neighbours up to r_cut + 5 Å, DScribe up to r_cut + σ·√(−2 ln 10⁻³) (9.13 Å here),
where the GTO basis has decayed to ~1e-3; on AlNiCu the two matrices agree to 7e-11 per
row except for the ~1 % of environments with atoms between those radii (at most 3e-3
per row, 2e-6 over the whole matrix).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from ..versions import package_versions
from ._common import dscribe_n_jobs, group_by_periodicity
from .base import Representation
from .spec import Param


def _soap_parameters() -> tuple[Param, ...]:
    """cutoff, n_max, l_max and sigma: the parameters SOAP and SOAPlite share."""
    return (
        Param("cutoff", "number", 6.5, "radius of the neighbour environment", unit="Å", minimum=0, exclusive=True),
        Param("n_max", "integer", 9, "number of radial basis functions", minimum=1, maximum=20),
        Param("l_max", "integer", 9, "highest angular momentum of the spherical harmonics", minimum=0, maximum=20),
        Param(
            "sigma",
            "number",
            0.5,
            "width of the Gaussian smearing each neighbour atom",
            unit="Å",
            minimum=0,
            exclusive=True,
            aliases=("atom_sigma",),
        ),
    )


#: the per-atom array naming the centres QUIP computes (its ``atom_mask_name``)
_CENTRE_MASK = "descriptor_study_centres"


class SOAP(Representation):
    """SOAP power spectrum as QUIP/GAP computes it (quippy), trailing constant column dropped."""

    name = "SOAP"
    parameters = _soap_parameters()

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        p = self.params
        zs = " ".join(str(atomic_numbers[s]) for s in self.species)
        n = len(self.species)
        self.quip_args = (
            f"soap cutoff={p['cutoff']} n_max={p['n_max']} l_max={p['l_max']} "
            f"atom_sigma={p['sigma']} normalise=T n_species={n} species_Z={{{zs}}} "
            f"n_Z={n} Z={{{zs}}}"
        )
        p.update(normalise=True, library="quippy", dropped="QUIP's trailing constant column", quip_args=self.quip_args)
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
        if centers is None:
            result = self._desc().calc(atoms)
        else:
            if len(centers) == 0:
                return np.zeros((0, self.n_features))
            # QUIP computes the masked atoms only (the same numbers, a fraction of the time)
            mask = np.zeros(len(atoms), dtype=bool)
            mask[centers] = True
            atoms.arrays[_CENTRE_MASK] = mask
            result = self._desc().calc(atoms, args_str=f"atom_mask_name={_CENTRE_MASK}")
        data = np.asarray(result["data"])
        order = np.asarray(result["ci"], dtype=int).ravel() - 1
        full = np.zeros((len(atoms), data.shape[1] - 1))
        full[order] = data[:, :-1]
        return full if centers is None else full[centers]

    def reach(self) -> float:
        return float(self.params["cutoff"])  # QUIP's cutoff is hard

    def library_versions(self) -> dict[str, str]:
        return package_versions("quippy-ase", "ase")


#: SOAPlite column layouts: DScribe 2.x's, and soaplite 1.0's (n ≤ n' for every pair)
PAIR_LAYOUTS = ("full", "n_le_nprime")


class SOAPlite(Representation):
    """DScribe GTO SOAP.

    ``periodic``: True (default) lets a structure with periodic boundaries see its images;
    False treats every structure as a finite cluster of the atoms in its cell (soaplite's
    ``get_soap_structure``, what the authors ran).
    ``pair_layout``: "full" (default, DScribe 2.x: n ≤ n' for like species, all n, n' for
    unlike ones) or "n_le_nprime" (soaplite 1.0: n ≤ n' for every species pair).
    """

    name = "SOAPlite"
    parameters = _soap_parameters() + (
        Param(
            "periodic",
            "boolean",
            True,
            "let a periodic structure see its images (false: every structure is a finite cluster "
            "of its cell's atoms, soaplite's get_soap_structure)",
        ),
        Param(
            "pair_layout",
            "string",
            "full",
            "columns kept: DScribe 2.x's (all n, n' for unlike species) or soaplite 1.0's "
            "(n ≤ n' for every species pair)",
            choices=PAIR_LAYOUTS,
        ),
    )

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        layout = (
            "dscribe-2 (all n, n' for unlike species)"
            if self.params["pair_layout"] == "full"
            else "soaplite-1.0 (n <= n' for every species pair)"
        )
        self.params.update(rbf="gto", crossover=True, average="off", layout=layout, library="dscribe")
        self._descriptors: dict[bool, Any] = {}
        self._columns: np.ndarray | None = None

    def _descriptor(self, periodic: bool):
        periodic = bool(periodic) and self.params["periodic"]
        if periodic not in self._descriptors:
            from dscribe.descriptors import SOAP as DScribeSOAP

            self._descriptors[periodic] = DScribeSOAP(
                r_cut=self.params["cutoff"],
                n_max=self.params["n_max"],
                l_max=self.params["l_max"],
                sigma=self.params["sigma"],
                rbf="gto",
                species=self.species,
                periodic=periodic,
            )
        return self._descriptors[periodic]

    @property
    def n_features(self) -> int:
        s, n, lp1 = len(self.species), self.params["n_max"], self.params["l_max"] + 1
        if self.params["pair_layout"] == "n_le_nprime":
            return s * (s + 1) // 2 * n * (n + 1) // 2 * lp1
        # DScribe 2.x's count, without importing DScribe (the plan asks it of every job):
        # n ≤ n' for a like pair, all n, n' for an unlike one, each for every l
        # (tests/test_representations_library.py holds it to get_number_of_features)
        return (s * n * (n + 1) // 2 + s * (s - 1) // 2 * n * n) * lp1

    def kept_columns(self) -> np.ndarray | None:
        """Columns of DScribe's output that the layout keeps (None: all of them).

        DScribe 2.x orders each species pair Z ≤ Z' (a slice from ``get_location``) by l,
        then by the radial index n of Z, then n' of Z'; like pairs store n ≤ n' only,
        unlike pairs all n_max² combinations.  "n_le_nprime" keeps n ≤ n' in unlike
        blocks too, which is soaplite 1.0's layout and column order.
        """
        if self.params["pair_layout"] == "full":
            return None
        if self._columns is None:
            desc = next(iter(self._descriptors.values()), None) or self._descriptor(False)
            n, lp1 = self.params["n_max"], self.params["l_max"] + 1
            upper = np.triu_indices(n)
            cols = []
            for i, a in enumerate(self.species):
                for b in self.species[i:]:
                    loc = desc.get_location((a, b))
                    block = np.arange(loc.start, loc.stop)
                    if a != b:
                        block = block.reshape(lp1, n, n)[:, upper[0], upper[1]].ravel()
                    cols.append(block)
            self._columns = np.concatenate(cols)
        return self._columns

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        desc = self._descriptor(bool(np.any(atoms.pbc)))
        out = np.atleast_2d(desc.create(atoms, centers=None if centers is None else list(map(int, centers))))
        cols = self.kept_columns()
        return out if cols is None else out[:, cols]

    def _compute_many(self, structures, n_jobs, progress):
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in structures])]).astype(np.int64)
        groups: dict[bool, list[int]] = {}
        for periodic, idx in group_by_periodicity(structures).items():
            # with periodic=False every structure goes to the one non-periodic descriptor
            groups.setdefault(periodic and self.params["periodic"], []).extend(idx)
        groups = {periodic: sorted(idx) for periodic, idx in groups.items() if idx}
        cols = self.kept_columns()
        out = np.empty((offsets[-1], self.n_features))
        # touch the output's pages (hundreds of MB on the paper's sets) while DScribe's
        # workers compute, instead of after: it is the only cost we add to the library call
        toucher = threading.Thread(target=np.copyto, args=(out, 0.0))
        toucher.start()
        # with a column selection, compute in chunks so that the full-width blocks of
        # only one chunk are held at a time
        chunk = len(structures) if cols is None else 2000
        n_jobs = dscribe_n_jobs(structures, n_jobs)
        for periodic, idx in groups.items():
            for start in range(0, len(idx), max(chunk, 1)):
                part = idx[start : start + chunk]
                res = self._descriptor(periodic).create([structures[k] for k in part], n_jobs=n_jobs)
                if len(part) == 1:
                    res = [res]
                toucher.join()
                for k, block in zip(part, res):
                    block = np.atleast_2d(block)
                    out[offsets[k] : offsets[k + 1]] = block if cols is None else block[:, cols]
        return out

    def reach(self) -> float:
        """DScribe's GTO density reaches past ``cutoff`` by a padding: the distance at which a
        Gaussian of width sigma falls to 1e-3, sigma·√(−2 ln 1e-3) (3.7 sigma)."""
        return float(self.params["cutoff"]) + float(self._descriptor(False).get_cutoff_padding())

    def library_versions(self) -> dict[str, str]:
        return package_versions("dscribe", "ase")
