"""The regression sweep (Figure 9) against single solves at the full feature count, on the real
AlNiCu SOAP structure vectors (3337 structures × 3780 features, a seeded 80/20 split as the
workflow's).

    python benchmarks/bench_regression.py [--structures 3337] [--every-size [--cv-sizes 0]]

Rows: one RR solve and one KRR solve with all features (normalisation, distances, factorisation,
predictions), the sweeps over the workflow's sizes (``sweep_sizes``, the default n_top) with fixed
hyperparameters (each row with its held-out error), and the default route: the cross-validated
search once at all features (5 folds, 15 λ, for KRR × 6 γ) followed by its sweep.
``--every-size`` adds the option of searching again at every size, which does one KRR
factorisation per size, fold and γ; ``--cv-sizes k`` times that on k sizes spread over the
list and scales to all sizes (marked "extrapolated"), 0 runs every size.  ``--structures``
takes a seeded subset of the structures.

Needs ../shared/datasets/AlNiCu/dataset_AlNiCu.extxyz (or the cache).  The per-atom SOAP matrix
is cached in benchmarks/out/alnicu_soap.npy (shared with bench_dimensionality.py), the structure vectors in
benchmarks/out/alnicu_soap_structures.npz.  Writes benchmarks/out/regression.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DATASET = ROOT.parent / "shared/datasets/AlNiCu/dataset_AlNiCu.extxyz"


def alnicu_structure_vectors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(structure vectors, atom counts, total energies) of the AlNiCu set, SOAP."""
    cache = OUT / "alnicu_soap_structures.npz"
    if cache.exists():
        got = np.load(cache)
        return got["X"], got["n_atoms"], got["energy"]
    from descriptor_study.datasets import read_structures

    structures = read_structures(DATASET, require_energy=False)
    n_atoms = np.array([len(a) for a in structures])
    energy = np.array([float(a.info.get("energy", a.info.get("nomad_total_energy", np.nan))) for a in structures])
    per_atom = OUT / "alnicu_soap.npy"
    if per_atom.exists():
        M = np.load(per_atom)
    else:
        from descriptor_study.representations import build

        M, _ = build("SOAP", ["Al", "Ni", "Cu"]).compute_many(structures, progress=True)
        OUT.mkdir(parents=True, exist_ok=True)
        np.save(per_atom, M)
    offsets = np.concatenate([[0], np.cumsum(n_atoms)])
    X = np.add.reduceat(M, offsets[:-1], axis=0)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(cache, X=X, n_atoms=n_atoms, energy=energy)
    return X, n_atoms, energy


def problem(n_structures: int | None):
    from descriptor_study.regression.models import (
        Problem,
    )
    from descriptor_study.splits import random_split

    X, n_atoms, energy = alnicu_structure_vectors()
    if n_structures and n_structures < len(X):
        keep = np.sort(np.random.default_rng(1).choice(len(X), n_structures, replace=False))
        X, n_atoms, energy = X[keep], n_atoms[keep], energy[keep]
    X = X[:, np.sqrt(np.mean(X**2, axis=0)) > 0]  # the selection drops all-zero columns
    # a cohesive-energy-like target: total energy minus a least-squares energy per atom
    y = energy - n_atoms * (energy @ n_atoms) / (n_atoms @ n_atoms) if np.all(np.isfinite(energy)) else n_atoms * 0.1
    train, test = random_split(len(y), 0.8, 0)
    return Problem(X, y, n_atoms.astype(float), train, test)


def single_rr(P, lam):
    from descriptor_study.regression.models import (
        normalise,
        ridge_qr,
        rmse_per_atom,
    )

    Xtr, Xte = normalise(P.X[P.train], P.X[P.test])
    c = ridge_qr(Xtr, P.y[P.train], lam)
    return rmse_per_atom(Xte @ c, P.y[P.test], P.n_atoms[P.test])


def single_krr(P, lam, gamma):
    import scipy.linalg

    from descriptor_study.regression.models import (
        _add_squared_distances,
        normalise,
        rmse_per_atom,
    )

    Xtr, Xte = normalise(P.X[P.train], P.X[P.test])
    Dtr, Dte = np.zeros((len(Xtr), len(Xtr))), np.zeros((len(Xte), len(Xtr)))
    _add_squared_distances(Dtr, Xtr)
    _add_squared_distances(Dte, Xte, Xtr)
    coef = scipy.linalg.solve(np.exp(-gamma * Dtr) + lam * np.eye(len(Xtr)), P.y[P.train], assume_a="pos")
    return rmse_per_atom(np.exp(-gamma * Dte) @ coef, P.y[P.test], P.n_atoms[P.test])


def median_distance(P) -> float:
    from descriptor_study.regression.models import (
        _add_squared_distances,
        normalise,
    )

    Xtr = normalise(P.X[P.train], P.X[P.train])[0]
    D = np.zeros((len(Xtr), len(Xtr)))
    _add_squared_distances(D, Xtr)
    return float(np.median(D[np.triu_indices(len(D), 1)]))


def distance_rounding(P, gamma: float, rows: int = 400) -> float:
    """Largest |γ·(D − D_exact)| over the first ``rows`` training structures: the matrix-product
    distances against explicit differences."""
    from descriptor_study.regression.models import (
        _add_squared_distances,
        normalise,
    )

    Xtr = normalise(P.X[P.train], P.X[P.train])[0][:rows]
    D = np.zeros((len(Xtr), len(Xtr)))
    _add_squared_distances(D, Xtr)
    exact = np.zeros_like(D)
    for i in range(len(Xtr)):
        exact[i] = np.sum((Xtr - Xtr[i]) ** 2, axis=1)
    return float(np.max(np.abs(gamma * (D - exact))))


