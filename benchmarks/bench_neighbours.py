"""The neighbour search of ACSF-X, ACE and the dataset check: ASE's ``neighbor_list`` against
``neighbours.ase_neighbor_list`` (the same arrays in the same order), and the time of
ACSF-X's rows, whose sums the search dominated.

    python benchmarks/bench_neighbours.py [--every 10]

On every ``--every``-th structure of the offline reproduction's two datasets (AlNiCu and
TiO2 from ../shared/datasets), one thread, one after the other in the same process:

1. for each radius the representations use (ACSF-X's 4, 8 and 12 bohr, ACE's 6.5 Å) and
   the dataset check's 0.5 Å: seconds of ASE's call and of ours over the structures, and
   whether every array is equal (it must be: the representations sum in that order);
2. ACSF-X's rows of those structures (``compute_many``), seconds.

Writes benchmarks/out/neighbours.md.  Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATASETS = {
    "AlNiCu": (ROOT.parent / "shared/datasets/AlNiCu/dataset_AlNiCu.extxyz", ["Al", "Ni", "Cu"]),
    "TiO2": (ROOT.parent / "shared/datasets/TiO2-aenet/TiO2-aenet.extxyz", ["O", "Ti"]),
}


def main() -> None:
    from ase.io import read
    from ase.neighborlist import neighbor_list
    from threadpoolctl import threadpool_limits

    from descriptor_study.datasets.io import SUSPICIOUS_DISTANCE
    from descriptor_study.representations import build, get_class
    from descriptor_study.representations.acsf_x import ANGULAR_SETS, BOHR, RADIAL_RC_BOHR
    from descriptor_study.representations.neighbours import ase_neighbor_list

    # the radii searched: the dataset check's, ACSF-X's (radial and angular sets) and ACE's default
    ace_cutoff = get_class("ACE").defaults()["cutoff"]
    bohr = sorted(set(RADIAL_RC_BOHR) | {rc for rc, _ in ANGULAR_SETS})
    radii = {"dataset check": SUSPICIOUS_DISTANCE, **{f"{rc:g} bohr": rc * BOHR for rc in bohr}}
    radii[f"ACE {ace_cutoff:g} Å"] = ace_cutoff

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=10, help="take every n-th structure")
    args = parser.parse_args()
    threadpool_limits(1)
    lines = [
        "| dataset | search | structures | ASE s | ours s | ratio | arrays equal |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    rows = ["| dataset | structures | atoms | ACSF-X rows s |", "|---|---:|---:|---:|"]
    for name, (path, species) in DATASETS.items():
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        structures = read(path, index=f"::{args.every}")
        for what, rc in radii.items():
            t = time.perf_counter()
            ref = [neighbor_list("ijdD", a, rc) for a in structures]
            t_ase = time.perf_counter() - t
            t = time.perf_counter()
            got = [ase_neighbor_list(a, rc) for a in structures]
            t_ours = time.perf_counter() - t
            same = all(all(np.array_equal(x, y) for x, y in zip(r, g)) for r, g in zip(ref, got))
            line = f"| {name} | {what} ({rc:.3f} Å) | {len(structures)} | {t_ase:.2f} | {t_ours:.2f} | {t_ase / t_ours:.2f} | {same} |"
            print(line, flush=True)
            lines.append(line)
        t = time.perf_counter()
        build("ACSF-X", species).compute_many(structures)
        line = f"| {name} | {len(structures)} | {sum(len(a) for a in structures)} | {time.perf_counter() - t:.2f} |"
        print(line, flush=True)
        rows.append(line)
    out = ROOT / "benchmarks" / "out" / "neighbours.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n\n" + "\n".join(rows) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
