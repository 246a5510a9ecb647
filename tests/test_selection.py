"""CUR, FPS and PCA against direct reference implementations (scikit-matter's textbook
CUR and FPS, the pseudo-inverse error formula, numpy eigenvalues).

Selections are compared index for index, except among columns equal value for value:
which of them is taken first is a tie that round-off breaks, differently on each CPU,
so there the classes of equal columns and the error curves are compared
(``assert_same_selections``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from skmatter.feature_selection import CUR, FPS

from descriptor_study import storage
from descriptor_study.jobs import CompressibilityJob
from descriptor_study.selection import (
    ZERO_LEVEL,
    compressibility,
    cur_errors_for,
    cur_ranking,
    drop_zero_columns,
    fps_ranking,
    pca_spectrum,
    plateau_start,
)
from descriptor_study.stages import dimensionality as stages
from descriptor_study.stages.dimensionality import run_selection
from descriptor_study.vocabulary import METHODS


def _random(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) * rng.uniform(0.1, 3.0, size=shape[1])


def _rank_deficient(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(120, 8)) @ rng.normal(size=(8, 30))


def _duplicated(seed):
    X = _random((90, 20), seed)
    return np.hstack([X, X[:, [3, 7]] * 1.0, 2.5 * X[:, [11]]])


def _near_collinear(seed):
    X = _random((100, 25), seed)
    X[:, 5] = X[:, 4] + 1e-3 * X[:, 6]
    return X


def _clustered(seed):
    """Top singular values within 1e-3 of each other: the hard case for an eigensolver."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.normal(size=(150, 60)))[0]
    V = np.linalg.qr(rng.normal(size=(70, 60)))[0]
    s = np.concatenate([1.0 + 1e-3 * rng.random(12), 0.5 * rng.random(48)])
    return (U * s) @ V.T


MATRICES = {
    "random tall": lambda: _random((200, 40), 1),
    "random square": lambda: _random((60, 60), 2),
    "random wide": lambda: _random((30, 80), 3),
    "random large (iterative path)": lambda: _random((700, 420), 4),
    "rank deficient": lambda: _rank_deficient(5),
    "duplicated columns": lambda: _duplicated(6),
    "near collinear": lambda: _near_collinear(7),
    "clustered spectrum": lambda: _clustered(8),
}


def _interchangeable(X: np.ndarray) -> np.ndarray:
    """For each column, the lowest index of the columns equal to it value for value.

    Equal columns tie exactly in every CUR and FPS score, so which of them a selection
    takes first is decided by round-off, differently from one BLAS kernel (one CPU) to
    another; they are interchangeable.  A column that differs in any entry (a scaled copy,
    a near twin) is a class of its own.
    """
    _, first, inverse = np.unique(X.T, axis=0, return_index=True, return_inverse=True)
    return first[np.ravel(inverse)]


#: the error curves of two selections that agree up to interchangeable columns agree to
#: this (relative to each value; below ``ROUND_OFF`` of ‖X‖_F both are round-off)
CURVE_RTOL, ROUND_OFF = 1e-9, 1e-12


def assert_same_selections(X: np.ndarray, ours, ref) -> None:
    """``ours`` selects what ``ref`` selects, up to interchangeable columns.

    Without equal columns in X every choice is defined: the indices must be equal.  With
    them, each selection is mapped to its class of equal columns and the sequences of
    classes must be equal, and so must the error curves ‖X − C C⁺ X‖_F / ‖X‖_F of the two
    selections (to ``CURVE_RTOL``): only the order round-off picks among equals may differ.
    """
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, (ours, ref)
    classes = _interchangeable(X)
    if len(np.unique(classes)) == X.shape[1]:  # no two columns equal: plain equality
        assert np.array_equal(ours, ref), (ours, ref)
        return
    assert len(set(ours.tolist())) == len(ours) and len(set(ref.tolist())) == len(ref), (ours, ref)
    assert np.array_equal(classes[ours], classes[ref]), (ours, ref, classes[ours], classes[ref])
    a, b = cur_errors_for(X, ours), cur_errors_for(X, ref)
    assert np.all(np.abs(a - b) <= CURVE_RTOL * np.maximum(np.abs(a), np.abs(b)) + ROUND_OFF), (a, b)


