"""Time per environment of the ACE representation on the AlNiCu dataset.

Usage (from the repository root)::

    python benchmarks/bench_ace.py [--limit N] [--degree D] [--correlation-order NU]
                                   [--radial-start S] [--species-resolved]

Reads ``../shared/datasets/AlNiCu/dataset_AlNiCu.extxyz`` beside the checkout (or
``--path``), evaluates ``compute_many`` over the first ``--limit`` structures (all by
default) and prints the basis size, wall time and time per environment.  The first
chunk's compilation is included in the wall time and also reported on its own.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import ase.io

from descriptor_study.representations import build

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "datasets" / "AlNiCu" / "dataset_AlNiCu.extxyz"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--path", type=Path, default=DEFAULT)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--degree", type=float, default=6)
    p.add_argument("--correlation-order", type=int, default=4)
    p.add_argument("--radial-start", type=int, default=1)
    p.add_argument("--species-resolved", action="store_true")
    a = p.parse_args()

    t = time.perf_counter()
    index = ":" if a.limit is None else f":{a.limit}"
    structures = ase.io.read(a.path, index=index)
    t_read = time.perf_counter() - t
    species = sorted({s for at in structures for s in at.get_chemical_symbols()})
    n_env = sum(len(at) for at in structures)

    t = time.perf_counter()
    rep = build(
        "ACE",
        species,
        {
            "degree": a.degree,
            "correlation_order": a.correlation_order,
            "radial_start": a.radial_start,
            "species_resolved": a.species_resolved,
        },
    )
    t_basis = time.perf_counter() - t
    t = time.perf_counter()
    rep.compute(structures[0])  # compile the first neighbour bucket
    t_first = time.perf_counter() - t
    t = time.perf_counter()
    X, _ = rep.compute_many(structures, progress=True)
    t_all = time.perf_counter() - t

    print(f"dataset           {a.path.name}: {len(structures)} structures, {n_env} environments")
    print(f"parameters        {rep.describe()['params']}")
    print(f"features          {rep.n_features} (matrix {X.shape})")
    print(f"read              {t_read:.1f} s")
    print(f"basis + coupling  {t_basis:.2f} s")
    print(f"first structure   {t_first:.2f} s (includes compilation)")
    print(f"compute_many      {t_all:.1f} s = {1e3 * t_all / n_env:.3f} ms per environment")


if __name__ == "__main__":
    main()
