"""Chebyshev symmetry functions: CHSF (Artrith, Urban and Ceder 2017, as in the authors'
CHSF.jl) and CHSF-mix (the paper's extension, section VI.A.5).

Own numpy code, because there is no maintained Python implementation of CHSF (AENET is
Fortran and computes it inside its potential fitting; the authors' CHSF.jl is Julia).  The
formulas are the ones of the authors' code (see PROTOCOL section 2), with
``fc(R) = 0.5 (cos(pi R / Rc) + 1)``, ``s(R) = (2R - Rc) / Rc``,
``x(theta) = (2 cos(theta) - pi) / pi`` (cos(theta), not theta, is fed to the map of
[0, pi]) and ``T_a`` the Chebyshev polynomials of the first kind:

- radial   ``c_a = sum_j T_a(s(R_ij)) fc(R_ij)``,                     a = 0..n
- angular  ``c_a = sum_{j<k} T_a(x(theta_ijk)) fc(R_ij) fc(R_ik)``,    a = 0..l

Feature layout of ``CHSF`` per atom: ``[radial (n+1), angular (l+1)]`` (20 for
n = l = 9).  With more than one species in the representation's species list a second,
species-weighted copy is appended, ``[radial_w, angular_w]``, the radial sum weighted by
``w_tj`` and the angular sum by ``w_tj w_tk`` (40 features for n = l = 9).  The paper's
Table I gives 44 for the multi-species sets; the authors' code is not available here to
tell where the 4 extra columns come from (44 = 2 x 22 would fit n = l = 10), so we give
40 and Table I reports that count.  The weights ``w_t`` default to the atomic number
(which CHSF.jl is taken to use; not checked against its source);
``species_weights="aenet"`` gives AENET's centred integer "type spins" (-1, 0, 1 for three
species; -1, 1 for two) and a mapping sets them per element.  With one species the
weighted copy would only rescale the first block, so it is left out (the paper's
w_t = 1 for single-species sets).

``CHSFMix`` is CHSF extended by the fully mixed radial-angular tensor ("an extended CHSF
descriptor ... for which the radial and angular histograms are fully mixed", section
VI.A.5: features are *added* to CHSF), so its first columns are exactly CHSF's:

    D[a, b, c] = sum_{j != k} T_a(s(R_ij)) fc(R_ij) T_b(s(R_ik)) fc(R_ik) T_c(x(theta_ijk))

summed over *ordered* pairs j != k.  The paper's form sums over j < k in the neighbour
list's order, which is not invariant under a permutation of the neighbours (swapping j
and k transposes a and b); the ordered-pair sum is the symmetrised form (it equals the
j < k sum plus its a <-> b transpose).  Being symmetric in (a, b), only a <= b is kept,
flattened as ``[(a, b) pairs in row-major upper-triangle order] x [c]`` with c fastest, so
no column is duplicated (values are D itself, off-diagonal pairs not rescaled).  Layout
per atom: ``[CHSF block, mix block]`` for one species ((n+1)(n+2)/2 (l+1) + n + l + 2 =
570 features for n = l = 9) and ``[CHSF block, mix block, CHSF_w block, mix_w block]``
for several species, the weighted mix built from ``w_tj w_tk`` (1140).

Neighbours, periodic images included and ``atoms.pbc`` followed, come from
``ase.neighborlist.neighbor_list`` when every atom is a centre.  For a few requested
centres the images around those centres only are enumerated here (cost proportional to
the number of centres times the atoms of the cell, no full neighbour list), so that the
sensitivity study on a 512-atom cell evaluates one environment.  The sums are vectorised
over neighbour pairs of a batch of centres padded to a common neighbour count (padding
has fc = 0 and adds nothing).

``backend="julia"`` computes CHSF through the authors' CHSF.jl instead (optional; see
``julia_backend``).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers
from ase.neighborlist import neighbor_list

from ..errors import ConfigError
from .base import Representation

_BACKENDS = ("numpy", "julia")
#: elements of the per-batch (l+1) x centres x m x m angular array (memory bound)
_BATCH_ELEMENTS = 4_000_000


# --- neighbours -----------------------------------------------------------------------
def _pairs_all(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre index, neighbour index, vector centre->neighbour) for every atom."""
    i, j, vec = neighbor_list("ijD", atoms, cutoff)
    return i, j, vec