@pytest.mark.parametrize("name", list(MATRICES))
def test_cur_selects_what_skmatter_selects(name):
    X = MATRICES[name]()
    ours = cur_ranking(X)
    n = ours.n_exact  # selections made while the residual is above round-off
    assert n >= min(np.linalg.matrix_rank(X), X.shape[1]) - 1
    ref = CUR(n_to_select=n, recompute_every=1, k=1).fit(X).selected_idx_
    assert_same_selections(X, ours.selected[:n], ref)
    assert sorted(ours.selected) == list(range(X.shape[1]))


@pytest.mark.parametrize("name", [k for k in MATRICES if "large" not in k])
def test_carried_subspace_eigensolver_selects_what_skmatter_selects(name):
    """The iterative eigensolver (used above 300 rows) forced on from the first selection."""
    X = MATRICES[name]()
    ours = cur_ranking(X, dense_below=4)
    n = ours.n_exact
    ref = CUR(n_to_select=n, recompute_every=1, k=1).fit(X).selected_idx_
    assert_same_selections(X, ours.selected[:n], ref)
    direct = cur_errors_for(X, ours.selected[:n])
    assert np.max(np.abs(direct - ours.errors[:n])) < 1e-10


def test_iterative_eigensolver_on_a_spectrum_graded_down_to_round_off():
    """Singular values from 1 to 1e-14: K = R Rᵀ spans 28 decades, the carried products
    K V drift and must be refreshed; the selections equal the dense solver's and,
    above an error of 1e-6, scikit-matter's."""
    rng = np.random.default_rng(9)
    U = np.linalg.qr(rng.normal(size=(200, 70)))[0]
    V = np.linalg.qr(rng.normal(size=(90, 70)))[0]
    X = (U * np.logspace(0, -14, 70)) @ V.T
    iterative = cur_ranking(X, dense_below=4)
    dense = cur_ranking(X, dense_below=10**9)
    n = min(iterative.n_exact, dense.n_exact)
    assert n >= 60
    assert np.array_equal(iterative.selected[:n], dense.selected[:n])
    assert np.max(np.abs(iterative.errors[:n] - dense.errors[:n])) < 1e-12
    above = int(np.sum(dense.errors > 1e-6))
    ref = CUR(n_to_select=above, recompute_every=1, k=1).fit(X).selected_idx_
    assert np.array_equal(iterative.selected[:above], ref)


@pytest.mark.parametrize("block", [1, 3])
@pytest.mark.parametrize("name", [k for k in MATRICES if "large" not in k])
def test_delayed_reflections_select_what_skmatter_selects(name, block):
    """R gets its reflections in blocks (here every 1 or 3 selections, forcing many
    flushes, eliminated rows and zeroed columns dropped on each): same selections, same curve."""
    X = MATRICES[name]()
    ours = cur_ranking(X, dense_below=4, block=block)
    n = ours.n_exact
    assert n >= min(np.linalg.matrix_rank(X), X.shape[1]) - 1
    ref = CUR(n_to_select=n, recompute_every=1, k=1).fit(X).selected_idx_
    assert_same_selections(X, ours.selected[:n], ref)
    assert sorted(ours.selected) == list(range(X.shape[1]))
    direct = cur_errors_for(X, ours.selected[:n])
    assert np.max(np.abs(direct - ours.errors[:n])) < 1e-10


def test_equal_columns_are_interchangeable_and_scaled_copies_are_not():
    X = _duplicated(6)  # columns 20 and 21 equal 3 and 7; column 22 is 2.5 times column 11
    classes = _interchangeable(X)
    assert classes[20] == 3 and classes[21] == 7 and classes[22] == 22 and classes[11] == 11
    assert np.array_equal(np.delete(classes, [20, 21]), np.delete(np.arange(23), [20, 21]))
    assert np.array_equal(_interchangeable(MATRICES["near collinear"]()), np.arange(25))


