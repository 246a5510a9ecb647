"""Atomic Cluster Expansion (ACE) site descriptors: the invariant B-basis of each atomic
environment (paper section III.F), evaluated in JAX through ace-jax, or through ACE1.jl
when ``backend="julia"``.

What comes from ace-jax and what is written here, and why:

* the rotation-invariant coupling (the A→B coefficients, the product-basis index sets)
  comes from ace-jax's compiled EquivariantTensors shim (``ace_jax.basis.coupling``),
  and the real spherical harmonics from ``ace_jax.eval.harmonics``;
* the normalised Jacobi recursion coefficients come from
  ``ace_jax.basis.radial_ace1.jacobi_3term``;
* the radial *transform* and the basis *selection* are written here, because ace-jax
  only offers ACEpotentials' Agnesi transforms with a two-sided envelope and its own
  ``TotalDegree`` selection, while the paper used ACE.jl's ``PolyTransform(2, r0)`` with a
  one-sided ``PolyCutoff1s(2, rin, Rc)``:

      t(r) = ((1 + r0) / (1 + r))^2,    x = -1 + 2 (t - t(rin)) / (t(Rc) - t(rin)),
      R_k(r) = (1 - x)^2 Q_k(x)  for r < Rc, 0 beyond,

  with Q_k the Jacobi polynomials orthonormal for the weight (1 - x)^4 on [-1, 1]
  (continuous inner product; ACE1 orthonormalises on a discrete grid, which changes the
  radial functions by a triangular linear map and leaves every total-degree-truncated
  space unchanged).  Below rin the polynomial is continued (``PolyCutoff1s`` cuts only
  at Rc);
* the evaluation itself (neighbour sums, products, sparse A→B contraction) is a small
  jitted JAX function here, batched over centres of many structures with the neighbour
  axis padded to a bucket, so one compilation serves a whole dataset.

Basis selection.  A one-particle function (k, l) (k = radial polynomial degree from 0)
has level (k + radial_start) + wL·l; a body (correlation order ν ≤ correlation_order) is
kept when its levels sum to at most ``degree`` and its l's couple to L = 0 with even
sum (O(3) invariance).  ``radial_start = 1`` is the ACE1/ACEpotentials convention
(n = k + 1 ≥ 1, what ace-jax's ``build_spec`` gives); ``radial_start = 0`` is the ACE.jl
2020 SHIP convention (Jacobi degree from 0).  The paper's feature counts 30, 63, 115, 190
(degrees 6, 9, 12, 15) are reproduced exactly by ``radial_start = 0`` with
``correlation_order = 2`` (SHIPDescriptor's default bodyorder 3); correlation order 4 (the
paper text's 5-body) gives 29, 104, 338, 1016 (radial_start = 1) or 114, 401, 1263, 3615
(radial_start = 0).

Species.  ``species_resolved = False`` is the paper's basis: every atom is one species.
``species_resolved = True`` resolves neighbour species through the radial channel
(R_{z k}(r_ij) = R_k(r_ij) δ(Z_j, z), one-particle level independent of z, as ACE1's
multi-species basis) and the centre species through blocks: the row of an atom of
species s holds its B values in block s and zeros elsewhere (ACEpotentials'
``site_descriptors`` layout).

Bases (``basis``).  ``"ace-jax"`` (the default) is the coupled B-basis described above,
with ace-jax's coupling coefficients.  ``"ships2020"`` is the feature set and the
normalisation of the descriptor the paper's dimensionality and regression studies used:
``SHIPDescriptor(deg = D, rcut = 6.5)`` of SHIPs.jl v0.5.x (ACE.jl before its rename,
``src/descriptors.jl``, re-exported by DescriptorZoo.jl).  Its defaults are bodyorder 3
(correlation order 2), ``PolyTransform(2, r0 = 2.5)``, ``PolyCutoff1s(2, rcut)`` whose inner
bound is 0 (``pairpots/transforms.jl``) and wL = 1.5 (``SparseSHIP``), i.e. here
``basis: ships2020, correlation_order: 2, radial_start: 0, r0: 2.5, rin_factor: 0``.
SHIPs evaluates

    R_k(r) = c (1 - x)^2 Q_k(x),   c = sqrt(2 / |t(Rc) - t(rin)|)   (TransformedJacobi),
    A_{zklm} = Σ_{j of species z} R_k(r_ij) Y_lm(r̂_ij)   (orthonormal Y, Y_00 = 1/√(4π)),
    B_{zk}   = A_{zk00}                                         (one neighbour),
    B_{zk,z'k',l} = g / √(2l+1) · Re Σ_m A_{zklm} conj(A_{z'k'lm})  (two neighbours),

with g = √2 when (z, k) = (z', k') and 1 otherwise (the norm that SHIPs' permutation
Gramian filter, ``alg_filter_rpi_basis``, gives to a symmetric pair), the complex
Clebsch–Gordan vector of (l, l) → 0 being the unit vector (-1)^m/√(2l+1).  The sum over m
is the same with the real harmonics used here.  A body is kept when its levels
Σ (k + radial_start + wL·l) ≤ degree (SHIPs: k + wL·l, so radial_start = 0); the columns
follow SHIPs' order (one-neighbour functions of every species first, then pairs in the
order of SHIPs' index tuples ν₁ ≤ ν₂ into the (k, l) list sorted by level).  There is no
constant column.  Only correlation orders 1 and 2 are offered with this basis: SHIPs'
higher-order couplings (an SVD of the Clebsch–Gordan products, then the Gramian filter)
have no closed form to reproduce here.

``r0``.  With ``PolyTransform`` t = ((1 + r0)/(1 + r))^p and the affine map to x, the
factor (1 + r0)^p cancels from x: r0 does not change the shape of any radial function.
It enters SHIPs' descriptors only through c = sqrt(2/|t(Rc) - t(rin)|), which scales the
one-neighbour features by c and the pair features by c².  ``radial_scale`` switches that
factor on (default: on for ``"ships2020"``, off for ``"ace-jax"``, which keeps today's
numbers of the default basis; there r0 matters only with ``radial_scale: true``).

``r_nn`` (for rin = ``rin_factor``·r_nn): JuLIP's ``rnn(species)`` is the nearest-neighbour
distance of the element's reference crystal; here it is read from ASE's reference
states (``ase.data.reference_states``: crystal → shortest distance in ``ase.build.bulk``,
diatomic molecule → its bond length, otherwise twice the covalent radius), and the
species-shared basis takes the smallest value over ``species`` so that rin lies below
every typical bond.  Pass ``r_nn`` to override.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..versions import package_versions
from .ace_basis import coupling, reference_nn_distance, ships_spec
from .base import Representation
from .neighbours import centre_pairs
from .spec import Param

BACKENDS = ("jax", "julia")
BASES = ("ace-jax", "ships2020")


def _x64():
    import jax

    return jax.enable_x64(True)


# --------------------------------------------------------------------------- class
class ACE(Representation):
    """ACE B-basis per atomic environment (see the module docstring)."""

    name = "ACE"
    parameters = (
        Param("cutoff", "number", 6.5, "cutoff radius Rc", unit="Å", minimum=0, exclusive=True),
        Param(
            "correlation_order",
            "integer",
            4,
            "largest correlation order ν of a B function (body order ν + 1)",
            minimum=1,
            maximum=6,
        ),
        Param(
            "degree",
            "integer",
            6,
            "total degree D: a body is kept when Σ (k + radial_start + wL·l) ≤ D",
            minimum=1,
            maximum=30,
        ),
        Param(
            "wL",
            "number",
            1.5,
            "weight of l in a one-particle level k + radial_start + wL·l",
            minimum=0,
            exclusive=True,
        ),
        Param(
            "r0",
            "number",
            1.0,
            "r0 of the radial transform t(r) = ((1 + r0)/(1 + r))^transform_power "
            "(changes the numbers only through radial_scale)",
            unit="Å",
            minimum=0,
            exclusive=True,
        ),
        Param("transform_power", "integer", 2, "power of the radial transform t(r)", minimum=1),
        Param("pcut", "integer", 2, "power of the one-sided cutoff envelope (1 - x)^pcut", minimum=1),
        Param(
            "r_nn",
            "number",
            None,
            "nearest-neighbour distance for rin = rin_factor·r_nn; null: the "
            "smallest ASE reference-state value over the species",
            unit="Å",
            minimum=0,
            exclusive=True,
            nullable=True,
        ),
        Param(
            "rin_factor",
            "number",
            0.66,
            "inner bound rin of the radial map, as a fraction of r_nn",
            minimum=0,
            maximum=1,
        ),
        Param(
            "radial_start",
            "integer",
            1,
            "radial level offset: 1 (ACE1/ACEpotentials) or 0 (ACE.jl 2020 SHIPs)",
            choices=(0, 1),
        ),
        Param(
            "species_resolved",
            "boolean",
            False,
            "resolve neighbour and centre species (false: the paper's species-blind basis)",
        ),
        Param(
            "basis",
            "string",
            "ace-jax",
            "ace-jax (coupled B-basis, ace-jax's coupling) or ships2020 (SHIPs.jl v0.5 SHIPDescriptor "
            "features and normalisation; correlation_order 1 or 2)",
            choices=BASES,
        ),
        Param(
            "radial_scale",
            "boolean",
            None,
            "multiply the radial functions by sqrt(2/|t(Rc) - t(rin)|) as SHIPs does; null: on for "
            "ships2020, off for ace-jax",
            nullable=True,
        ),
        Param(
            "backend", "string", "jax", "jax (this package) or julia (ACE1.jl; basis ace-jax only)", choices=BACKENDS
        ),
        Param("chunk_size", "integer", 256, "centres per evaluation batch (does not change the numbers)", minimum=1),
    )

    def __init__(self, species: Sequence[str], **params: Any) -> None:
        super().__init__(species, **params)
        p = self.params
        if p["radial_scale"] is None:  # recorded resolved
            p.update(radial_scale=p["basis"] == "ships2020")
        self.cutoff = p["cutoff"]
        self.correlation_order = p["correlation_order"]
        self.degree = p["degree"]
        self.wL = p["wL"]
        self.r0 = p["r0"]
        self.transform_power = p["transform_power"]
        self.pcut = p["pcut"]
        self.r_nn = p["r_nn"] if p["r_nn"] is not None else min(reference_nn_distance(s) for s in self.species)
        self.rin = p["rin_factor"] * self.r_nn
        if p["r_nn"] is None:
            self._check_rin(
                f"representations.{self.name}",
                p["rin_factor"],
                self.r_nn,
                self.cutoff,
                f"r_nn = {self.r_nn:g} Å of {self.species}",
            )
        self.radial_start = p["radial_start"]
        self.species_resolved = p["species_resolved"]
        self.basis = p["basis"]
        self.radial_scale = p["radial_scale"]
        self.backend = p["backend"]
        self.chunk_size = p["chunk_size"]
        self.n_channels = len(self.species) if self.species_resolved else 1
        build_spec = ships_spec if self.basis == "ships2020" else coupling
        self._spec = build_spec(self.correlation_order, self.degree, self.wL, self.radial_start, self.n_channels)
        self._fn = None

    @classmethod
    def check_params(cls, params: dict[str, Any], where: str) -> None:
        if params["basis"] == "ships2020":
            if params["backend"] != "jax":
                raise cls.param_error(
                    where, "backend", params["backend"], "jax with basis ships2020 (ACE1.jl has no SHIPs 2020 basis)"
                )
            if params["correlation_order"] > 2:
                raise cls.param_error(
                    where,
                    "correlation_order",
                    params["correlation_order"],
                    "1 or 2 with basis ships2020 (SHIPDescriptor's default bodyorder 3 is correlation order 2)",
                )
        if params["r_nn"] is not None:
            cls._check_rin(
                where, params["rin_factor"], params["r_nn"], params["cutoff"], f"r_nn = {params['r_nn']:g} Å"
            )

    @classmethod
    def _check_rin(cls, where: str, rin_factor: float, r_nn: float, cutoff: float, source: str) -> None:
        """rin = rin_factor·r_nn must lie in [0, cutoff) (rin_factor ≥ 0 and r_nn > 0 by their Params)."""
        if not rin_factor * r_nn < cutoff:
            raise cls.param_error(
                where,
                "rin_factor",
                rin_factor,
                f"< {cutoff / r_nn:g}: rin = rin_factor·r_nn must lie in [0, cutoff = {cutoff:g} Å) ({source})",
            )

    # ------------------------------------------------------------------ layout
    @property
    def n_basis(self) -> int:
        """B functions per environment (per centre-species block)."""
        return self._spec["n_B"]

    @property
    def n_features(self) -> int:
        return self.n_basis * (len(self.species) if self.species_resolved else 1)

    @property
    def feature_labels(self) -> tuple:
        """Per B function, its body as sorted (z, k, l) channels (repeated per block)."""
        return self._spec["labels"]

    def reach(self) -> float:
        return float(self.params["cutoff"])

    def library_versions(self) -> dict[str, str]:
        return package_versions("ace-jax", "ace-jax-coupling", "jax", missing=None)

    # ------------------------------------------------------------------ radial
    def _transform(self, r):
        return ((1.0 + self.r0) / (1.0 + r)) ** self.transform_power

    @property
    def radial_factor(self) -> float:
        """c = sqrt(2/|t(Rc) - t(rin)|) when ``radial_scale`` (SHIPs' TransformedJacobi), else 1."""
        if not self.radial_scale:
            return 1.0
        return math.sqrt(2.0 / abs(self._transform(self.cutoff) - self._transform(self.rin)))

    def radial_coordinate(self, r: np.ndarray) -> np.ndarray:
        """x(r) ∈ [-1, 1] on [rin, Rc] (numpy)."""
        t, tin, tcut = self._transform(np.asarray(r, float)), self._transform(self.rin), self._transform(self.cutoff)
        return -1.0 + 2.0 * (t - tin) / (tcut - tin)

    def _radial_jax(self, r):
        import jax.numpy as jnp
        from ace_jax.basis.radial_ace1 import jacobi_3term

        A, B, C = (jnp.asarray(v) for v in jacobi_3term(self._spec["n_k"], 2.0 * self.pcut, 0.0))
        tin, tcut = self._transform(self.rin), self._transform(self.cutoff)
        inside = r < self.cutoff
        rr = jnp.where(inside, r, 0.5 * self.cutoff)
        x = -1.0 + 2.0 * (self._transform(rr) - tin) / (tcut - tin)
        P = [jnp.broadcast_to(A[0], x.shape)]
        if len(A) > 1:
            P.append(A[1] * x + B[1])
        for k in range(2, len(A)):
            P.append((A[k] * x + B[k]) * P[k - 1] + C[k] * P[k - 2])
        env = self.radial_factor * (1.0 - x) ** self.pcut
        return jnp.where(inside[..., None], jnp.stack(P, axis=-1) * env[..., None], 0.0)

    # ------------------------------------------------------------------ jitted core
    def _kernel(self):
        """The jitted evaluator; its constant arrays (coupling coefficients, weights) are
        made under x64 so that they are float64, like the evaluation."""
        if self._fn is None:
            with _x64():
                self._fn = self._kernel_ships() if self.basis == "ships2020" else self._kernel_b()
        return self._fn

    def _kernel_b(self):
        import jax
        import jax.numpy as jnp

        sp = self._spec
        lmax, nz, n_k, n_B = sp["lmax"], self.n_channels, sp["n_k"], sp["n_B"]
        a_r, a_y = jnp.asarray(sp["a_radial"]), jnp.asarray(sp["a_ylm"])
        specs = tuple(jnp.asarray(g) for g in sp["aa_specs"])
        rows, cols, vals = (jnp.asarray(sp[k]) for k in ("a2b_rows", "a2b_cols", "a2b_vals"))

        def f(rij, zj, mask):
            # rij (C, K, 3), zj (C, K) neighbour channel, mask (C, K)
            Afull = self._atomic_basis_jax(rij, zj, mask, lmax, nz, n_k)
            A = Afull[:, a_r, a_y]  # (C, n_A)
            AA = jnp.concatenate([jnp.prod(A[:, g], axis=-1) for g in specs], axis=1)
            Bt = jax.ops.segment_sum(AA.T[cols] * vals[:, None], rows, num_segments=n_B, indices_are_sorted=True)
            return Bt.T

        return jax.jit(f)

    def _atomic_basis_jax(self, rij, zj, mask, lmax: int, nz: int, n_k: int):
        """A[c, z·n_k + k, lm] = Σ_j R_k(r_cj) δ(z_j, z) Y_lm(r̂_cj) of a padded batch of centres
        (rij (C, K, 3), zj (C, K) neighbour channel, mask (C, K) real neighbours)."""
        import jax
        import jax.numpy as jnp
        from ace_jax.eval.harmonics import real_spherical_harmonics

        r = jnp.linalg.norm(jnp.where(mask[..., None], rij, 1.0), axis=-1)
        R = self._radial_jax(r) * mask[..., None]  # (C, K, n_k)
        if nz > 1:
            R = (R[..., None, :] * jax.nn.one_hot(zj, nz, dtype=R.dtype)[..., None]).reshape(R.shape[:2] + (nz * n_k,))
        Y = real_spherical_harmonics(jnp.where(mask[..., None], rij, 1.0), lmax)
        return jnp.einsum("ckn,ckm->cnm", R, Y)

    def _kernel_ships(self):
        """Jitted SHIPs v0.5.x features (``ships2020``) of a padded batch of centres."""
        import jax
        import jax.numpy as jnp

        sp = self._spec
        lmax, nz, n_k = sp["lmax"], self.n_channels, sp["n_k"]
        one = np.array(sp["one"], np.int32).reshape(-1, 2)
        one_ch = jnp.asarray(one[:, 0] * n_k + one[:, 1])
        pairs = sp["pairs"]
        c1 = jnp.asarray(np.array([z1 * n_k + k1 for z1, k1, _, _, _, _ in pairs], np.int32))
        c2 = jnp.asarray(np.array([z2 * n_k + k2 for _, _, z2, k2, _, _ in pairs], np.int32))
        # W[p, lm] = g_p / √(2 l_p + 1) on the m's of l_p, so B_p = Σ_lm W A_c1 A_c2
        l_of = np.repeat(np.arange(lmax + 1), 2 * np.arange(lmax + 1) + 1)
        W = np.zeros((len(pairs), (lmax + 1) ** 2))
        for p, (_, _, _, _, l, g) in enumerate(pairs):
            W[p, l_of == l] = g / math.sqrt(2 * l + 1)
        W = jnp.asarray(W)

        def f(rij, zj, mask):
            A = self._atomic_basis_jax(rij, zj, mask, lmax, nz, n_k)  # (C, nz·n_k, lm)
            B1 = A[:, one_ch, 0]
            if not pairs:
                return B1
            B2 = jnp.einsum("cpm,cpm,pm->cp", A[:, c1, :], A[:, c2, :], W)
            return jnp.concatenate([B1, B2], axis=1)

        return jax.jit(f)

    # ------------------------------------------------------------------ neighbours
    def _environments(self, atoms: Atoms, centers: np.ndarray | None):
        """Per requested centre: (rij (n_j, 3), neighbour channel (n_j,))."""
        # a few centres of a large cell (the sensitivity paths): their neighbours only, by
        # position among the centres; otherwise ASE's list of every atom, by atom index
        i, j, D, listed, _ = centre_pairs(atoms, self.cutoff, centers)
        if listed is not None:
            centers = np.arange(len(listed))
        keep = np.linalg.norm(D, axis=1) < self.cutoff
        i, j, D = i[keep], j[keep], D[keep]
        order = np.argsort(i, kind="stable")
        i, j, D = i[order], j[order], D[order]
        if self.species_resolved:
            index = {s: k for k, s in enumerate(self.species)}
            ch = np.array([index[s] for s in atoms.get_chemical_symbols()], np.int32)
        else:
            ch = np.zeros(len(atoms), np.int32)
        bounds = np.searchsorted(i, np.arange(len(atoms) + 1))
        idx = np.arange(len(atoms)) if centers is None else np.asarray(centers, int)
        for c in idx:
            s, e = bounds[c], bounds[c + 1]
            yield D[s:e], ch[j[s:e]]

    def _centre_blocks(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        index = {s: k for k, s in enumerate(self.species)}
        sym = np.array([index[s] for s in atoms.get_chemical_symbols()], np.int64)
        return sym if centers is None else sym[np.asarray(centers, int)]

    def _evaluate_envs(self, envs, n_rows: int, progress: bool = False) -> np.ndarray:
        """B rows of a stream of environments, in chunks of ``chunk_size`` centres."""
        from tqdm.auto import tqdm

        fn = self._kernel()
        out = np.empty((n_rows, self.n_basis))
        C = self.chunk_size
        bar = tqdm(total=n_rows, desc=self.name, disable=not progress, unit="env")
        done = 0
        with _x64():
            while done < n_rows:
                batch = []
                for env in envs:
                    batch.append(env)
                    if len(batch) == C:
                        break
                kmax = max([len(e[0]) for e in batch] + [1])
                K = 32 * math.ceil(kmax / 32)  # neighbour bucket: few distinct shapes
                rij = np.zeros((C, K, 3))
                zj = np.zeros((C, K), np.int32)
                mask = np.zeros((C, K), bool)
                for c, (d, z) in enumerate(batch):
                    rij[c, : len(d)], zj[c, : len(d)], mask[c, : len(d)] = d, z, True
                B = np.asarray(fn(rij, zj, mask))
                out[done : done + len(batch)] = B[: len(batch)]
                done += len(batch)
                bar.update(len(batch))
        bar.close()
        return out

    def _blocks(self, B: np.ndarray, centre_species: np.ndarray) -> np.ndarray:
        if not self.species_resolved:
            return B
        nb, ns = self.n_basis, len(self.species)
        out = np.zeros((len(B), nb * ns))
        for s in range(ns):
            sel = centre_species == s
            out[sel, s * nb : (s + 1) * nb] = B[sel]
        return out

    # ------------------------------------------------------------------ interface
    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        if self.backend == "julia":
            return self._compute_julia([atoms], [centers])
        n = len(atoms) if centers is None else len(centers)
        B = self._evaluate_envs(self._environments(atoms, centers), n)
        return self._blocks(B, self._centre_blocks(atoms, centers))

    def _compute_batch(self, structures: list[Atoms], centers: np.ndarray | None) -> list[np.ndarray]:
        # the centres of every structure in one stream: a few centres per structure (a
        # sensitivity path) fill one evaluation chunk instead of one padded chunk each
        if self.backend == "julia":
            return [self._compute_julia([a], [centers]) for a in structures]
        counts = [len(a) if centers is None else len(centers) for a in structures]

        def stream():
            for a in structures:
                yield from self._environments(a, centers)

        B = self._evaluate_envs(stream(), sum(counts))
        rows = self._blocks(B, np.concatenate([self._centre_blocks(a, centers) for a in structures]))
        return np.split(rows, np.cumsum(counts)[:-1])

    def _compute_many(self, structures: list[Atoms], n_jobs: int, progress: bool) -> np.ndarray:
        if self.backend == "julia":
            return self._compute_julia(structures, [None] * len(structures), progress=progress)
        n = sum(len(a) for a in structures)
        if n == 0:
            return np.zeros((0, self.n_features))

        def stream():
            for a in structures:
                yield from self._environments(a, None)

        B = self._evaluate_envs(stream(), n, progress=progress)
        cs = np.concatenate([self._centre_blocks(a, None) for a in structures])
        return self._blocks(B, cs)

    # ------------------------------------------------------------------ Julia backend
    def julia_basis_code(self) -> str:
        """The Julia expression building the matching ACE1.jl basis.

        Uncertain points (no Julia was available to check them): the keyword names of
        ``ACE1.Utils.rpi_basis`` and ``SparsePSHDegreeM`` as of ACE1 0.11/0.12, and that
        ``maxdeg = 1.0`` with per-order degrees ``Dd`` is read as "level ≤ Dd[ν]".
        ACE1 numbers the radial index from n = 1 with level n + wL·l, so the
        ``radial_start = 0`` selection Σ(k + wL·l) ≤ D is Σ(n + wL·l) ≤ D + ν:
        Dd[ν] = D + ν·(1 - radial_start).
        """
        sym = ":X" if not self.species_resolved else "[" + ", ".join(f":{s}" for s in self.species) + "]"
        dd = ", ".join(
            f"{nu} => {float(self.degree) + nu * (1 - self.radial_start)}"
            for nu in range(1, self.correlation_order + 1)
        )
        return (
            "ACE1.Utils.rpi_basis(; species = " + sym + f", N = {self.correlation_order}, "
            f"r0 = {self.r0}, trans = ACE1.PolyTransform({self.transform_power}, {self.r0}), "
            'D = ACE1.RPI.SparsePSHDegreeM(Dict("default" => 1.0), '
            f'Dict("default" => {self.wL}), Dict({dd})), maxdeg = 1.0, '
            f"rin = {self.rin}, rcut = {self.cutoff}, pcut = {self.pcut}, pin = 0)"
        )

    def _compute_julia(self, structures, centers_list, progress: bool = False) -> np.ndarray:
        """Rows from ACE1.jl (needs a Julia runtime; see ``julia_backend``).

        The columns are ACE1's B functions in ACE1's order and normalisation: they span
        the same space as the jax backend's columns (same radial space, same selection)
        but are not the same vectors.
        """
        from tqdm.auto import tqdm

        from .julia_backend import load_julia

        jl = load_julia(["ACE1", "JuLIP"])
        if not hasattr(self, "_jl_basis"):
            # UNCERTAIN: JuLIP.Atoms keyword constructor, neighbourlist/neigsz names, and
            # ACE1.evaluate(basis, Rs, Zs, z0) returning the site B vector.
            jl.seval(
                """
                function _ds_ace_site_basis(basis, X, Z, cell, pbc, rcut, centers, blind)
                    Xv = [JuLIP.JVecF(X[i, :]...) for i in 1:size(X, 1)]
                    zs = blind ? fill(JuLIP.AtomicNumber(0), length(Z)) : JuLIP.AtomicNumber.(Z)
                    at = JuLIP.Atoms(; X = Xv, M = ones(length(Z)), Z = zs,
                                     cell = JuLIP.JMatF(Matrix(cell')), pbc = Tuple(pbc))
                    nlist = JuLIP.neighbourlist(at, rcut)
                    out = zeros(length(centers), length(basis))
                    for (k, i) in enumerate(centers)
                        _, Rs, Zs = JuLIP.Potentials.neigsz(nlist, at, i)
                        out[k, :] = ACE1.evaluate(basis, Rs, Zs, at.Z[i])
                    end
                    return out
                end
                """
            )
            self._jl_basis = jl.seval(self.julia_basis_code())
        rows = []
        for atoms, centers in tqdm(
            list(zip(structures, centers_list)), desc=f"{self.name} (julia)", disable=not progress
        ):
            c = np.arange(len(atoms)) if centers is None else np.asarray(centers, int)
            B = jl._ds_ace_site_basis(
                self._jl_basis,
                np.ascontiguousarray(atoms.positions, float),
                np.asarray(atoms.numbers, np.int64),
                np.asarray(atoms.cell.array, float),
                [bool(p) for p in atoms.pbc],
                self.cutoff,
                (c + 1).tolist(),
                not self.species_resolved,
            )
            B = np.asarray(B, float)
            if B.shape[1] != self.n_basis:
                raise RuntimeError(
                    f"ACE1.jl basis has {B.shape[1]} functions, the jax basis {self.n_basis}: the two selections differ"
                )
            rows.append(self._blocks(B, self._centre_blocks(atoms, centers)))
        return np.vstack(rows) if rows else np.zeros((0, self.n_features))

    def describe(self) -> dict[str, Any]:
        d = super().describe()
        d["params"].update(r_nn=self.r_nn)  # a symbolic default, resolved
        d["derived"].update(rin=self.rin, n_basis=self.n_basis, radial_factor=self.radial_factor)
        return d
