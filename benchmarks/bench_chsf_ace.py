"""Time per atomic environment of representations on the real AlNiCu set (27,987 atoms),
and of one centre against the whole 512-atom Si cell of the sensitivity study.

Usage::

    PYTHONPATH=src python benchmarks/bench_chsf_ace.py [--limit N] [--only CHSF CHSF-mix]

A representation is one entry of ``BENCHMARKS`` (registry key, parameters).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from ase.build import bulk
from ase.io import read

from descriptor_study.representations import build

REPO = Path(__file__).resolve().parents[1]
ALNICU = REPO.parent / "shared" / "datasets" / "AlNiCu" / "dataset_AlNiCu.extxyz"

#: (registry key, parameters): add a line to benchmark another representation
BENCHMARKS: list[tuple[str, dict]] = [
    ("CHSF", {"n": 9, "l": 9}),
    ("CHSF-mix", {"n": 9, "l": 9}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ALNICU)
    parser.add_argument("--limit", type=int, default=None, help="first N structures only")
    parser.add_argument("--only", nargs="*", default=None, help="registry keys to run")
    args = parser.parse_args()

    structures = read(args.dataset, index=":" if args.limit is None else f":{args.limit}")
    species = sorted({s for a in structures for s in a.get_chemical_symbols()})
    n_env = sum(len(a) for a in structures)
    print(f"{args.dataset.name}: {len(structures)} structures, {n_env} environments, {species}")
    si = bulk("Si", "diamond", a=5.43, cubic=True).repeat((4, 4, 4))

    print(
        f"{'rep':10s} {'features':>8s} {'total s':>9s} {'us/env':>9s} {'Si512 all s':>11s} {'Si512 1 centre ms':>17s}"
    )
    for name, params in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        rep = build(name, species, params)
        t0 = time.perf_counter()
        matrix, _ = rep.compute_many(structures, progress=False)
        total = time.perf_counter() - t0
        assert np.isfinite(matrix).all()
        rep_si = build(name, ["Si"], params)
        t0 = time.perf_counter()
        rep_si.compute(si)
        t_all = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep_si.compute(si, centers=[0])
        t_one = time.perf_counter() - t0
        print(
            f"{name:10s} {rep.n_features:8d} {total:9.1f} {1e6 * total / n_env:9.1f} {t_all:11.2f} {1e3 * t_one:17.1f}"
        )


if __name__ == "__main__":
    main()