def test_the_comparison_accepts_the_first_pick_swapped_between_equal_columns():
    """What another CPU gave: the first choice is a tie between the equal columns 3 and 20,
    round-off took 3 in ours and 20 in scikit-matter, the 19 selections after it agree.
    Plain equality rejects it; the comparison accepts it (same classes, same curve)."""
    X = _duplicated(6)
    ours = cur_ranking(X)
    selected = ours.selected[: ours.n_exact]
    assert selected[0] == 3 and 20 not in selected
    swapped = selected.copy()
    swapped[0] = 20
    assert not np.array_equal(swapped, selected)
    assert_same_selections(X, selected, swapped)
    assert_same_selections(X, swapped, selected)


def test_the_comparison_rejects_a_selection_that_differs_in_a_class():
    X = _duplicated(6)
    ours = cur_ranking(X)
    selected = ours.selected[: ours.n_exact]
    assert_same_selections(X, selected, selected.copy())
    wrong = []
    i = int(np.flatnonzero(selected == 22)[0])
    scaled = selected.copy()
    scaled[i] = 11  # the same direction (the same curve), but not an equal column: 22 scores 6.25 times 11
    wrong.append(scaled)
    order = selected.copy()
    order[[1, 2]] = order[[2, 1]]  # two different columns taken in the other order
    wrong.append(order)
    other = selected.copy()
    other[-1] = 11  # a column the ranking had not taken
    wrong.append(other)
    twice = selected.copy()
    twice[1] = 20  # column 3 taken twice (once as its equal 20)
    wrong.append(twice)
    wrong.append(selected[:-1])
    for w in wrong:
        with pytest.raises(AssertionError):
            assert_same_selections(X, selected, w)
    with pytest.raises(AssertionError):  # one column taken twice is not it and its equal
        assert_same_selections(X, [3, 20], [3, 3])
    # without equal columns the comparison is plain equality: a near twin is another column
    X = MATRICES["near collinear"]()  # column 5 = column 4 + 1e-3 · column 6
    ours = cur_ranking(X).selected
    twin = ours.copy()
    twin[ours == 4], twin[ours == 5] = 5, 4
    with pytest.raises(AssertionError):
        assert_same_selections(X, ours, twin)
    assert_same_selections(X, ours, ours.copy())


def _direct_cur(X: np.ndarray, n: int) -> np.ndarray:
    """The textbook greedy CUR (k = 1): the top right singular vector of the residual,
    projected explicitly (twice, for orthogonality) at every step.  On one BLAS thread: two
    threads per test worker on a busy two-core machine made its hundreds of small SVDs and
    products 15 times slower (the selections it returns do not depend on the thread count)."""
    from threadpoolctl import threadpool_limits

    selected, Q = [], np.zeros((X.shape[0], 0))
    available = np.ones(X.shape[1], dtype=bool)
    with threadpool_limits(limits=1):
        for _ in range(n):
            residual = X - Q @ (Q.T @ X)
            residual -= Q @ (Q.T @ residual)
            score = np.linalg.svd(residual, full_matrices=False)[2][0] ** 2
            score[~available] = -np.inf
            c = int(np.argmax(score))
            selected.append(c)
            available[c] = False
            q = residual[:, c] - Q @ (Q.T @ residual[:, c])
            Q = np.column_stack([Q, q / np.linalg.norm(q)])
    return np.array(selected)


@pytest.mark.parametrize("seed, shape, decades", [(9, (200, 90, 70), 14), (3, (300, 120, 110), 13)])
@pytest.mark.parametrize("block", [3, 64])
def test_selections_equal_the_textbook_greedy_down_to_an_error_of_1e9(seed, shape, decades, block):
    """Singular values graded over 13-14 decades: every selection made while the error is
    above 1e-9 equals the one of the textbook algorithm (an SVD of the explicit residual)."""
    rng = np.random.default_rng(seed)
    n, d, r = shape
    U = np.linalg.qr(rng.normal(size=(n, r)))[0]
    V = np.linalg.qr(rng.normal(size=(d, r)))[0]
    X = (U * np.logspace(0, -decades, r)) @ V.T
    ours = cur_ranking(X, dense_below=4, block=block)
    above = 1 + int(np.sum(ours.errors[: ours.n_exact - 1] > 1e-9))  # the error before each of these is > 1e-9
    assert above > r // 2
    assert np.array_equal(ours.selected[:above], _direct_cur(X, above))


