"""ACSF-X: Imbalzano et al.'s systematic symmetry-function set (J. Chem. Phys. 148,
241730, 2018) with the tanh³ cutoff, in our own vectorised numpy code.

Why our own code: DScribe's ACSF has only the cosine cutoff and one cutoff radius per
descriptor, while this set uses f(R) = tanh³(1 − R/rc) and three radii (4, 8, 12 bohr).
The same code run with ``cutoff_function="cos"`` and ``eta_convention="absolute"``
reproduces DScribe's ACSF (the tests check it), which validates the sums.

The set, for n = 8 intervals and a radius rc (in bohr), m = 0..n:
η_m = (n^(m/n)/rc)², Rs_m = rc/n^(m/n); shifted pairs (Rs_j, 1/(Rs_j − Rs_(j−1))²) for
j = 1..n.  Radial: 9 centred G2 (Rs = 0) and 8 shifted G2, at rc = 4, 8 and 12 bohr
(51 per neighbour species).  Angular G4: 9 η_m × ζ ∈ {1, 2, 4, 8, 16} × λ = ±1 at rc = 4
bohr and 9 η_m × ζ ∈ {1, 2, 4} × λ = ±1 at rc = 8 bohr (144 per species pair).
Counts 51·S + 144·S(S+1)/2 (195, 534, 1017, 1644).

``eta_convention``: ``"amp"`` (default, the authors' values) evaluates AMP's Gaussian
descriptor, exp(−η (R − Rs)²/rc²) and, for G4, exp(−η (R_ij² + R_ik² + R_jk²)/rc²), with
the η_m numbers above; ``"absolute"`` reads η_m as bohr⁻² (Imbalzano's meaning) and
evaluates exp(−η (R − Rs)²).  G4 = 2^(1−ζ) Σ_{j} Σ_{k>j} (1 + λ cosθ_ijk)^ζ · (Gaussian)
· f(R_ij) f(R_ik) f(R_jk), as in AMP and DScribe.  Feature order as DScribe: radial
blocks per neighbour species, then angular blocks per species pair in DScribe's order
((0,0), (0,1), (1,1), (0,2), ...).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from ase import Atoms

from ..versions import package_versions
from .base import Representation
from .neighbours import centre_pairs
from .spec import Param

BOHR = 0.52917721067  # Å
N_INTERVALS = 8
RADIAL_RC_BOHR = (4.0, 8.0, 12.0)
ANGULAR_SETS = ((4.0, (1, 2, 4, 8, 16)), (8.0, (1, 2, 4)))


def imbalzano_grid(rc_bohr: float, n: int = N_INTERVALS):
    """(η_m, Rs_m) for m = 0..n and the shifted (Rs_j, η_j), j = 1..n, in bohr units."""
    m = np.arange(n + 1)
    eta = (n ** (m / n) / rc_bohr) ** 2
    rs = rc_bohr / n ** (m / n)
    shifted_rs = rs[1:]
    shifted_eta = 1.0 / (rs[1:] - rs[:-1]) ** 2
    return eta, rs, shifted_rs, shifted_eta


def cutoff_function(r: np.ndarray, rc: float, kind: str) -> np.ndarray:
    inside = r < rc
    if kind == "tanh3":
        out = np.tanh(1.0 - r / rc) ** 3
    elif kind == "cos":
        out = 0.5 * (np.cos(np.pi * r / rc) + 1.0)
    else:
        raise ValueError(f"unknown cutoff function {kind!r}")
    return np.where(inside, out, 0.0)


class Neighbours(NamedTuple):
    """The neighbour pairs within ``rc`` of a structure's centres (every atom when None),
    sorted by centre, then neighbour: centre i, neighbour j, distance d, vector D."""

    rc: float
    n_atoms: int
    i: np.ndarray
    j: np.ndarray
    d: np.ndarray
    D: np.ndarray


def neighbours(atoms: Atoms, rc: float, centers: np.ndarray | None) -> Neighbours:
    # a few centres of a large cell (the sensitivity paths): each distinct centre atom's
    # neighbours, gathered by atom index; otherwise ASE's list, restricted to the centres
    i, j, D, listed, d = centre_pairs(atoms, rc, centers, unique=True, distances=True)
    if listed is not None:
        i = listed[i]
    elif centers is not None:
        keep = np.isin(i, centers)
        i, j, d, D = i[keep], j[keep], d[keep], D[keep]
    order = np.lexsort((j, i))
    return Neighbours(rc, len(atoms), i[order], j[order], d[order], D[order])


#: the neighbour pairs (j, k) of the angular terms taken at a time (bounds the memory)
PAIR_CHUNK = 200_000


def radial_block(pairs: Neighbours, centers, species_index, n_species, params, gauss, cutoff):
    """G2 values, shape (n_centres, n_species, len(params)); params rows (η, Rs); distances in Å;
    ``pairs``: the :func:`neighbours` of the same ``centers`` within the radius.

    ``gauss(eta, r, rs, rc)`` is the exponent's argument convention.
    """
    import scipy.sparse as sp

    etas, rss = [p[0] for p in params], [p[1] for p in params]
    rc, n_atoms, i, j, d, _ = pairs
    rows = np.arange(n_atoms) if centers is None else np.asarray(centers)
    pos = -np.ones(n_atoms, dtype=int)
    pos[rows] = np.arange(len(rows))
    fc = cutoff_function(d, rc, cutoff)
    vals = np.exp(-gauss(np.asarray(etas)[None, :], d[:, None], np.asarray(rss)[None, :], rc)) * fc[:, None]
    key = pos[i] * n_species + species_index[j]
    acc = sp.csr_matrix((np.ones(len(key)), (key, np.arange(len(key)))), shape=(len(rows) * n_species, len(key)))
    return np.asarray(acc @ vals).reshape(len(rows), n_species, len(etas))


def angular_block(pairs: Neighbours, centers, species_index, n_species, params, gauss_sum, cutoff):
    """G4 values, shape (n_centres, n_pairs, len(params)); params rows (η, ζ, λ); ``pairs``:
    the :func:`neighbours` of the same ``centers`` within the radius, taken
    :data:`PAIR_CHUNK` pairs of them at a time."""
    import scipy.sparse as sp

    rc, n_atoms, i, j, d, D = pairs
    rows = np.arange(n_atoms) if centers is None else np.asarray(centers)
    pos = -np.ones(n_atoms, dtype=int)
    pos[rows] = np.arange(len(rows))
    pair_index = np.full((n_species, n_species), -1)
    # DScribe's order of species pairs: (0,0), (0,1), (1,1), (0,2), (1,2), (2,2), ...
    for p, (b, a) in enumerate((j, i) for j in range(n_species) for i in range(j + 1)):
        pair_index[a, b] = pair_index[b, a] = p
    n_pairs = n_species * (n_species + 1) // 2
    params = np.asarray(params, dtype=float)
    eta, zeta = params[:, 0], params[:, 1]
    etas, eta_of = np.unique(eta, return_inverse=True)
    zl, zl_of = np.unique(params[:, 1:], axis=0, return_inverse=True)
    zl_of = zl_of.reshape(-1)
    zetas, lams = np.ascontiguousarray(zl[:, 0]), np.ascontiguousarray(zl[:, 1])
    out = np.zeros((len(rows) * n_pairs, len(params)))
    if len(i) == 0:
        return out.reshape(len(rows), n_pairs, len(params))
    fc = cutoff_function(d, rc, cutoff)
    # all (j, k) neighbour pairs with j before k in each centre's list
    starts = np.searchsorted(i, np.unique(i))
    counts = np.diff(np.append(starts, len(i)))
    a_list, b_list = [], []
    for n in np.unique(counts):
        if n < 2:
            continue
        cs = starts[counts == n]
        ja, kb = np.triu_indices(n, k=1)
        a_list.append((cs[:, None] + ja[None, :]).ravel())
        b_list.append((cs[:, None] + kb[None, :]).ravel())
    if not a_list:
        return out.reshape(len(rows), n_pairs, len(params))
    A, B = np.concatenate(a_list), np.concatenate(b_list)
    for s in range(0, len(A), PAIR_CHUNK):
        a, b = A[s : s + PAIR_CHUNK], B[s : s + PAIR_CHUNK]
        rij, rik = d[a], d[b]
        vjk = D[b] - D[a]
        rjk = np.sqrt(np.einsum("ij,ij->i", vjk, vjk))
        cos = np.einsum("ij,ij->i", D[a], D[b]) / (rij * rik)
        fprod = fc[a] * fc[b] * cutoff_function(rjk, rc, cutoff)
        live = fprod != 0.0
        if not np.any(live):
            continue
        a, b, rij, rik, rjk, cos, fprod = a[live], b[live], rij[live], rik[live], rjk[live], cos[live], fprod[live]
        r2 = (rij**2 + rik**2 + rjk**2)[:, None]
        # each distinct (ζ, λ) power and each distinct η exponential once, then spread over
        # the parameter list: the same numbers, multiplied in the same order, as per column
        angle = ((1.0 + lams[None, :] * cos[:, None]) ** zetas[None, :])[:, zl_of]
        radial = np.exp(-gauss_sum(etas[None, :], r2, rc))[:, eta_of]
        vals = 2.0 ** (1.0 - zeta)[None, :] * angle * radial * fprod[:, None]
        key = pos[i[a]] * n_pairs + pair_index[species_index[j[a]], species_index[j[b]]]
        acc = sp.csr_matrix((np.ones(len(key)), (key, np.arange(len(key)))), shape=(out.shape[0], len(key)))
        out += acc @ vals
    return out.reshape(len(rows), n_pairs, len(params))


class ACSFX(Representation):
    """The extended ACSF set (Imbalzano's systematic grid on three radii, tanh³ cutoff), own numpy code."""

    name = "ACSF-X"
    # no cutoff parameter: the radii are the set's fixed 4, 8 and 12 bohr
    parameters = (
        Param(
            "eta_convention",
            "string",
            "amp",
            "how η is read: AMP's Gaussian exp(−η (R − Rs)²/rc²) (the authors' values) or "
            "Imbalzano's absolute η in bohr⁻²",
            choices=("amp", "absolute"),
        ),
        Param(
            "cutoff_function",
            "string",
            "tanh3",
            "cutoff function: tanh³(1 − R/rc) (the set's) or Behler's cosine",
            choices=("tanh3", "cos"),
        ),
    )

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        self.params.update(
            n_intervals=N_INTERVALS,
            radial_rc_bohr=list(RADIAL_RC_BOHR),
            angular_sets=[[rc, list(z)] for rc, z in ANGULAR_SETS],
            library="descriptor_study (numpy)",
        )
        self._radial = []  # (rc_Å, etas, rss_Å) per radius
        for rc_b in RADIAL_RC_BOHR:
            eta, _, srs, seta = imbalzano_grid(rc_b)
            etas = np.concatenate([eta, seta])
            rss = np.concatenate([np.zeros_like(eta), srs]) * BOHR
            self._radial.append((rc_b * BOHR, self._eta(etas), rss))
        self._angular = []
        for rc_b, zetas in ANGULAR_SETS:
            eta, *_ = imbalzano_grid(rc_b)
            params = [(e, z, l) for e in self._eta(eta) for z in zetas for l in (-1.0, 1.0)]
            self._angular.append((rc_b * BOHR, params))

    def _eta(self, eta_bohr_units: np.ndarray) -> np.ndarray:
        # "absolute": bohr⁻² → Å⁻²; "amp": the number as handed to AMP
        return eta_bohr_units / BOHR**2 if self.params["eta_convention"] == "absolute" else eta_bohr_units

    def _gauss(self, eta, r, rs, rc):
        arg = eta * (r - rs) ** 2
        return arg / rc**2 if self.params["eta_convention"] == "amp" else arg

    def _gauss_sum(self, eta, r2, rc):
        arg = eta * r2
        return arg / rc**2 if self.params["eta_convention"] == "amp" else arg

    @property
    def n_features(self) -> int:
        s = len(self.species)
        n_rad = sum(len(e) for _, e, _ in self._radial)
        n_ang = sum(len(p) for _, p in self._angular)
        return n_rad * s + n_ang * s * (s + 1) // 2

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        index = {s: k for k, s in enumerate(self.species)}
        species_index = np.array([index[s] for s in atoms.get_chemical_symbols()])
        S = len(self.species)
        cut = self.params["cutoff_function"]
        found: dict[float, Neighbours] = {}  # the radial and angular sets share two radii: one search each

        def pairs(rc: float) -> Neighbours:
            if rc not in found:
                found[rc] = neighbours(atoms, rc, centers)
            return found[rc]

        radial = np.concatenate(
            [
                radial_block(pairs(rc), centers, species_index, S, list(zip(etas, rss)), self._gauss, cut)
                for rc, etas, rss in self._radial
            ],
            axis=2,
        )
        angular = np.concatenate(
            [
                angular_block(pairs(rc), centers, species_index, S, params, self._gauss_sum, cut)
                for rc, params in self._angular
            ],
            axis=2,
        )
        n = radial.shape[0]
        return np.concatenate([radial.reshape(n, -1), angular.reshape(n, -1)], axis=1)

    def reach(self) -> float:
        return max(RADIAL_RC_BOHR) * BOHR

    def library_versions(self) -> dict[str, str]:
        return package_versions("ase", "scipy")
