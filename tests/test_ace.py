"""ACE representation: basis sizes, centre selection, batching, the 1- and 2-correlation
features against direct sums written from scratch (scipy's Jacobi and Legendre
polynomials, ASE's neighbour list), and its parameter errors.  Rotation, translation and
permutation invariance are checked for every representation by the contract suite."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from ase.neighborlist import neighbor_list
from scipy.special import eval_jacobi, eval_legendre

from descriptor_study.errors import ConfigError
from descriptor_study.representations import build
from descriptor_study.representations.ace import ACE
from descriptor_study.representations.ace_basis import basis_spec

SPECIES = ["Al", "Ni", "Cu"]


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.fixture(scope="module", params=[False, True], ids=["blind", "resolved"])
def rep(request) -> ACE:
    return build("ACE", SPECIES, {"species_resolved": request.param})


def test_registry_builds_ace():
    r = build("ACE", ["Si"])
    assert isinstance(r, ACE) and r.name == "ACE"
    assert r.params["correlation_order"] == 4 and r.params["degree"] == 6


def test_species_resolved_distinguishes_species(rattled_cell):
    blind = build("ACE", SPECIES)
    res = build("ACE", SPECIES, {"species_resolved": True})
    b = rattled_cell.copy()
    sym = b.get_chemical_symbols()
    b.set_chemical_symbols(["Cu" if s == "Al" else "Al" if s == "Cu" else s for s in sym])
    assert rel(blind.compute(b), blind.compute(rattled_cell)) < 1e-12
    assert rel(res.compute(b), res.compute(rattled_cell)) > 1e-3
    # block layout: the row of an atom of species s is zero outside block s
    X = res.compute(rattled_cell)
    nb = res.n_basis
    for i, s in enumerate(sym):
        k = SPECIES.index(s)
        assert np.all(np.delete(X[i].reshape(3, nb), k, axis=0) == 0.0)
        assert np.abs(X[i, k * nb : (k + 1) * nb]).max() > 0


def _count_multisets(order: int, degree: float, wL: float, start: int) -> int:
    """Admissible (n, l) multisets by brute force: for correlation order ≤ 3 every
    admissible multiset carries exactly one O(3) invariant."""
    ch = [(k, l) for k in range(degree + 1) for l in range(degree + 1) if k + start + wL * l <= degree]
    count = 0
    for nu in range(1, order + 1):
        for bb in itertools.combinations_with_replacement(ch, nu):
            ll = [l for _, l in bb]
            if sum(k + start + wL * l for k, l in bb) > degree + 1e-9 or sum(ll) % 2:
                continue
            if nu == 1 and ll[0] != 0:
                continue
            if 2 * max(ll) > sum(ll):
                continue
            count += 1
    return count


def test_paper_feature_counts():
    """Figure 6h: 30, 63, 115, 190 at degrees 6, 9, 12, 15 (species-blind).
    Reproduced by ACE.jl 2020's radial numbering (Jacobi degree from 0) with
    correlations up to order 2."""
    got = [
        build("ACE", SPECIES, {"degree": d, "correlation_order": 2, "radial_start": 0}).n_features
        for d in (6, 9, 12, 15)
    ]
    assert got == [30, 63, 115, 190]
    assert got == [_count_multisets(2, d, 1.5, 0) for d in (6, 9, 12, 15)]


def test_order3_counts_match_brute_force():
    for start in (0, 1):
        for d in (6, 9):
            r = build("ACE", ["Si"], {"degree": d, "correlation_order": 3, "radial_start": start})
            assert r.n_features == _count_multisets(3, d, 1.5, start)


def test_order4_selection_matches_ace_jax_build_spec():
    """radial_start = 1 is ACEpotentials' TotalDegree selection: compare the bodies, and
    the number of B functions after coupling, with ace-jax's own enumerator
    (`build_spec`, one species) fed to the same coupling library."""
    from ace_jax.basis.coupling import couple
    from ace_jax.basis.spec import build_spec

    for d in (6, 9, 12):
        mb, rnl, ylm = build_spec(1, 4, d, 1.5)
        ref = sorted(tuple(sorted(b)) for b in mb)
        ours = sorted(tuple(sorted((k + 1, l) for _, k, l in b)) for b in basis_spec(4, d, 1.5, 1))
        assert ours == ref
        n_B = build("ACE", SPECIES, {"degree": d}).n_features
        assert n_B == couple(mb, rnl, ylm).A2B.shape[0]
        # from order 4 on a body can carry several L = 0 couplings
        assert n_B >= len(mb)


def test_centers_are_rows_of_full_evaluation(rep, rattled_cell):
    X = rep.compute(rattled_cell)
    centers = [5, 0, 17, 5, 31]
    np.testing.assert_array_equal(rep.compute(rattled_cell, centers=centers), X[centers])


def test_compute_many_matches_compute(rattled_cell):
    """Chunks that straddle structures and neighbour buckets of different widths."""
    from ase.build import bulk
    from conftest import rattled_multispecies_cell

    rep = build("ACE", SPECIES, {"species_resolved": True, "chunk_size": 7})
    small = bulk("Al", "fcc", a=4.05) * (1, 1, 2)
    small.positions += 0.05
    cluster = rattled_multispecies_cell(seed=4)[:9]
    cluster.pbc = False
    structs = [rattled_cell, small, cluster, rattled_multispecies_cell(seed=2)]
    M, off = rep.compute_many(structs, progress=False)
    for k, a in enumerate(structs):
        assert rel(M[off[k] : off[k + 1]], rep.compute(a)) < 1e-13


def _direct_radial(rep: ACE, r: np.ndarray, kmax: int) -> np.ndarray:
    """R_k(r) = (1 - x)^2 P_k^(4,0)(x) / sqrt(h_k), h_k = 2^5 / (2k + 5), from scipy."""
    x = rep.radial_coordinate(r)
    k = np.arange(kmax)
    P = eval_jacobi(k[None, :], 4, 0, x[:, None]) / np.sqrt(32.0 / (2 * k + 5))
    return np.where((r < rep.cutoff)[:, None], P * ((1 - x) ** 2)[:, None], 0.0)


@pytest.mark.parametrize("start", [0, 1])
def test_one_and_two_body_features_against_direct_sums(rattled_cell, start):
    rep = build("ACE", SPECIES, {"degree": 9, "correlation_order": 2, "radial_start": start})
    X = rep.compute(rattled_cell)
    i, D = neighbor_list("iD", rattled_cell, rep.cutoff)
    kmax = 10
    direct1 = np.zeros((len(rattled_cell), kmax))
    direct2 = {}
    for a in range(len(rattled_cell)):
        d = D[i == a]
        r = np.linalg.norm(d, axis=1)
        R = _direct_radial(rep, r, kmax)
        direct1[a] = R.sum(0) / np.sqrt(4 * np.pi)
        cos = (d / r[:, None]) @ (d / r[:, None]).T
        for l in range(7):
            # Σ_m A_klm A_k'lm = (2l+1)/(4π) Σ_jj' R_k(r_j) R_k'(r_j') P_l(cos θ_jj')
            direct2[l] = direct2.get(l, []) + [
                (2 * l + 1) / (4 * np.pi) * np.einsum("jk,jm,mn->kn", R, eval_legendre(l, cos), R)
            ]
    n1 = n2 = 0
    for f, body in enumerate(rep.feature_labels):
        if len(body) == 1:
            ((_, k, _),) = body
            # the order-1 coupling coefficient is 1: B = A_k00 exactly
            np.testing.assert_allclose(X[:, f], direct1[:, k], rtol=1e-11, atol=1e-12)
            n1 += 1
        else:
            (_, k1, l), (_, k2, l2) = body
            assert l == l2
            ref = np.array([m[k1, k2] for m in direct2[l]])
            c = X[:, f] @ ref / (ref @ ref)  # the coupling's normalisation constant
            assert abs(c) > 1e-3
            np.testing.assert_allclose(X[:, f], c * ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())
            n2 += 1
    assert n1 == 10 - start and n2 == rep.n_features - n1


def test_radial_basis_is_orthonormal_and_cut_off():
    rep = build("ACE", ["Si"], {"degree": 9})
    import jax

    xg, wg = np.polynomial.legendre.leggauss(60)
    # r(x): invert the transform t(r) = ((1 + r0)/(1 + r))^2 on the Gauss nodes
    tin, tcut = ((1 + rep.r0) / (1 + rep.rin)) ** 2, ((1 + rep.r0) / (1 + rep.cutoff)) ** 2
    t = tin + (xg + 1) / 2 * (tcut - tin)
    r = (1 + rep.r0) / np.sqrt(t) - 1
    with jax.enable_x64(True):
        R = np.asarray(rep._radial_jax(jax.numpy.asarray(r)))
        Rout = np.asarray(rep._radial_jax(jax.numpy.asarray([rep.cutoff, 7.0])))
    np.testing.assert_allclose(R.T @ (wg[:, None] * R), np.eye(R.shape[1]), atol=1e-12)
    assert np.all(Rout == 0.0)


def test_julia_backend_spans_same_space(rattled_cell):
    from descriptor_study.representations.julia_backend import julia_runtime

    ok, why = julia_runtime()
    if not ok:
        pytest.skip(why)
    jax_rep = build("ACE", SPECIES)
    jl_rep = build("ACE", SPECIES, {"backend": "julia"})
    from conftest import rattled_multispecies_cell

    structs = [rattled_multispecies_cell(seed=s) for s in range(4)]
    Xj = np.vstack([jax_rep.compute(a) for a in structs])
    Xl = np.vstack([jl_rep.compute(a) for a in structs])
    assert Xl.shape == Xj.shape
    # same radial space and selection: each matrix's columns lie in the other's span
    for A, B in ((Xj, Xl), (Xl, Xj)):
        coef, *_ = np.linalg.lstsq(A, B, rcond=None)
        assert np.linalg.norm(A @ coef - B) / np.linalg.norm(B) < 1e-8


#: SHIPDescriptor's defaults (the paper's basis)
SHIPS = {"basis": "ships2020", "correlation_order": 2, "radial_start": 0, "r0": 2.5, "rin_factor": 0.0}

#: (parameters, the key the message must name, checked without species)
BAD = [
    ({**SHIPS, "correlation_order": 3}, "correlation_order", True),
    ({**SHIPS, "backend": "julia"}, "backend", True),
    ({"backend": "fortran"}, "backend", True),
    ({"basis": "ships"}, "basis", True),
    ({"radial_start": 2}, "radial_start", True),
    ({"degre": 6}, "degre", True),  # a typo
    ({"degree": 0}, "degree", True),
    ({"degree": 6.5}, "degree", True),
    ({"correlation_order": 0}, "correlation_order", True),
    ({"wL": 0.0}, "wL", True),
    ({"cutoff": -6.5}, "cutoff", True),
    ({"rin_factor": 1.2}, "rin_factor", True),
    ({"r_nn": 0.0}, "r_nn", True),
    ({"r_nn": 2.0, "rin_factor": 1.0, "cutoff": 1.5}, "rin_factor", True),  # rin outside [0, cutoff)
    ({"rin_factor": 0.9, "cutoff": 2.0}, "rin_factor", False),  # r_nn of Si: 2.35 Å
    ({"species_resolved": "yes"}, "species_resolved", True),
    ({"chunk_size": 0}, "chunk_size", True),
]


@pytest.mark.parametrize("params, key, without_species", BAD)
def test_bad_parameters_one_line_naming_the_key(params, key, without_species):
    with pytest.raises(ConfigError) as exc:
        build("ACE", ["Si"], params)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(f"representations.ACE.{key}:")
    if without_species:  # config validation: the same error without building anything
        with pytest.raises(ConfigError) as exc2:
            ACE.resolve_params(params)
        assert str(exc2.value) == message
    else:
        ACE.resolve_params(params)  # depends on the species: found when building


def test_rin_at_the_bound():
    """rin just below the cutoff is allowed, at the cutoff it is not."""
    ok = build("ACE", ["Si"], {"r_nn": 2.0, "rin_factor": 0.74, "cutoff": 1.5, "degree": 3})
    assert ok.rin == pytest.approx(1.48)
    with pytest.raises(ConfigError, match="rin_factor"):
        ACE.resolve_params({"r_nn": 2.0, "rin_factor": 0.75, "cutoff": 1.5})