def test_a_choice_at_the_first_accuracy_is_refined_unless_its_lead_settles_it(monkeypatch):
    """The eigensolver stops first at a residual of 1e-6·θ; the leading columns' near twins
    (scaled copies, relative difference ~1e-5) make leads too small to be settled there, so
    those steps go on to 1e-10.  Both outcomes occur, and the selections equal the textbook's."""
    from descriptor_study import selection

    rng = np.random.default_rng(4)
    X = rng.standard_normal((400, 300)) @ np.diag(np.logspace(0, -4, 300))
    X[:, 150:160] = X[:, :10] * (1.0 + 1e-5 * rng.standard_normal(10))
    original, outcomes = selection._CarriedSubspace.settles, []

    def counted(self, score, j, safety=10.0):
        outcomes.append(original(self, score, j, safety))
        return outcomes[-1]

    monkeypatch.setattr(selection._CarriedSubspace, "settles", counted)
    ours = cur_ranking(X, dense_below=4)
    assert outcomes.count(True) > 20 and outcomes.count(False) >= 5
    above = 1 + int(np.sum(ours.errors[: ours.n_exact - 1] > 1e-9))
    assert above > 200
    assert np.array_equal(ours.selected[:above], _direct_cur(X, above))


def test_a_lead_that_settles_the_choice_at_the_first_accuracy_is_never_wrong():
    """The lead test against the exact eigenvector: 60 matrices whose leading right singular
    vector has two nearly equal largest entries (relative difference 1e-10..1e-2).  With
    the eigensolver stopped at 1e-6·θ, every choice the test settles equals the exact
    argmax, and some choices it did not settle were wrong (the test is needed)."""
    from descriptor_study.selection import _CarriedSubspace

    rng = np.random.default_rng(2)
    settled = wrong_settled = wrong_unsettled = 0
    for _ in range(60):
        eta = 10.0 ** rng.uniform(-10, -2)
        r, d = 200, 300
        V = rng.standard_normal((d, r))
        V[:, 0] *= 0.05
        V[0, 0], V[1, 0] = 1.0, 1.0 + eta
        V = np.linalg.qr(V)[0]
        Q = np.linalg.qr(rng.standard_normal((r, r)))[0]
        R = (Q * np.logspace(0, -3, r)) @ V.T
        K = np.asfortranarray(R @ R.T)
        sub = _CarriedSubspace(K, rng.standard_normal((20, r)))
        y = sub.top(K, 0, tol=1e-6)
        assert sub.last[1] <= 1e-6 * sub.last[0]
        score = (R.T @ y) ** 2
        j = int(np.argmax(score))
        exact = int(np.argmax((R.T @ np.linalg.eigh(K)[1][:, -1]) ** 2))
        if sub.settles(score, j):
            settled += 1
            wrong_settled += j != exact
        else:
            wrong_unsettled += j != exact
    assert wrong_settled == 0
    assert settled >= 5 and wrong_unsettled >= 3


@pytest.mark.parametrize("name", [k for k in MATRICES if "large" not in k])
def test_cur_errors_match_the_direct_formula(name):
    X = MATRICES[name]()
    ours = cur_ranking(X)
    direct = cur_errors_for(X, ours.selected[: ours.n_exact])
    assert np.max(np.abs(direct - ours.errors[: ours.n_exact])) < 1e-10
    assert ours.errors[-1] < 1e-10
    assert np.all(np.diff(ours.errors) <= 1e-12)


def test_rank_deficient_curve_reaches_zero_at_the_rank():
    X = _rank_deficient(8)
    ours = cur_ranking(X)
    assert ours.errors[6] > 1e-6 and ours.errors[7] < 1e-12  # rank 8
    assert ours.n_exact == 8


