"""The basis of ACE: which products of one-particle functions (neighbour channel, radial
degree, angular momentum) it keeps, and the coupling of each body to a rotation invariant
(the ace-jax basis and the SHIPs 2020 one); the nearest-neighbour distance that scales
the radial coordinate.  Plain Python and numpy, no JAX: the class in ``ace`` evaluates
the basis."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np


def reference_nn_distance(symbol: str) -> float:
    """Nearest-neighbour distance (Å) of an element's ASE reference state."""
    from ase.build import bulk
    from ase.data import atomic_numbers, covalent_radii, reference_states

    z = atomic_numbers[symbol]
    ref = reference_states[z] or {}
    sym = ref.get("symmetry")
    if sym == "diatom" and "d" in ref:
        return float(ref["d"])
    try:
        atoms = bulk(symbol).repeat((2, 2, 2))
    except Exception:  # no crystal reference state
        return float(2.0 * covalent_radii[z])
    d = atoms.get_all_distances(mic=True)
    return float(d[d > 1e-8].min())


def _couples_to_zero(ll: Sequence[int]) -> bool:
    """Whether angular momenta ll can couple to L = 0 with even parity."""
    s = sum(ll)
    return s % 2 == 0 and max(ll) <= s - max(ll)


def basis_spec(
    correlation_order: int, degree: float, wL: float, radial_start: int, n_channels: int = 1
) -> list[tuple[tuple[int, int, int], ...]]:
    """Bodies (multisets of one-particle channels (z, k, l)) of the ACE basis.

    ``z`` is the neighbour-species channel (0 for the species-blind basis), ``k`` the
    radial polynomial degree (from 0), ``l`` the angular momentum.  Kept: level sum
    Σ (k + radial_start + wL·l) ≤ degree, ν ≤ correlation_order, l's coupling to L = 0
    with even sum, and for ν = 1 only l = 0.  Ordered by correlation order, then level.
    """
    tol = 1e-9
    ch = [
        (z, k, l)
        for z in range(n_channels)
        for l in range(int(math.floor(degree / wL + tol)) + 1)
        for k in range(int(math.floor(degree + tol)) + 1)
        if k + radial_start + wL * l <= degree + tol
    ]
    lev = {c: c[1] + radial_start + wL * c[2] for c in ch}
    ch.sort(key=lambda c: (lev[c], c))
    bodies: list[tuple[tuple[int, int, int], ...]] = []

    def dfs(start: int, bb: list, lv: float) -> None:
        if bb:
            ll = [c[2] for c in bb]
            if not (len(bb) == 1 and ll[0] != 0) and _couples_to_zero(ll):
                bodies.append(tuple(bb))
        if len(bb) == correlation_order:
            return
        for i in range(start, len(ch)):
            if lv + lev[ch[i]] > degree + tol:
                break
            bb.append(ch[i])
            dfs(i, bb, lv + lev[ch[i]])
            bb.pop()

    dfs(0, [], 0.0)
    bodies.sort(key=lambda b: (len(b), sum(lev[c] for c in b)))
    return bodies