def timed(f, *args):
    """Seconds and result of f(*args), under the BLAS thread policy the sweep uses for this size."""
    from descriptor_study.regression.models import (
        _blas_threads,
    )

    P = args[0]
    with _blas_threads(len(P.train)):
        t = time.perf_counter()
        out = f(*args)
        return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--structures", type=int, default=None, help="a seeded subset of this many structures")
    ap.add_argument("--cv-sizes", type=int, default=6, help="KRR CV timed on this many sizes, scaled (0: all)")
    ap.add_argument("--skip-cv", action="store_true", help="leave out the sweeps with their search")
    ap.add_argument("--every-size", action="store_true", help="also time the search at every size (the option)")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here (benchmarks/goals.py reads it)")
    args = ap.parse_args()
    from descriptor_study.regression.search import choose, cross_validate, cv_grid
    from descriptor_study.regression.sweep import feature_sweep, sweep_sizes
    from descriptor_study.vocabulary import N_TOP

    P = problem(args.structures)
    p = P.X.shape[1]
    ranking = np.argsort(-np.sqrt(np.mean(P.X[P.train] ** 2, axis=0)), kind="stable")  # order does not change the work
    sizes = sweep_sizes(p, N_TOP)
    lam, gamma = 1e-6, 1.0 / median_distance(P)
    print(f"{len(P.y)} structures ({len(P.train)} train), {p} features, {len(sizes)} sizes")
    rounding = distance_rounding(P, 3.0 * gamma)  # the largest γ of the CV grid
    rows = []
    t_rr, rmse = timed(single_rr, P, lam)
    rows.append(("rr_one", f"RR, one solve, n = {p}", t_rr, "RR", f"test RMSE {rmse:.4g}"))
    t_krr, rmse = timed(single_krr, P, lam, gamma)
    rows.append(("krr_one", f"KRR, one solve, n = {p}", t_krr, "KRR", f"test RMSE {rmse:.4g}"))
    print(rows)
    t, _ = timed(feature_sweep, P, ranking, "rr", {"rr_lambda": lam}, sizes)
    rows.append(("rr_sweep", f"RR sweep, fixed λ, {len(sizes)} sizes", t, "RR", ""))
    t, _ = timed(feature_sweep, P, ranking, "krr", {"krr_lambda": lam, "krr_gamma": gamma}, sizes)
    rows.append(("krr_sweep", f"KRR sweep, fixed λ and γ, {len(sizes)} sizes", t, "KRR", ""))
    print(rows[-2:])
    if not args.skip_cv:
        for model, key in (("rr", "rr_cv"), ("krr", "krr_cv")):  # the default: one search at all features
            t_grid, grid = timed(cv_grid, P, model)
            chosen = choose(grid, model)
            t_sw, _ = timed(feature_sweep, P, ranking, model, chosen, sizes)
            what = (
                f"{model.upper()} sweep + CV search once at all features ({len(grid)} candidates), {len(sizes)} sizes"
            )
            rows.append((key, what, t_grid + t_sw, model.upper(), f"search {t_grid:.2f} s, chose {chosen}"))
            print(rows[-1])
    if args.every_size:
        t_cv, table = timed(cross_validate, P, ranking, "rr", sizes)
        t_sw, _ = timed(feature_sweep, P, ranking, "rr", table, sizes)
        what = f"RR sweep + CV search at every size (5 folds × 15 λ), {len(sizes)} sizes"
        rows.append(("rr_every", what, t_cv + t_sw, "RR", ""))
        print(rows[-1])
        k = args.cv_sizes
        part = sizes if not k or k >= len(sizes) else sizes[np.unique(np.linspace(0, len(sizes) - 1, k).astype(int))]
        t_cv, table = timed(cross_validate, P, ranking, "krr", part)
        t_sw, _ = timed(feature_sweep, P, ranking, "krr", table, part)
        scale = len(sizes) / len(part)
        note = "" if scale == 1 else f"extrapolated: {len(part)} sizes timed ({t_cv + t_sw:.1f} s) × {scale:.1f}"
        what = f"KRR sweep + CV search at every size (5 folds × 15 λ × 6 γ), {len(sizes)} sizes"
        rows.append(("krr_every", what, (t_cv + t_sw) * scale, "KRR", note))
        print(rows[-1])
    single = {"RR": t_rr, "KRR": t_krr}
    lines = [
        f"AlNiCu SOAP structure vectors: {len(P.y)} structures ({len(P.train)} train, {len(P.test)} test), "
        f"{p} features, {len(sizes)} sweep sizes; largest |γ·ΔD| of the matrix-product distances against "
        f"explicit differences (400 structures, γ = 3/median): {rounding:.1e}",
        "",
        "| what | seconds | ratio to one solve of the same model | note |",
        "|---|---|---|---|",
    ]
    lines += [f"| {w} | {t:.2f} | {t / single[m]:.1f} | {note} |" for _, w, t, m, note in rows]
    text = "\n".join(lines)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "regression.md").write_text(text + "\n")
    if args.json:
        rows_json = {k: {"what": w, "seconds": t, "ratio": t / single[m], "note": note} for k, w, t, m, note in rows}
        args.json.write_text(json.dumps({"problem": lines[0], **rows_json}, indent=1))


if __name__ == "__main__":
    main()