@pytest.mark.parametrize("name", ["random tall", "random wide", "duplicated columns"])
def test_fps_matches_skmatter_and_a_direct_loop(name):
    X = MATRICES[name]()
    ours = fps_ranking(X)
    ref = FPS(n_to_select=X.shape[1], initialize=0).fit(X).selected_idx_
    assert_same_selections(X, ours.selected, ref)
    # direct O(d^2) loop on explicit distances
    D = np.linalg.norm(X[:, :, None] - X[:, None, :], axis=0)
    chosen = [0]
    while len(chosen) < X.shape[1]:
        mind = D[:, chosen].min(axis=1)
        mind[chosen] = -1
        chosen.append(int(np.argmax(mind)))
    assert_same_selections(X, ours.selected, chosen)
    assert np.max(np.abs(cur_errors_for(X, ours.selected[:15]) - ours.errors[:15])) < 1e-10


def test_pca_matches_numpy():
    X = _random((80, 12), 9)
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False) ** 2
    assert np.allclose(pca_spectrum(X), s / s.sum(), rtol=1e-10, atol=1e-15)
    wide = _random((10, 30), 10)
    ratios = pca_spectrum(wide)
    assert len(ratios) == 30 and ratios[:9].min() > ZERO_LEVEL and ratios[10:].max() < ZERO_LEVEL


def test_drop_zero_columns():
    X = _random((10, 5), 11)
    X[:, [1, 3]] = 0.0
    kept_X, kept = drop_zero_columns(X)
    assert kept.tolist() == [0, 2, 4] and kept_X.shape == (10, 3)


def test_selection_csv_uses_full_column_numbers(tmp_path):
    X = _random((50, 6), 12)
    X = np.insert(X, 2, 0.0, axis=1)  # column 2 all zero
    stored = storage.StoredRepresentation(
        matrix=X,
        offsets=np.arange(51),
        n_atoms=np.ones(50, int),
        representation="R",
        dataset="D",
        species=["Si"],
        params={},
        versions={},
    )
    df = run_selection("cur", stored, tmp_path / "cur.csv")
    back = pd.read_csv(tmp_path / "cur.csv")
    assert list(back.columns) == ["rank", "feature", "percent", "error"]
    assert 2 not in back["feature"].tolist() and sorted(back["feature"]) == [0, 1, 3, 4, 5, 6]
    assert back["percent"].iloc[-1] == 100.0
    assert np.allclose(back["error"], df["error"], rtol=1e-15)
    pca = run_selection("pca", stored, tmp_path / "pca.csv")
    assert np.isclose(pca["variance_ratio"].sum(), 1.0)


def test_compressibility_on_known_rank():
    X = _rank_deficient(13)  # rank 8 of 30 columns
    r = cur_ranking(X)
    df = pd.DataFrame({"rank": np.arange(1, 31), "error": r.errors})
    assert plateau_start(r.errors) == 8
    table = compressibility({("R", "D"): df})
    row = table.iloc[0]
    assert row["n_plateau"] == 8 and row["n_below_1e-3"] <= 8 and row["percent_plateau"] == round(800 / 30, 1)


def test_the_compressibility_stage_takes_the_names_from_the_records(tmp_path):
    """The table's representation and dataset are the records', whatever the paths say."""
    X = _rank_deficient(13)
    r = cur_ranking(X)
    df = pd.DataFrame({"rank": np.arange(1, 31), "error": r.errors})
    path = tmp_path / "cur" / "other-dataset" / "other-rep.csv"
    path.parent.mkdir(parents=True)
    df.to_csv(path, index=False)
    csv, md = tmp_path / "compressibility.csv", tmp_path / "compressibility.md"
    got = stages.compressibility(
        CompressibilityJob(
            [{"rep": "R", "dataset": "D", "path": str(path)}, {"variant": "R-std", "dataset": "D", "path": path}],
            csv,
            md,
        )
    )
    expected = compressibility({("R", "D"): df, ("R-std", "D"): df})
    pd.testing.assert_frame_equal(got, expected)
    assert got[["representation", "dataset"]].values.tolist() == [["R", "D"], ["R-std", "D"]]
    assert got["n_plateau"].tolist() == [8, 8]
    pd.testing.assert_frame_equal(pd.read_csv(csv), got)
    assert md.read_text().startswith("Compressibility (CUR)\n\n| representation | dataset |")