def _pairs_for_centres(
    atoms: Atoms, centres: np.ndarray, cutoff: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbours (images included) of ``centres`` only.

    Returns (position in ``centres``, neighbour index, vector).  Periodic directions are
    searched over the lattice shifts that can reach ``cutoff``; a cell that is singular
    in a periodic direction falls back to ASE's full neighbour list.
    """
    pbc = np.asarray(atoms.pbc, dtype=bool)
    cell = np.asarray(atoms.cell[:], dtype=float)
    pos = atoms.positions
    if pbc.any():
        try:
            inv = np.linalg.inv(cell)
        except np.linalg.LinAlgError:
            return _filter_pairs(_pairs_all(atoms, cutoff), centres)
    ranges = []
    for k in range(3):
        if pbc[k]:
            reach = cutoff * np.linalg.norm(inv[:, k]) + 0.5
            nk = int(np.ceil(reach))
            ranges.append(np.arange(-nk, nk + 1))
        else:
            ranges.append(np.zeros(1, dtype=int))
    shifts = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, 3).astype(float)
    n = len(atoms)
    out_c, out_j, out_v = [], [], []
    chunk = max(1, int(2_000_000 // max(1, n * len(shifts))))
    for start in range(0, len(centres), chunk):
        cs = centres[start : start + chunk]
        d0 = pos[None, :, :] - pos[cs][:, None, :]  # (c, n, 3)
        if pbc.any():
            frac = d0 @ inv
            wrap = -np.round(frac) * pbc  # integer shifts bringing periodic parts near 0
            base = d0 + wrap @ cell
        else:
            base = d0
        vec = base[:, :, None, :] + (shifts @ cell)[None, None, :, :]  # (c, n, s, 3)
        dist2 = np.einsum("cnsx,cnsx->cns", vec, vec)
        keep = (dist2 < cutoff * cutoff) & (dist2 > 0.0)
        ci, jj, _ = np.nonzero(keep)
        out_c.append(ci + start)
        out_j.append(jj)
        out_v.append(vec[keep])
    return np.concatenate(out_c), np.concatenate(out_j), np.concatenate(out_v)


def _filter_pairs(pairs, centres: np.ndarray):
    """Restrict a full neighbour list to ``centres`` (a centre listed twice appears twice)."""
    i, j, vec = pairs
    sel = [np.flatnonzero(i == c) for c in centres]
    ci = np.concatenate([np.full(len(s), k) for k, s in enumerate(sel)] + [np.zeros(0, int)])
    sel = np.concatenate(sel + [np.zeros(0, int)])
    return ci, j[sel], vec[sel]


# --- Chebyshev ------------------------------------------------------------------------
def _chebyshev(x: np.ndarray, order: int) -> np.ndarray:
    """T_0..T_order at ``x``, stacked on a new *first* axis."""
    out = np.empty((order + 1,) + x.shape)
    out[0] = 1.0
    if order >= 1:
        out[1] = x
    for a in range(2, order + 1):
        np.multiply(2.0 * x, out[a - 1], out=out[a])
        out[a] -= out[a - 2]
    return out


# --- representations ------------------------------------------------------------------
class CHSF(Representation):
    """Chebyshev symmetry functions (radial and angular histograms), per atom."""

    name = "CHSF"
    _mix = False

    def __init__(
        self,
        species: Sequence[str],
        cutoff: float = 6.5,
        n: int = 9,
        l: int = 9,  # noqa: E741  (the papers' name)
        species_weights: Mapping[str, float] | str | None = None,
        backend: str = "numpy",
    ) -> None:
        super().__init__(species)
        if not cutoff > 0:
            raise ConfigError(f"representations.{self.name}.cutoff: must be > 0, got {cutoff}")
        for key, val in (("n", n), ("l", l)):
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 0:
                raise ConfigError(
                    f"representations.{self.name}.{key}: must be an integer >= 0, got {val!r}"
                )
        if backend not in _BACKENDS:
            raise ConfigError(
                f"representations.{self.name}.backend: must be one of {_BACKENDS}, got {backend!r}"
            )
        self.cutoff = float(cutoff)
        self.n = int(n)
        self.l = int(l)
        self.backend = backend
        self.weights = self._resolve_weights(species_weights)
        self.multi = len(self.species) > 1
        self.params = {
            "cutoff": self.cutoff,
            "n": self.n,
            "l": self.l,
            "species_weights": dict(self.weights),
            "backend": self.backend,
        }

    def _resolve_weights(self, spec: Mapping[str, float] | str | None) -> dict[str, float]:
        if spec is None or spec == "atomic_number":
            return {s: float(atomic_numbers[s]) for s in self.species}
        if spec == "aenet":
            # AENET's type spins: integers centred on 0, skipping 0 for an even count
            out, s = {}, -(len(self.species) // 2)
            for sym in self.species:
                if s == 0 and len(self.species) % 2 == 0:
                    s += 1
                out[sym] = float(s)
                s += 1
            return out
        if isinstance(spec, Mapping):
            missing = [s for s in self.species if s not in spec]
            if missing:
                raise ConfigError(
                    f"representations.{self.name}.species_weights: no weight for {missing}"
                )
            return {s: float(spec[s]) for s in self.species}
        raise ConfigError(
            f"representations.{self.name}.species_weights: expected a mapping element -> "
            f"weight, 'atomic_number' or 'aenet', got {spec!r}"
        )

    # --- sizes ------------------------------------------------------------------------
    def _block_size(self) -> int:
        size = (self.n + 1) + (self.l + 1)
        if self._mix:
            size += (self.n + 1) * (self.n + 2) // 2 * (self.l + 1)
        return size

    @property
    def n_features(self) -> int:
        return self._block_size() * (2 if self.multi else 1)

    def library_versions(self) -> dict[str, str]:
        import ase

        versions = {"numpy": np.__version__, "ase": ase.__version__}
        if self.backend == "julia":
            from .julia_backend import julia_package_version, load_julia

            jl = load_julia(["JuLIP", "CHSF"])
            versions["CHSF.jl"] = julia_package_version(jl, "CHSF")
            versions["JuLIP.jl"] = julia_package_version(jl, "JuLIP")
        return versions

    # --- evaluation -------------------------------------------------------------------
    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        if self.backend == "julia":
            full = self._compute_julia(atoms)
            return full if centers is None else full[centers]
        if centers is None:
            centres = np.arange(len(atoms))
            ci, jj, vec = _pairs_all(atoms, self.cutoff)
        else:
            centres = np.asarray(centers, dtype=int)
            if len(centres) and (centres.min() < -len(atoms) or centres.max() >= len(atoms)):
                raise IndexError(f"{self.name}: centre index out of range for {len(atoms)} atoms")
            centres = centres % max(len(atoms), 1)
            ci, jj, vec = _pairs_for_centres(atoms, centres, self.cutoff)
        numbers = atoms.get_chemical_symbols()
        w_atom = np.array([self.weights[s] for s in numbers]) if len(atoms) else np.zeros(0)
        return self._features(len(centres), ci, vec, w_atom[jj])

    def _features(
        self, n_centres: int, ci: np.ndarray, vec: np.ndarray, w: np.ndarray
    ) -> np.ndarray:
        """Rows for ``n_centres`` centres from pairs (centre position ``ci``, vector, weight)."""
        out = np.zeros((n_centres, self.n_features))
        counts = np.bincount(ci, minlength=n_centres)
        if len(ci) == 0:
            return out
        # centres sorted by neighbour count; batches of consecutive centres padded to the
        # batch's largest count; pairs sorted the same way so a batch is one slice
        by_count = np.argsort(counts, kind="stable")
        rank = np.empty(n_centres, dtype=int)
        rank[by_count] = np.arange(n_centres)
        order = np.argsort(rank[ci], kind="stable")
        r_pair = rank[ci[order]]
        vec = vec[order]
        w = w[order]
        dist = np.sqrt(np.einsum("ix,ix->i", vec, vec))
        unit = vec / dist[:, None]
        sorted_counts = counts[by_count]
        first = np.concatenate([[0], np.cumsum(sorted_counts)])
        slot = np.arange(len(r_pair)) - first[r_pair]
        begin = 0
        while begin < n_centres:
            m = max(int(sorted_counts[begin]), 1)
            end = min(n_centres, begin + max(1, _BATCH_ELEMENTS // ((self.l + 1) * m * m)))
            m = max(int(sorted_counts[end - 1]), 1)
            end = min(end, begin + max(1, _BATCH_ELEMENTS // ((self.l + 1) * m * m)))
            lo, hi = first[begin], first[end]
            rows = r_pair[lo:hi] - begin
            p = end - begin
            R = np.full((p, m), self.cutoff)
            U = np.zeros((p, m, 3))
            W = np.zeros((p, m))
            mask = np.zeros((p, m), dtype=bool)
            R[rows, slot[lo:hi]] = dist[lo:hi]
            U[rows, slot[lo:hi]] = unit[lo:hi]
            W[rows, slot[lo:hi]] = w[lo:hi]
            mask[rows, slot[lo:hi]] = True
            out[by_count[begin:end]] = self._batch(R, U, W, mask)
            begin = end
        return out

    def _batch(self, R: np.ndarray, U: np.ndarray, W: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Features of a padded batch: distances R, unit vectors U, weights W (p, m)."""
        p, m = R.shape
        rc = self.cutoff
        fc = np.where(mask, 0.5 * (np.cos(np.pi * R / rc) + 1.0), 0.0)
        Tr = _chebyshev((2.0 * R - rc) / rc, self.n)  # (n+1, p, m)
        A = np.moveaxis(Tr * fc[None], 0, -1)  # (p, m, n+1): T_a(s) fc
        cos = U @ np.swapaxes(U, 1, 2)  # (p, m, m)
        Ta = _chebyshev((2.0 * cos - np.pi) / np.pi, self.l)  # (l+1, p, m, m)
        idx = np.arange(m)
        Ta[:, :, idx, idx] = 0.0  # j != k
        F = (fc[:, :, None] * fc[:, None, :]).reshape(p, m * m)
        Ta_flat = Ta.reshape(self.l + 1, p, m * m)

        def block(A_: np.ndarray, F_: np.ndarray) -> list[np.ndarray]:
            radial = A_.sum(axis=1)
            # j < k is half the ordered-pair sum (the summand is symmetric in j, k)
            angular = 0.5 * np.einsum("cpq,pq->pc", Ta_flat, F_)
            parts = [radial, angular]
            if self._mix:
                iu, ju = np.triu_indices(self.n + 1)
                mix = np.empty((p, len(iu), self.l + 1))
                At = np.swapaxes(A_, 1, 2)  # (p, n+1, m)
                for c in range(self.l + 1):
                    D = At @ (Ta[c] @ A_)  # (p, n+1, n+1)
                    mix[:, :, c] = D[:, iu, ju]
                parts.append(mix.reshape(p, -1))
            return parts

        parts = block(A, F)
        if self.multi:
            Fw = F * (W[:, :, None] * W[:, None, :]).reshape(p, m * m)
            parts += block(A * W[:, :, None], Fw)
        return np.concatenate(parts, axis=1)

    # --- Julia backend ----------------------------------------------------------------
    def _compute_julia(self, atoms: Atoms) -> np.ndarray:
        """All rows through CHSF.jl.

        Unverified against CHSF.jl's source (not pinned in this project): the call
        assumes its README's API, ``CHSF.chsf(at::JuLIP.Atoms, Rc; n, l)`` returning
        one descriptor per atom with CHSF.jl's own species weights, and JuLIP's keyword
        constructor of ``Atoms``.  ``tests/test_chsf.py`` compares it with the numpy
        backend wherever Julia is installed.
        """
        from .julia_backend import load_julia

        jl = load_julia(["JuLIP", "CHSF"])
        if not hasattr(self, "_jl_fn"):
            # X (N, 3) and C (3, 3, rows = cell vectors) arrive as PyArrays indexed as in
            # numpy; CHSF.chsf may return a vector of per-atom vectors or a matrix.
            self._jl_fn = jl.seval(
                """
                function (X, Z, C, pbc, Rc, n, l)
                    N = size(X, 1)
                    z = JuLIP.AtomicNumber.(Vector{Int}(Z))
                    at = JuLIP.Atoms(; X = [JuLIP.JVecF(X[i, 1], X[i, 2], X[i, 3]) for i in 1:N],
                                       P = [zero(JuLIP.JVecF) for i in 1:N],
                                       M = [JuLIP.Chemistry.atomic_mass(zi) for zi in z],
                                       Z = z,
                                       cell = JuLIP.JMatF(Matrix{Float64}(C)),
                                       pbc = (Bool(pbc[1]), Bool(pbc[2]), Bool(pbc[3])))
                    d = CHSF.chsf(at, Float64(Rc); n = Int(n), l = Int(l))
                    d isa AbstractMatrix && return Matrix{Float64}(d)
                    return reduce(hcat, [collect(Float64, di) for di in d])
                end
                """
            )
        res = self._jl_fn(
            np.ascontiguousarray(atoms.positions, dtype=float),
            np.asarray(atoms.numbers, dtype=np.int64),
            np.ascontiguousarray(atoms.cell[:], dtype=float),
            np.asarray(atoms.pbc, dtype=bool),
            self.cutoff,
            self.n,
            self.l,
        )
        arr = np.array(res, dtype=float)
        n_atoms, nf = len(atoms), self.n_features
        if arr.shape == (nf, n_atoms) and arr.shape != (n_atoms, nf):
            arr = arr.T  # one column per atom (Julia's layout)
        if arr.shape != (n_atoms, nf):
            from .julia_backend import BackendError

            raise BackendError(
                f"CHSF.jl returned shape {arr.shape}; expected {(n_atoms, nf)} "
                f"(n={self.n}, l={self.l}, {len(self.species)} species)"
            )
        return arr


class CHSFMix(CHSF):
    """CHSF extended by the fully mixed radial-radial-angular tensor (symmetrised)."""

    name = "CHSF-mix"
    _mix = True

    def __init__(self, species: Sequence[str], **params: Any) -> None:
        if params.get("backend", "numpy") == "julia":
            raise ConfigError(
                "representations.CHSF-mix.backend: CHSF.jl has no mixed form; only "
                "'numpy' is available"
            )
        super().__init__(species, **params)
