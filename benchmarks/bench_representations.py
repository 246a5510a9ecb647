"""The representation stage on the real AlNiCu set against the bare library call.

    python benchmarks/bench_representations.py [--n-jobs 2] [--limit N] [--repeat 2] [--reps ACSF SOAP ...]

For each library-backed representation: our ``compute_many`` (species check, row
assembly, output checks) against the library's own call with the same parameters and
the same number of jobs, alternated ``--repeat`` times, best time of each kept.  ACE is
compared with ace-jax's own site descriptors of a species-blind basis of the same order,
degree and cutoff (see ``ace_jax_call``).  Own-code representations (ACSF-X, CHSF,
CHSF-mix) are timed alone.  Writes benchmarks/out/representations.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "AlNiCu" / "dataset_AlNiCu.extxyz"


def bare_calls(rep, structures, n_jobs):
    """The library call our class wraps, with the same parameters."""
    name = rep.name
    if name == "ACSF":
        d = rep._descriptor(True)
        return lambda: d.create(structures, n_jobs=n_jobs)
    if name == "SOAPlite":
        d = rep._descriptor(True)
        return lambda: d.create(structures, n_jobs=n_jobs)
    if name == "MBTR":
        k2, k3 = rep._pair(True)
        return lambda: (k2.create(structures, n_jobs=n_jobs), k3.create(structures, n_jobs=n_jobs))
    if name == "SOAP":
        from quippy.descriptors import Descriptor

        d = Descriptor(rep.quip_args)
        return lambda: [d.calc(a) for a in structures]
    if name == "ACE" and not rep.species_resolved and rep.backend == "jax":
        return ace_jax_call(rep, structures)
    return None


def ace_jax_call(rep, structures):
    """ace-jax's own site descriptors (``ace_jax.eval.api.site_descriptors``) of a
    species-blind basis of the same correlation order, total degree, wL and cutoff (every
    atom taken as one element: ours is species-blind too).  Not the same basis (ace-jax's
    radial functions and its pair features: 35 columns against our 29 at degree 6), but the
    library's whole-structure evaluation of a basis of that size."""
    import jax
    import numpy as np
    from ace_jax.basis.model import build_model
    from ace_jax.eval.api import site_descriptors

    jax.config.update("jax_enable_x64", True)
    model, meta = build_model(["Cu"], rep.correlation_order, rep.degree, wL=rep.wL, rcut=rep.cutoff).eval_pair()
    blind = [np.full(len(a), 29) for a in structures]

    def call():
        return [
            site_descriptors(model, a.positions, z, a.cell.array, a.pbc, meta=meta) for a, z in zip(structures, blind)
        ]

    return call


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here (benchmarks/goals.py reads it)")
    ap.add_argument(
        "--reps", nargs="+", default=["ACSF", "SOAP", "SOAPlite", "MBTR", "ACSF-X", "CHSF", "CHSF-mix", "ACE"]
    )
    args = ap.parse_args()
    from descriptor_study.datasets import read_structures
    from descriptor_study.representations import build

    structures = read_structures(DATA, require_energy=False)[: args.limit]
    n_env = sum(len(a) for a in structures)
    lines = [
        f"AlNiCu: {len(structures)} structures, {n_env} environments, n_jobs = {args.n_jobs}",
        "",
        "| rep | ours (s) | bare library call (s) | ratio | ms per environment |",
        "|---|---|---|---|---|",
    ]

    def timed(call):
        t = time.perf_counter()
        call()
        return time.perf_counter() - t

    results = {}
    for name in args.reps:
        rep = build(name, ["Al", "Ni", "Cu"])
        bare = bare_calls(rep, structures, args.n_jobs)
        ours, ref = float("inf"), float("inf")
        for _ in range(args.repeat if bare is not None else 1):
            ours = min(ours, timed(lambda: rep.compute_many(structures, n_jobs=args.n_jobs, progress=False)))
            if bare is not None:
                ref = min(ref, timed(bare))
        if bare is not None:
            lines.append(f"| {name} | {ours:.1f} | {ref:.1f} | {ours / ref:.2f} | {1e3 * ours / n_env:.2f} |")
        else:
            lines.append(f"| {name} | {ours:.1f} | (own code) | | {1e3 * ours / n_env:.2f} |")
        results[name] = {"ours": ours, "bare": ref if bare is not None else None}
        print(lines[-1], flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"representations{'' if args.reps == ap.get_default('reps') else '-' + '-'.join(args.reps)}.md").write_text(
        "\n".join(lines) + "\n"
    )
    if args.json:
        args.json.write_text(json.dumps({"problem": lines[0], "reps": results}, indent=1))


if __name__ == "__main__":
    main()