def test_a_stalled_iterative_step_falls_back_to_the_dense_solver(monkeypatch):
    """When the carried-subspace eigensolver gives up (as it once did on the real AlNiCu SOAP
    matrix after 2352 selections), that step is solved densely and the ranking goes on:
    the selections equal the all-dense ones."""
    from descriptor_study import selection

    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 120)) @ np.diag(np.logspace(0, -6, 120))
    original, calls = selection._CarriedSubspace.top, {"n": 0}

    def flaky(self, K, pivot, tol=1e-10):
        calls["n"] += 1
        if calls["n"] in (3, 40):
            raise RuntimeError("CUR eigensolver: no convergence (test)")
        return original(self, K, pivot, tol)

    monkeypatch.setattr(selection._CarriedSubspace, "top", flaky)
    iterative = cur_ranking(X, dense_below=4)
    dense = cur_ranking(X, dense_below=10**9)
    assert calls["n"] > 40
    n = min(iterative.n_exact, dense.n_exact)
    assert n > 100
    assert np.array_equal(iterative.selected[:n], dense.selected[:n])
    assert np.allclose(iterative.errors[:n], dense.errors[:n], rtol=1e-8, atol=1e-14)


# --- the blocked, copy-free passes (forced to many small blocks) -------------------------


@pytest.fixture
def small_blocks(monkeypatch):
    from descriptor_study import selection

    monkeypatch.setattr(selection, "BLOCK_BYTES", 8 * 7 * 13)  # a few rows per block, a remainder block


def test_blocked_gram_and_centred_gram_equal_the_direct_products(small_blocks):
    from descriptor_study.selection import gram

    X = _random((101, 13), 20) + 5.0
    assert np.allclose(gram(X), X.T @ X, rtol=1e-13, atol=0)
    mu = X.mean(axis=0)
    Xc = X - mu
    assert np.allclose(gram(X, centre=mu), Xc.T @ Xc, rtol=1e-12, atol=1e-12 * np.abs(Xc.T @ Xc).max())
    F = np.asfortranarray(X)  # not C-contiguous: blocks are copied, the result is the same
    assert np.allclose(gram(F), X.T @ X, rtol=1e-13, atol=0)


def test_blocked_triangular_factor_has_the_gram_matrix_and_singular_values_of_x(small_blocks):
    """The block-by-block Householder factor (LAPACK dtpqrt) keeps singular values down
    to round-off of the largest, as a QR of the whole matrix does."""
    from descriptor_study.selection import _compact

    rng = np.random.default_rng(21)
    U = np.linalg.qr(rng.normal(size=(300, 40)))[0]
    V = np.linalg.qr(rng.normal(size=(40, 40)))[0]
    X = (U * np.logspace(0, -13, 40)) @ V.T
    R = _compact(X)
    assert R.shape == (40, 40) and np.array_equal(R, np.triu(R))
    assert np.allclose(R.T @ R, X.T @ X, rtol=0, atol=1e-15)
    direct = np.linalg.svd(X, compute_uv=False)
    assert np.max(np.abs(np.linalg.svd(R, compute_uv=False) - direct)) < 1e-15


def test_blocked_error_curve_equals_the_direct_formula_in_any_order():
    """The blocked Householder curve (panels of 5 columns, dependent columns skipped) for a
    given order equals the pseudo-inverse formula, duplicated and dependent columns included."""
    from descriptor_study.selection import _compact, _errors_in_order, column_norms

    for X in (_duplicated(22), _rank_deficient(23), _random((40, 60), 24)):
        order = np.random.default_rng(25).permutation(X.shape[1])
        cn = column_norms(X)
        got = _errors_in_order(_compact(X), order, cn, float(np.linalg.norm(X)), block=5)
        direct = cur_errors_for(X, order)
        assert np.max(np.abs(got - direct)) < 1e-10
        assert np.all(np.diff(got) <= 1e-12)


