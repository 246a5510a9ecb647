"""Chebyshev symmetry functions: CHSF (Artrith, Urban and Ceder, Phys. Rev. B 96, 014112
(2017); the authors' CHSF.jl for one species, aenet's Chebyshev descriptor for several) and
CHSF-mix (the paper's extension, section VI.A.5).

Own numpy code, because there is no maintained Python implementation of CHSF (aenet is
Fortran and computes it inside its potential fitting; the authors' CHSF.jl is Julia).  With
``fc(R) = 0.5 (cos(pi R / Rc) + 1)`` for R < Rc (0 beyond), ``s(R) = (2R - Rc) / Rc``,
``x(theta) = (2 cos(theta) - pi) / pi`` (cos(theta), not theta, is fed to the map of
[0, pi], as in CHSF.jl and in aenet up to v2.0.3) and ``T_a`` the Chebyshev polynomials of
the first kind:

- radial   ``c_a = sum_j T_a(s(R_ij)) fc(R_ij)``,                     a = 0..n_max
- angular  ``c_a = sum_{j<k} T_a(x(theta_ijk)) fc(R_ij) fc(R_ik)``,    a = 0..l_max

where the radial terms (fc and s) use the radial cutoff and the angular ones (fc) the
angular cutoff, both equal to ``cutoff`` unless ``radial_cutoff`` / ``angular_cutoff`` are
given (aenet has the two, CHSF.jl one).  No normalisation, no prefactor, no fc(R_jk).

Feature layout of ``CHSF`` per atom: ``[radial (n_max+1), angular (l_max+1)]`` (20 for n_max = l_max = 9,
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
(20 features on Si) is CHSF.jl at n_max = l_max = 9, Rc = 6.5 A.  One configuration gives both:
``multi_species`` holds settings that replace the others when the representation lists more
than one species, e.g. ``{n_max: 16, l_max: 4, radial_cutoff: 8.0, angular_cutoff: 6.5,
species_weights: aenet}`` (with the species order Al, Ni, Cu this gives the paper's
published AlNiCu CHSF CUR curve; the published TiO2 curve is not reproduced by it).
``n_max`` and ``l_max`` were called ``n`` and ``l``; the old names are still accepted.

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
570 features for n = n_max = l = l_max = 9) and ``[CHSF block, mix block, CHSF_w block, mix_w block]``
for several species, the weighted mix built from ``w_tj w_tk`` (1140).  The mixed tensor
has one cutoff (separate radial and angular cutoffs are refused).

Neighbours, periodic images included and ``atoms.pbc`` followed, come from
``ase.neighborlist.neighbor_list`` when every atom of a large cell is a centre.  For small
cells (up to ``neighbours.SMALL_CELL`` atoms) and for requested centres the images around
the centres are enumerated (cost proportional to the number of centres times the atoms
of the cell, no full neighbour list), so that the sensitivity study on a 512-atom cell
evaluates one environment (``neighbours.centre_pairs``).  The neighbour search reaches
the larger of the two cutoffs.  The sums are vectorised over neighbour pairs of a batch
of centres padded to a common neighbour count (padding has fc = 0 and adds nothing).

``backend="julia"`` computes CHSF through the authors' CHSF.jl instead (optional; see
``julia_backend``; one cutoff only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from .base import Representation
from .neighbours import centre_pairs
from .spec import Param, resolve

_BACKENDS = ("numpy", "julia")
#: the authors' Julia package (CHSF.jl) behind ``backend="julia"``; juliapkg.json cannot
#: pin it (no verified UUID), so it is added from its repository on first use
JULIA_PACKAGE = "CHSF"
JULIA_URLS = {JULIA_PACKAGE: "https://github.com/DescriptorZoo/CHSF.jl"}
#: elements of the per-batch (l+1) x centres x m x m angular array (memory bound)
_BATCH_ELEMENTS = 4_000_000


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


# --- parameters -----------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return (
        not isinstance(value, (bool, np.bool_))
        and isinstance(value, (int, float, np.number))
        and bool(np.isfinite(value))
    )


def _is_weights(value: Any) -> bool:
    if isinstance(value, str):
        return value in _WEIGHT_RULES
    return isinstance(value, Mapping) and all(isinstance(k, str) and _is_number(w) for k, w in value.items())


def _is_symbol_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(s, str) for s in value) and len(set(value)) == len(value)


_WEIGHT_RULES = ("atomic_number", "aenet")

#: the parameters ``multi_species`` may replace, in the order of ``CHSF.parameters``
_SHARED = (
    Param(
        "cutoff",
        "number",
        6.5,
        "cutoff radius Rc of the radial and angular terms (CHSF.jl's Rc)",
        unit="Å",
        minimum=0,
        exclusive=True,
    ),
    Param(
        "radial_cutoff",
        "number",
        None,
        "cutoff of the radial terms (aenet's radial_Rc); null: cutoff",
        unit="Å",
        minimum=0,
        exclusive=True,
        nullable=True,
    ),
    Param(
        "angular_cutoff",
        "number",
        None,
        "cutoff of the angular terms (aenet's angular_Rc); null: cutoff",
        unit="Å",
        minimum=0,
        exclusive=True,
        nullable=True,
    ),
    Param(
        "n_max",
        "integer",
        9,
        "radial order: n_max + 1 Chebyshev polynomials (aenet's radial_N)",
        minimum=0,
        maximum=30,
        aliases=("n",),
    ),
    Param(
        "l_max",
        "integer",
        9,
        "angular order: l_max + 1 Chebyshev polynomials (aenet's angular_N)",
        minimum=0,
        maximum=30,
        aliases=("l",),
    ),
    Param(
        "species_weights",
        "any",
        "atomic_number",
        "weights of the species-weighted copy (several species): atomic_number, aenet (aenet's "
        "type spins) or a mapping element -> weight",
        schema={
            "oneOf": [{"enum": list(_WEIGHT_RULES)}, {"type": "object", "additionalProperties": {"type": "number"}}],
            "description": "atomic_number, aenet or a mapping element -> number",
        },
        check=_is_weights,
    ),
    Param(
        "species_order",
        "list",
        None,
        "order of the species for aenet's type spins (may list more elements than the "
        "representation; only with species_weights aenet); null: atomic-number order",
        nullable=True,
        schema={
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "description": "a list of distinct element symbols",
        },
        check=_is_symbol_list,
    ),
)
_SHARED_NAMES = tuple(p.name for p in _SHARED)


def _block_schema() -> dict[str, Any]:
    props = {p.name: p.json_schema() for p in _SHARED}
    props.update({a: {**p.json_schema(), "deprecated": True} for p in _SHARED for a in p.aliases})
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": props,
        "description": "a mapping of " + ", ".join(_SHARED_NAMES),
    }


_MULTI_SPECIES = Param(
    "multi_species",
    "mapping",
    None,
    "settings replacing the ones above when the representation lists more than one species "
    "(the paper: CHSF.jl for Si, aenet's Chebyshev descriptor otherwise)",
    nullable=True,
    schema=_block_schema(),
    check=lambda value: isinstance(value, Mapping),
)
_BACKEND = Param(
    "backend", "string", "numpy", "numpy (this package) or julia (the authors' CHSF.jl; one cutoff)", choices=_BACKENDS
)


# --- representations ------------------------------------------------------------------
class CHSF(Representation):
    """Chebyshev symmetry functions (radial and angular histograms), per atom.

    Parameters (names of the CHSF papers / aenet's setup keywords in brackets):
    ``cutoff`` (Rc, A), ``radial_cutoff`` (radial_Rc; default ``cutoff``),
    ``angular_cutoff`` (angular_Rc; default ``cutoff``), ``n_max`` (radial_N, the radial
    order: n_max + 1 functions; old name ``n``), ``l_max`` (angular_N: l_max + 1 functions;
    old name ``l``), ``species_weights`` (``"atomic_number"`` (default), ``"aenet"`` or a
    mapping element -> weight), ``species_order`` (order of the species for the ``"aenet"``
    weights; may list more elements than the representation has, the others are ignored),
    ``multi_species`` (a mapping of any of the above that replaces them when the
    representation lists more than one species) and ``backend``.
    """

    name = "CHSF"
    parameters = _SHARED + (_MULTI_SPECIES, _BACKEND)

    _mix = False

    def __init__(self, species: Sequence[str], **params: Any) -> None:
        super().__init__(species, **params)
        where = f"representations.{self.name}"
        p = self.params
        multi_species = self._multi_species(p, where)
        self.multi = len(self.species) > 1
        eff = {**p, **multi_species} if self.multi else dict(p)
        at = self._where_of(where, multi_species if self.multi else {})
        self.cutoff = float(eff["cutoff"])
        self.radial_cutoff = self.cutoff if eff["radial_cutoff"] is None else float(eff["radial_cutoff"])
        self.angular_cutoff = self.cutoff if eff["angular_cutoff"] is None else float(eff["angular_cutoff"])
        self.n_max = int(eff["n_max"])
        self.l_max = int(eff["l_max"])
        self.backend = p["backend"]
        self.species_order = self._resolve_order(eff["species_order"], eff["species_weights"], at)
        self.weights = self._resolve_weights(eff["species_weights"], at)
        p.update(
            cutoff=self.cutoff,
            radial_cutoff=self.radial_cutoff,
            angular_cutoff=self.angular_cutoff,
            n_max=self.n_max,
            l_max=self.l_max,
            species_weights=dict(self.weights),
            species_order=None if self.species_order is None else list(self.species_order),
            multi_species=None if p["multi_species"] is None else multi_species,
        )

    # --- checks -----------------------------------------------------------------------
    @classmethod
    def _multi_species(cls, params: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The ``multi_species`` settings checked by the same Params, under their new names."""
        given = params.get("multi_species")
        if given is None:
            return {}
        shared = [p for p in cls.parameters if p.name in _SHARED_NAMES]
        resolved = resolve(shared, given, f"{where}.multi_species")
        alias_of = {a: p.name for p in shared for a in p.aliases}
        return {alias_of.get(key, key): resolved[alias_of.get(key, key)] for key in given}

    @staticmethod
    def _where_of(where: str, multi_species: Mapping[str, Any]):
        """``where`` of a key: inside ``multi_species`` when that block sets it."""
        return lambda key: f"{where}.multi_species" if key in multi_species else where

    @classmethod
    def check_params(cls, params: dict[str, Any], where: str) -> None:
        """Checks across parameters, for the settings and for those with ``multi_species``
        applied (which of the two is used depends on the species, unknown here)."""
        multi_species = cls._multi_species(params, where)
        cls._check_set(params, cls._where_of(where, {}))
        if multi_species:
            cls._check_set({**params, **multi_species}, cls._where_of(where, multi_species))

    @classmethod
    def _check_set(cls, p: Mapping[str, Any], at) -> None:
        radial = p["cutoff"] if p["radial_cutoff"] is None else p["radial_cutoff"]
        angular = p["cutoff"] if p["angular_cutoff"] is None else p["angular_cutoff"]
        if radial != angular:
            if cls._mix:
                key, value, other = (
                    ("radial_cutoff", radial, f"angular_cutoff ({angular})")
                    if p["radial_cutoff"] is not None
                    else ("angular_cutoff", angular, f"radial_cutoff ({radial})")
                )
                raise cls.param_error(
                    at(key), key, value, f"equal to {other}: the mixed radial-angular tensor has one cutoff"
                )
            if p["backend"] == "julia":
                raise cls.param_error(
                    at("backend"),
                    "backend",
                    "julia",
                    "numpy when radial_cutoff and angular_cutoff differ (CHSF.jl has one cutoff)",
                )
        if p["species_order"] is not None and p["species_weights"] != "aenet":
            raise cls.param_error(
                at("species_order"),
                "species_order",
                p["species_order"],
                f"null unless species_weights is aenet (got species_weights {p['species_weights']!r})",
            )

    def _resolve_order(self, order: Sequence[str] | None, spec: Any, at) -> list[str] | None:
        """Species in the order used for aenet's type spins (None for other weights)."""
        if spec != "aenet":
            return None
        if order is None:
            return list(self.species)
        missing = [s for s in self.species if s not in order]
        if missing:
            raise self.param_error(
                at("species_order"),
                "species_order",
                list(order),
                f"a list naming every species of the representation ({missing} missing)",
            )
        return [s for s in order if s in self.species]

    def _resolve_weights(self, spec: Any, at) -> dict[str, float]:
        if spec == "atomic_number":
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
        missing = [s for s in self.species if s not in spec]
        if missing:
            raise self.param_error(
                at("species_weights"),
                "species_weights",
                dict(spec),
                f"a weight for every species of the representation (none for {missing})",
            )
        return {s: float(spec[s]) for s in self.species}

    # --- sizes ------------------------------------------------------------------------
    def _block_size(self) -> int:
        size = (self.n_max + 1) + (self.l_max + 1)
        if self._mix:
            size += (self.n_max + 1) * (self.n_max + 2) // 2 * (self.l_max + 1)
        return size

    @property
    def n_features(self) -> int:
        return self._block_size() * (2 if self.multi else 1)

    def reach(self) -> float:
        return max(self.radial_cutoff, self.angular_cutoff)

    def library_versions(self) -> dict[str, str]:
        import ase

        versions = {"numpy": np.__version__, "ase": ase.__version__}
        if self.backend == "julia":
            from .julia_backend import julia_package_version, load_julia

            jl = load_julia(["JuLIP", JULIA_PACKAGE], JULIA_URLS)
            versions["CHSF.jl"] = julia_package_version(jl, JULIA_PACKAGE)
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
            ci, jj, vec, *_ = centre_pairs(atoms, reach, small_cells=True)
        else:
            centres = np.asarray(centers, dtype=int)
            if len(centres) and (centres.min() < -len(atoms) or centres.max() >= len(atoms)):
                raise IndexError(f"{self.name}: centre index out of range for {len(atoms)} atoms")
            centres = centres % max(len(atoms), 1)
            ci, jj, vec, *_ = centre_pairs(atoms, reach, centres, per_centre="always")
        numbers = atoms.get_chemical_symbols()
        w_atom = np.array([self.weights[s] for s in numbers]) if len(atoms) else np.zeros(0)
        return self._features(len(centres), ci, vec, w_atom[jj])

    def _features(self, n_centres: int, ci: np.ndarray, vec: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Rows for ``n_centres`` centres from pairs (centre position ``ci``, vector, weight)."""
        out = np.zeros((n_centres, self.n_features))
        if len(ci) == 0:
            return out
        dist = np.sqrt(np.einsum("ix,ix->i", vec, vec))
        separate = self.radial_cutoff != self.angular_cutoff
        counts = np.bincount(ci, minlength=n_centres)
        # neighbours within the angular cutoff (all of them with one cutoff)
        counts_a = np.bincount(ci[dist <= self.angular_cutoff], minlength=n_centres) if separate else counts
        # centres sorted by angular neighbour count; batches of consecutive centres padded
        # to the batch's largest count; pairs sorted the same way so a batch is one slice,
        # and, with separate cutoffs, by distance within a centre so that the neighbours
        # within the angular cutoff take the first slots
        by_count = np.argsort(counts_a, kind="stable")
        rank = np.empty(n_centres, dtype=int)
        rank[by_count] = np.arange(n_centres)
        order = np.lexsort((dist, rank[ci])) if separate else np.argsort(rank[ci], kind="stable")
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
            cost = max((self.l_max + 1) * m_a * m_a, (self.n_max + 1) * m, 1)
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

    def _batch(self, R: np.ndarray, U: np.ndarray, W: np.ndarray, mask: np.ndarray, m_a: int) -> np.ndarray:
        """Features of a padded batch: distances R, unit vectors U, weights W (p, m).

        The neighbours within the angular cutoff are in the first ``m_a`` slots.
        """
        p, m = R.shape
        rc_r, rc_a = self.radial_cutoff, self.angular_cutoff
        fc = np.where(mask & (rc_r >= R), 0.5 * (np.cos(np.pi * R / rc_r) + 1.0), 0.0)
        Tr = _chebyshev((2.0 * R - rc_r) / rc_r, self.n_max)  # (n+1, p, m)
        A = np.moveaxis(Tr * fc[None], 0, -1)  # (p, m, n+1): T_a(s) fc
        if rc_a == rc_r:
            fa, Ua, Wa, ma = fc, U, W, m
        else:
            Ra = R[:, :m_a]
            fa = np.where(mask[:, :m_a] & (Ra <= rc_a), 0.5 * (np.cos(np.pi * Ra / rc_a) + 1.0), 0.0)
            Ua, Wa, ma = U[:, :m_a], W[:, :m_a], m_a
        cos = Ua @ np.swapaxes(Ua, 1, 2)  # (p, ma, ma)
        Ta = _chebyshev((2.0 * cos - np.pi) / np.pi, self.l_max)  # (l+1, p, ma, ma)
        idx = np.arange(ma)
        Ta[:, :, idx, idx] = 0.0  # j != k
        F = (fa[:, :, None] * fa[:, None, :]).reshape(p, ma * ma)
        Ta_flat = Ta.reshape(self.l_max + 1, p, ma * ma)

        def block(A_: np.ndarray, F_: np.ndarray) -> list[np.ndarray]:
            radial = A_.sum(axis=1)
            # j < k is half the ordered-pair sum (the summand is symmetric in j, k)
            angular = 0.5 * np.einsum("cpq,pq->pc", Ta_flat, F_)
            parts = [radial, angular]
            if self._mix:  # one cutoff: ma == m
                iu, ju = np.triu_indices(self.n_max + 1)
                mix = np.empty((p, len(iu), self.l_max + 1))
                At = np.swapaxes(A_, 1, 2)  # (p, n+1, m)
                for c in range(self.l_max + 1):
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

        jl = load_julia(["JuLIP", JULIA_PACKAGE], JULIA_URLS)
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
            self.n_max,
            self.l_max,
        )
        arr = np.array(res, dtype=float)
        n_atoms, nf = len(atoms), self.n_features
        if arr.shape == (nf, n_atoms) and arr.shape != (n_atoms, nf):
            arr = arr.T  # one column per atom (Julia's layout)
        if arr.shape != (n_atoms, nf):
            from .julia_backend import BackendError

            raise BackendError(
                f"CHSF.jl returned shape {arr.shape}; expected {(n_atoms, nf)} "
                f"(n_max={self.n_max}, l_max={self.l_max}, {len(self.species)} species)"
            )
        return arr


class CHSFMix(CHSF):
    """CHSF extended by the fully mixed radial-radial-angular tensor (symmetrised).

    Same parameters as CHSF, but numpy is its only backend (CHSF.jl has no mixed form)
    and its radial and angular cutoffs must be equal.
    """

    name = "CHSF-mix"
    parameters = tuple(
        replace(p, choices=("numpy",), doc="numpy (this package; CHSF.jl has no mixed form)")
        if p.name == "backend"
        else p
        for p in CHSF.parameters
    )

    _mix = True
