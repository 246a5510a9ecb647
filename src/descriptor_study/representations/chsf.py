"""Chebyshev symmetry functions: CHSF (Artrith, Urban and Ceder, Phys. Rev. B 96, 014112
(2017); the authors' CHSF.jl for one species, aenet's Chebyshev descriptor for several) and
CHSF-mix (the paper's extension, section VI.A.5).

Own numpy code, because there is no maintained Python implementation of CHSF (aenet is
Fortran and computes it inside its potential fitting; the authors' CHSF.jl is Julia).  With
``fc(R) = 0.5 (cos(pi R / Rc) + 1)`` for R < Rc (0 beyond), ``s(R) = (2R - Rc) / Rc``,
``x(theta) = (2 cos(theta) - pi) / pi`` (cos(theta), not theta, is fed to the map of
[0, pi], as in CHSF.jl and in aenet up to v2.0.3) and ``T_a`` the Chebyshev polynomials of
the first kind:

- radial   ``c_a = sum_j T_a(s(R_ij)) fc(R_ij)``,                     a = 0..n
- angular  ``c_a = sum_{j<k} T_a(x(theta_ijk)) fc(R_ij) fc(R_ik)``,    a = 0..l

where the radial terms (fc and s) use the radial cutoff and the angular ones (fc) the
angular cutoff, both equal to ``cutoff`` unless ``radial_cutoff`` / ``angular_cutoff`` are
given (aenet has the two, CHSF.jl one).  No normalisation, no prefactor, no fc(R_jk).

Feature layout of ``CHSF`` per atom: ``[radial (n+1), angular (l+1)]`` (20 for n = l = 9,
CHSF.jl's species-blind descriptor).  With more than one species in the representation's
species list a second, species-weighted copy is appended, ``[radial_w, angular_w]``, the
radial sum weighted by ``w_tj`` and the angular sum by ``w_tj w_tk``: aenet's layout
(``sfb_eval`` in ``src/ext/sfbasis.f90``, aenet v2.0.3), where the copy exists exactly
when the setup lists more than one species.  With one species the weighted copy would
only rescale the first block, so it is left out (as aenet does).  One corner where aenet
v2.0.3 is not followed: with an angular cutoff larger than the radial one, its weighted
angular sum takes for a neighbour j beyond the radial cutoff the weight of the last
neighbour inside it (``s_j`` is only updated in the radial branch); here w_tj is always
j's own weight.  With aenet's settings (8.0 radial, 6.5 angular) both agree.

The weights ``w_t`` default to the atomic number.  ``species_weights="aenet"`` gives
aenet's default "type spins" (``new_SFBasis``): for S species in the setup's order the
spin starts at -S/2 (Fortran integer division) and counts up by one, skipping 0 when S is
even (-1, 0, 1 for three species; -1, 1 for two; -2, -1, 1, 2 for four).  The order
is ``species_order`` (aenet's order of the environment types in the setup file) restricted
to the representation's species, atomic-number order by default; a mapping sets the
weights per element.

The multi-species CHSF of the paper (44 features on CHON, AlNiCu and TiO2) is aenet's
descriptor with the settings of aenet's own Chebyshev example
(``examples/example-chebyshev/01-generate/*.fingerprint.stp``): radial Rc = 8.0 A, order
16; angular Rc = 6.5 A, order 4; type spins; 2 x (17 + 5) = 44.  Its single-species CHSF
(20 features on Si) is CHSF.jl at n = l = 9, Rc = 6.5 A.  One configuration gives both:
``multi_species`` holds settings that replace the others when the representation lists more
than one species, e.g. ``{n: 16, l: 4, radial_cutoff: 8.0, angular_cutoff: 6.5,
species_weights: aenet}`` (with the species order Al, Ni, Cu this gives the paper's
published AlNiCu CHSF CUR curve; the published TiO2 curve is not reproduced by it).

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
for several species, the weighted mix built from ``w_tj w_tk`` (1140).  The mixed tensor
has one cutoff (separate radial and angular cutoffs are refused).

Neighbours, periodic images included and ``atoms.pbc`` followed, come from
``ase.neighborlist.neighbor_list`` when every atom of a large cell is a centre.  For small
cells (up to ``_SMALL_CELL`` atoms) and for a few requested centres the images around the
centres are enumerated here (cost proportional to the number of centres times the atoms
of the cell, no full neighbour list), so that the sensitivity study on a 512-atom cell
evaluates one environment.  The neighbour search reaches the larger of the two cutoffs.
The sums are vectorised over neighbour pairs of a batch of centres padded to a common
neighbour count (padding has fc = 0 and adds nothing).

``backend="julia"`` computes CHSF through the authors' CHSF.jl instead (optional; see
``julia_backend``; one cutoff only).
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
#: up to this many atoms, neighbours of every atom come from the per-centre image
#: enumeration (tens of times faster than ASE's binned list on small periodic cells)
_SMALL_CELL = 100


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
    """Chebyshev symmetry functions (radial and angular histograms), per atom.

    Parameters (names of the CHSF papers / aenet's setup keywords in brackets):
    ``cutoff`` (Rc, A), ``radial_cutoff`` (radial_Rc; default ``cutoff``),
    ``angular_cutoff`` (angular_Rc; default ``cutoff``), ``n`` (radial_N, the radial order:
    n + 1 functions), ``l`` (angular_N: l + 1 functions), ``species_weights``
    (``"atomic_number"`` (default), ``"aenet"`` or a mapping element -> weight),
    ``species_order`` (order of the species for the ``"aenet"`` weights; may list more
    elements than the representation has, the others are ignored), ``multi_species``
    (a mapping of any of the above that replaces them when the representation lists more
    than one species) and ``backend``.
    """

    name = "CHSF"
    _mix = False
    #: parameters that ``multi_species`` may replace
    _OVERRIDABLE = (
        "cutoff", "radial_cutoff", "angular_cutoff", "n", "l", "species_weights", "species_order"
    )

    def __init__(
        self,
        species: Sequence[str],
        cutoff: float = 6.5,
        n: int = 9,
        l: int = 9,  # noqa: E741  (the papers' name)
        species_weights: Mapping[str, float] | str | None = None,
        backend: str = "numpy",
        radial_cutoff: float | None = None,
        angular_cutoff: float | None = None,
        species_order: Sequence[str] | None = None,
        multi_species: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(species)
        given = {
            "cutoff": cutoff, "radial_cutoff": radial_cutoff, "angular_cutoff": angular_cutoff,
            "n": n, "l": l, "species_weights": species_weights, "species_order": species_order,
        }
        if multi_species is not None:
            if not isinstance(multi_species, Mapping):
                raise ConfigError(
                    f"representations.{self.name}.multi_species: expected a mapping of "
                    f"{list(self._OVERRIDABLE)}, got {multi_species!r}"
                )
            unknown = sorted(set(multi_species) - set(self._OVERRIDABLE))
            if unknown:
                raise ConfigError(
                    f"representations.{self.name}.multi_species: unknown key(s) {unknown}; "
                    f"allowed: {list(self._OVERRIDABLE)}"
                )
            if len(self.species) > 1:
                given.update(multi_species)
        cutoff = given["cutoff"]
        radial_cutoff = cutoff if given["radial_cutoff"] is None else given["radial_cutoff"]
        angular_cutoff = cutoff if given["angular_cutoff"] is None else given["angular_cutoff"]
        for key, val in (
            ("cutoff", cutoff), ("radial_cutoff", radial_cutoff), ("angular_cutoff", angular_cutoff)
        ):
            if isinstance(val, bool) or not isinstance(val, (int, float, np.number)) or not val > 0:
                raise ConfigError(f"representations.{self.name}.{key}: must be > 0, got {val!r}")
        n, l = given["n"], given["l"]  # noqa: E741
        for key, val in (("n", n), ("l", l)):
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 0:
                raise ConfigError(
                    f"representations.{self.name}.{key}: must be an integer >= 0, got {val!r}"
                )
        if backend not in _BACKENDS:
            raise ConfigError(
                f"representations.{self.name}.backend: must be one of {_BACKENDS}, got {backend!r}"
            )
        if radial_cutoff != angular_cutoff:
            if self._mix:
                raise ConfigError(
                    f"representations.{self.name}: the mixed radial-angular tensor has one "
                    f"cutoff; radial_cutoff ({radial_cutoff}) and angular_cutoff "
                    f"({angular_cutoff}) must be equal"
                )
            if backend == "julia":
                raise ConfigError(
                    f"representations.{self.name}.backend: CHSF.jl has one cutoff; separate "
                    f"radial_cutoff and angular_cutoff need backend 'numpy'"
                )
        self.cutoff = float(cutoff)
        self.radial_cutoff = float(radial_cutoff)
        self.angular_cutoff = float(angular_cutoff)
        self.n = int(n)
        self.l = int(l)
        self.backend = backend
        self.species_order = self._resolve_order(given["species_order"], given["species_weights"])
        self.weights = self._resolve_weights(given["species_weights"])
        self.multi = len(self.species) > 1
        self.params = {
            "cutoff": self.cutoff,
            "radial_cutoff": self.radial_cutoff,
            "angular_cutoff": self.angular_cutoff,
            "n": self.n,
            "l": self.l,
            "species_weights": dict(self.weights),
            "species_order": None if self.species_order is None else list(self.species_order),
            "multi_species": None if multi_species is None else dict(multi_species),
            "backend": self.backend,
        }

    def _resolve_order(
        self, order: Sequence[str] | None, spec: Mapping[str, float] | str | None
    ) -> list[str] | None:
        """Species in the order used for aenet's type spins (None for other weights)."""
        if spec != "aenet":
            if order is not None:
                raise ConfigError(
                    f"representations.{self.name}.species_order: only used with "
                    f"species_weights 'aenet' (got species_weights {spec!r})"
                )
            return None
        if order is None:
            return list(self.species)
        if isinstance(order, str) or not all(isinstance(s, str) for s in order):
            raise ConfigError(
                f"representations.{self.name}.species_order: expected a list of element "
                f"symbols, got {order!r}"
            )
        if len(set(order)) != len(order):
            raise ConfigError(
                f"representations.{self.name}.species_order: repeated element in {list(order)}"
            )
        missing = [s for s in self.species if s not in order]
        if missing:
            raise ConfigError(
                f"representations.{self.name}.species_order: {missing} not listed in "
                f"{list(order)}"
            )
        return [s for s in order if s in self.species]

    def _resolve_weights(self, spec: Mapping[str, float] | str | None) -> dict[str, float]:
        if spec is None or spec == "atomic_number":
            return {s: float(atomic_numbers[s]) for s in self.species}
        if spec == "aenet":
            # aenet's new_SFBasis: s = -S/2 (integer division), counting up, 0 skipped
            # for an even count, assigned in the setup's order of the species
            order = self.species_order if self.species_order is not None else self.species
            count = len(order)
            out, s = {}, -(count // 2)
            for sym in order:
                if s == 0 and count % 2 == 0:
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
        reach = max(self.radial_cutoff, self.angular_cutoff)
        if centers is None:
            centres = np.arange(len(atoms))
            if len(atoms) <= _SMALL_CELL:
                ci, jj, vec = _pairs_for_centres(atoms, centres, reach)
            else:
                ci, jj, vec = _pairs_all(atoms, reach)
        else:
            centres = np.asarray(centers, dtype=int)
            if len(centres) and (centres.min() < -len(atoms) or centres.max() >= len(atoms)):
                raise IndexError(f"{self.name}: centre index out of range for {len(atoms)} atoms")
            centres = centres % max(len(atoms), 1)
            ci, jj, vec = _pairs_for_centres(atoms, centres, reach)
        numbers = atoms.get_chemical_symbols()
        w_atom = np.array([self.weights[s] for s in numbers]) if len(atoms) else np.zeros(0)
        return self._features(len(centres), ci, vec, w_atom[jj])

    def _features(
        self, n_centres: int, ci: np.ndarray, vec: np.ndarray, w: np.ndarray
    ) -> np.ndarray:
        """Rows for ``n_centres`` centres from pairs (centre position ``ci``, vector, weight)."""
        out = np.zeros((n_centres, self.n_features))
        if len(ci) == 0:
            return out
        dist = np.sqrt(np.einsum("ix,ix->i", vec, vec))
        separate = self.radial_cutoff != self.angular_cutoff
        counts = np.bincount(ci, minlength=n_centres)
        # neighbours within the angular cutoff (all of them with one cutoff)
        counts_a = (
            np.bincount(ci[dist <= self.angular_cutoff], minlength=n_centres)
            if separate else counts
        )
        # centres sorted by angular neighbour count; batches of consecutive centres padded
        # to the batch's largest count; pairs sorted the same way so a batch is one slice,
        # and, with separate cutoffs, by distance within a centre so that the neighbours
        # within the angular cutoff take the first slots
        by_count = np.argsort(counts_a, kind="stable")
        rank = np.empty(n_centres, dtype=int)
        rank[by_count] = np.arange(n_centres)
        order = (
            np.lexsort((dist, rank[ci])) if separate else np.argsort(rank[ci], kind="stable")
        )
        r_pair = rank[ci[order]]
        vec = vec[order]
        w = w[order]
        dist = dist[order]
        unit = vec / dist[:, None]
        sorted_counts = counts[by_count]
        sorted_counts_a = counts_a[by_count]
        first = np.concatenate([[0], np.cumsum(sorted_counts)])
        slot = np.arange(len(r_pair)) - first[r_pair]

        def batch_end(begin: int, m: int, m_a: int) -> int:
            cost = max((self.l + 1) * m_a * m_a, (self.n + 1) * m, 1)
            return min(n_centres, begin + max(1, _BATCH_ELEMENTS // cost))

        begin = 0
        while begin < n_centres:
            end = batch_end(begin, int(sorted_counts[begin]), int(sorted_counts_a[begin]))
            m = max(int(sorted_counts[begin:end].max()), 1)
            m_a = max(int(sorted_counts_a[end - 1]), 1)
            end = min(end, batch_end(begin, m, m_a))
            m = max(int(sorted_counts[begin:end].max()), 1)
            m_a = min(m, max(int(sorted_counts_a[end - 1]), 1))
            lo, hi = first[begin], first[end]
            rows = r_pair[lo:hi] - begin
            p = end - begin
            R = np.full((p, m), max(self.radial_cutoff, self.angular_cutoff))
            U = np.zeros((p, m, 3))
            W = np.zeros((p, m))
            mask = np.zeros((p, m), dtype=bool)
            R[rows, slot[lo:hi]] = dist[lo:hi]
            U[rows, slot[lo:hi]] = unit[lo:hi]
            W[rows, slot[lo:hi]] = w[lo:hi]
            mask[rows, slot[lo:hi]] = True
            out[by_count[begin:end]] = self._batch(R, U, W, mask, m_a)
            begin = end
        return out

    def _batch(
        self, R: np.ndarray, U: np.ndarray, W: np.ndarray, mask: np.ndarray, m_a: int
    ) -> np.ndarray:
        """Features of a padded batch: distances R, unit vectors U, weights W (p, m).

        The neighbours within the angular cutoff are in the first ``m_a`` slots.
        """
        p, m = R.shape
        rc_r, rc_a = self.radial_cutoff, self.angular_cutoff
        fc = np.where(mask & (R <= rc_r), 0.5 * (np.cos(np.pi * R / rc_r) + 1.0), 0.0)
        Tr = _chebyshev((2.0 * R - rc_r) / rc_r, self.n)  # (n+1, p, m)
        A = np.moveaxis(Tr * fc[None], 0, -1)  # (p, m, n+1): T_a(s) fc
        if rc_a == rc_r:
            fa, Ua, Wa, ma = fc, U, W, m
        else:
            Ra = R[:, :m_a]
            fa = np.where(
                mask[:, :m_a] & (Ra <= rc_a), 0.5 * (np.cos(np.pi * Ra / rc_a) + 1.0), 0.0
            )
            Ua, Wa, ma = U[:, :m_a], W[:, :m_a], m_a
        cos = Ua @ np.swapaxes(Ua, 1, 2)  # (p, ma, ma)
        Ta = _chebyshev((2.0 * cos - np.pi) / np.pi, self.l)  # (l+1, p, ma, ma)
        idx = np.arange(ma)
        Ta[:, :, idx, idx] = 0.0  # j != k
        F = (fa[:, :, None] * fa[:, None, :]).reshape(p, ma * ma)
        Ta_flat = Ta.reshape(self.l + 1, p, ma * ma)

        def block(A_: np.ndarray, F_: np.ndarray) -> list[np.ndarray]:
            radial = A_.sum(axis=1)
            # j < k is half the ordered-pair sum (the summand is symmetric in j, k)
            angular = 0.5 * np.einsum("cpq,pq->pc", Ta_flat, F_)
            parts = [radial, angular]
            if self._mix:  # one cutoff: ma == m
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
            Fw = F * (Wa[:, :, None] * Wa[:, None, :]).reshape(p, ma * ma)
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
            self.radial_cutoff,
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