def test_fps_curve_equals_the_direct_formula_over_all_selections():
    X = _duplicated(26)
    ours = fps_ranking(X)
    assert np.max(np.abs(cur_errors_for(X, ours.selected) - ours.errors)) < 1e-10


def test_drop_zero_columns_in_place_compacts_the_same_buffer(small_blocks):
    X = _random((57, 9), 27)
    X[:, [0, 4, 8]] = 0.0
    expected = X[:, [1, 2, 3, 5, 6, 7]].copy()
    buffer = X.ctypes.data
    kept_X, kept = drop_zero_columns(X, overwrite=True)
    assert kept.tolist() == [1, 2, 3, 5, 6, 7]
    assert np.array_equal(kept_X, expected) and kept_X.ctypes.data == buffer
    Y = _random((20, 4), 28)
    assert drop_zero_columns(Y)[0] is Y  # nothing to drop: no copy


def test_standardise_in_place_equals_the_direct_formula(small_blocks):
    from descriptor_study.selection import standardise_columns

    X = _random((61, 7), 29) + 3.0
    X[:, 2] = 4.0  # constant: left at zero
    std = X.std(axis=0)
    std[std == 0] = 1.0
    direct = (X - X.mean(axis=0)) / std
    assert np.allclose(standardise_columns(X), direct, rtol=1e-12, atol=1e-13)
    out = standardise_columns(X, overwrite=True)
    assert out is X and np.allclose(X, direct, rtol=1e-12, atol=1e-13)


def test_pca_blocked_equals_numpy_tall_and_wide(small_blocks):
    for X in (_random((97, 11), 30) + 10.0, _random((9, 40), 31) + 10.0):
        Xc = X - X.mean(axis=0)
        s = np.linalg.svd(Xc, compute_uv=False) ** 2
        expected = np.concatenate([s, np.zeros(X.shape[1] - len(s))]) / s.sum()
        assert np.allclose(pca_spectrum(X), expected, rtol=1e-9, atol=1e-14)


def test_selection_from_a_stored_matrix_changed_in_place_gives_the_same_csv(tmp_path):
    """run_selection(..., overwrite=True) (the workflow's call) drops zero columns and
    standardises inside the stored matrix's own buffer: same results as with copies."""
    X = _random((60, 8), 32)
    X[:, [1, 6]] = 0.0

    def stored():
        return storage.StoredRepresentation(
            matrix=X.copy(),
            offsets=np.arange(61),
            n_atoms=np.ones(60, int),
            representation="R",
            dataset="D",
            species=["Si"],
            params={},
            versions={},
        )

    for method in METHODS:
        for standardise in (False, True):
            a = run_selection(method, stored(), tmp_path / "a.csv", standardise=standardise)
            b = run_selection(method, stored(), tmp_path / "b.csv", standardise=standardise, overwrite=True)
            pd.testing.assert_frame_equal(a, b, rtol=1e-12)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(150, 20), (40, 1)])
def test_rankings_leave_the_callers_matrix_unchanged(order, shape):
    # the QR factor overwrites the block of rows it is given; a Fortran-ordered X (or a
    # single column) used to be that block itself, so the caller's array was changed
    X = np.asarray(_random(shape, 11), order=order)
    before = X.copy()
    cur = cur_ranking(X)
    np.testing.assert_array_equal(X, before)
    fps = fps_ranking(X)
    np.testing.assert_array_equal(X, before)
    # with overwrite the caller gives X up as scratch space; the rankings are the same
    mine = np.array(before, order=order)
    np.testing.assert_array_equal(cur_ranking(mine, overwrite=True).selected, cur.selected)
    mine = np.array(before, order=order)
    np.testing.assert_array_equal(fps_ranking(mine, overwrite=True).errors, fps.errors)
