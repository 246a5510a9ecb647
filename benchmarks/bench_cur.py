"""CUR on the real AlNiCu SOAP matrix (27,987 × 3780): our full ranking and curve against
scikit-matter's CUR(k=1, recompute_every=1) timed over its first selections.

    python benchmarks/bench_cur.py [--skmatter-steps 20]

Needs ../shared/datasets/AlNiCu/dataset_AlNiCu.extxyz (or results/representations/AlNiCu/SOAP.h5).
The matrix is cached in benchmarks/out/alnicu_soap.npy.  Writes benchmarks/out/cur.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def alnicu_soap() -> np.ndarray:
    cache = OUT / "alnicu_soap.npy"
    if cache.exists():
        return np.load(cache)
    stored = ROOT / "results/representations/AlNiCu/SOAP.h5"
    if stored.exists():
        from descriptor_study import storage

        X = storage.read(stored).matrix
    else:
        from descriptor_study.datasets import read_structures
        from descriptor_study.representations import build

        structures = read_structures(ROOT.parent / "shared/datasets/AlNiCu/dataset_AlNiCu.extxyz", require_energy=False)
        X, _ = build("SOAP", ["Al", "Ni", "Cu"]).compute_many(structures, progress=True)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(cache, X)
    return X


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skmatter-steps", type=int, default=20)
    args = ap.parse_args()
    from skmatter.feature_selection import CUR

    from descriptor_study.selection import cur_ranking, drop_zero_columns

    X, _ = drop_zero_columns(alnicu_soap())
    print(f"matrix {X.shape}")
    t = time.perf_counter()
    ours = cur_ranking(X, progress=True)
    t_ours = time.perf_counter() - t
    k = args.skmatter_steps
    t = time.perf_counter()
    ref = CUR(n_to_select=k, recompute_every=1, k=1).fit(X)
    t_ref = time.perf_counter() - t
    same = bool(np.array_equal(ref.selected_idx_, ours.selected[:k]))
    per_ours = t_ours / X.shape[1]
    per_ref = t_ref / k
    lines = [
        f"| matrix | ours: full ranking + curve | ours per selection | scikit-matter per selection (first {k}) | ratio | first {k} identical |",
        "|---|---|---|---|---|---|",
        f"| AlNiCu SOAP {X.shape[0]} × {X.shape[1]} | {t_ours:.1f} s ({ours.n_exact} exact selections before the round-off floor) "
        f"| {per_ours * 1e3:.1f} ms | {per_ref:.2f} s | {per_ref / per_ours:.0f}× | {same} |",
    ]
    text = "\n".join(lines)
    print(text)
    (OUT / "cur.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