@functools.lru_cache(maxsize=16)
def coupling(correlation_order: int, degree: float, wL: float, radial_start: int, n_channels: int):
    """The coupled basis for one selection (cached: the D=18 basis takes ~30 s)."""
    from ace_jax.basis.coupling import couple_cached

    bodies = basis_spec(correlation_order, degree, wL, radial_start, n_channels)
    n_k = max(c[1] for b in bodies for c in b) + 1
    # ace-jax's coupling takes (n, l) with n ≥ 1: fold (z, k) into n = z·n_k + k + 1
    enc = lambda c: (c[0] * n_k + c[1] + 1, c[2])  # noqa: E731
    mb = [[enc(c) for c in b] for b in bodies]
    rnl = sorted({enc(c) for b in bodies for c in b}, key=lambda b: (b[1], b[0]))
    lmax = max(l for _, l in rnl)
    ylm = [(l, m) for l in range(lmax + 1) for m in range(-l, l + 1)]
    cpl = couple_cached(mb, rnl, ylm)
    dec = lambda n, l: ((n - 1) // n_k, (n - 1) % n_k, l)  # noqa: E731
    # per B row, its body from the row's support (ET's nnll dump is not in row order)
    from ace_jax.basis.model import nnll_from_coupling

    labels = tuple(tuple(sorted(dec(n, l) for n, l in row)) for row in nnll_from_coupling(cpl.A2B, cpl.aa_sig))
    rows, cols = np.nonzero(cpl.A2B)
    order = np.lexsort((cols, rows))
    return {
        "n_k": n_k,
        "lmax": lmax,
        "n_B": int(cpl.A2B.shape[0]),
        # A function a = R_{rnl[ar[a]]} Y_{ylm[ay[a]]}; radial column = z·n_k + k
        "a_radial": np.array([rnl[r][0] - 1 for r, _ in cpl.aspec], np.int32),
        "a_ylm": np.array([y for _, y in cpl.aspec], np.int32),
        "aa_specs": tuple(np.asarray(g, np.int32) for g in cpl.aa_specs if len(g)),
        "a2b_rows": rows[order].astype(np.int32),
        "a2b_cols": cols[order].astype(np.int32),
        "a2b_vals": cpl.A2B[rows[order], cols[order]].astype(np.float64),
        "labels": labels,
    }


@functools.lru_cache(maxsize=16)
def ships_spec(correlation_order: int, degree: float, wL: float, radial_start: int, n_channels: int = 1) -> dict:
    """Features of SHIPs v0.5.x's ``SHIPBasis`` for correlation order ≤ 2, in SHIPs' order.

    Per feature: ``one`` (z, k) for a one-neighbour function, ``pairs`` (z1, k1, z2, k2,
    l, g) for a two-neighbour one.  Order as ``generate_ZKL_tuples``: correlation order 1
    then 2; within it the sorted species tuples in Julia's column-major order, then the
    index tuples ν₁ ≤ ν₂ into the one-particle (k, l) list sorted stably by level
    (generated k outer, l inner), then for two different species the swapped species
    tuple when it gives a different product.
    """
    if correlation_order > 2:
        raise ValueError("ships2020 basis: correlation_order must be 1 or 2")
    tol = 1e-9
    lev = lambda k, l: k + radial_start + wL * l  # noqa: E731
    kl = [
        (k, l)
        for k in range(int(math.floor(degree + tol)) + 1)
        for l in range(int(math.floor(degree / wL + tol)) + 1)
        if lev(k, l) <= degree + tol
    ]
    kl.sort(key=lambda c: lev(*c))  # stable, as Julia's sortperm
    one = [(z, k) for z in range(n_channels) for (k, l) in kl if l == 0]
    pairs = []
    if correlation_order >= 2:
        zz = [(z1, z2) for z2 in range(n_channels) for z1 in range(n_channels) if z1 <= z2]
        for z1, z2 in zz:
            for a in range(len(kl)):
                for b in range(a, len(kl)):
                    (k1, l1), (k2, l2) = kl[a], kl[b]
                    if l1 != l2 or lev(k1, l1) + lev(k2, l2) > degree + tol:
                        continue
                    g = math.sqrt(2.0) if (z1 == z2 and a == b) else 1.0
                    pairs.append((z1, k1, z2, k2, l1, g))
                    if z1 != z2 and a != b:
                        pairs.append((z2, k1, z1, k2, l1, 1.0))
    labels = tuple(((z, k, 0),) for z, k in one) + tuple(
        tuple(sorted(((z1, k1, l), (z2, k2, l)))) for z1, k1, z2, k2, l, _ in pairs
    )
    n_k = 1 + max([k for _, k in one] + [max(p[1], p[3]) for p in pairs])
    return {
        "n_k": n_k,
        "lmax": max([p[4] for p in pairs], default=0),
        "n_B": len(one) + len(pairs),
        "one": tuple(one),
        "pairs": tuple(pairs),
        "labels": labels,
    }
