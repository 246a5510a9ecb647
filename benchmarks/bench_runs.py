"""Whole workflow runs from scratch, timed, with seconds and peak memory per rule.

    python benchmarks/bench_runs.py [--runs default alnicu tio2] [--cores 2]

Each run goes into a fresh scratch directory (``snakemake --directory``) with the
repository's own Snakefile and configs, as a user calls them:

- ``default``: ``snakemake --cores N`` on the embedded default config (the two demo datasets,
  every stage).  Goal: under 5 minutes on 2 cores.
- ``alnicu``: the real AlNiCu set with the paper's settings (``config/reproduce-offline.yaml``):
  the dataset, the eight representations and ACE at the four degrees of Figure 6h, and every
  CUR, FPS and PCA curve of it.  Goal: under 10 minutes on 2 cores.  Needs ../shared/datasets.
- ``tio2``: the paper's TiO2 set (165,229 environments) with the paper's settings: the eight
  representations and their CUR and PCA curves.  Goal: within 24 GiB.  Needs ../shared/datasets.

The two real-data runs take the offline copies beside the checkout as the download mirror
(passed with ``--config``, so the scratch directory needs no ``../shared``).  The report,
``benchmarks/out/runs.md``, holds the wall time of each run and the per-rule table of
``benchmarks/rule_table.py`` (jobs, seconds, CPU seconds, peak resident memory).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "benchmarks"))

import rule_table  # noqa: E402 (a sibling script)

REPS = ["ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"]
ACE_DEGREES = [6, 9, 12, 15]


def alnicu_targets() -> list[str]:
    names = REPS + [f"ACE-degree{d}" for d in ACE_DEGREES]
    out = [f"results/representations/AlNiCu/{n}.h5" for n in names]
    out += [f"results/dimensionality/cur/AlNiCu/{n}.csv" for n in names]
    out += [f"results/dimensionality/{m}/AlNiCu/{r}.csv" for m in ("fps", "pca") for r in REPS]
    return out


def tio2_targets() -> list[str]:
    out = [f"results/representations/TiO2/{r}.h5" for r in REPS]
    out += [f"results/dimensionality/{m}/TiO2/{r}.csv" for m in ("cur", "pca") for r in REPS]
    return out


def offline_overrides() -> list[str]:
    datasets = (SHARED / "datasets").resolve()
    tio2 = datasets / "TiO2-aenet/TiO2-aenet.extxyz"
    return [
        "--configfile",
        str(ROOT / "config/reproduce-offline.yaml"),
        "--config",
        f"data={{mirror: '{datasets}', cache: data/cache}}",
        f"datasets={{AlNiCu: {{source: AlNiCu}}, TiO2: {{file: '{tio2}', compare_as: TiO2}}}}",
    ]


RUNS = {
    "default": ("the embedded default: two demo datasets, every stage", lambda: [], lambda: []),
    "alnicu": ("AlNiCu, paper settings: dataset, representations, CUR/FPS/PCA", alnicu_targets, offline_overrides),
    "tio2": ("TiO2, paper settings: dataset, representations, CUR/PCA", tio2_targets, offline_overrides),
}


#: rules whose jobs are listed one by one in the JSON record (time and peak memory per job)
JOB_RULES = ("dataset", "represent", "represent_degree", "select_features", "sensitivity_curve")


def run(name: str, cores: int, keep: bool) -> tuple[float, int, str, Path, dict]:
    what, targets, extra = RUNS[name]
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--directory", str(workdir), "--nolock"]
    cmd += targets() + extra()
    print(f"[{name}] {what}\n  {' '.join(cmd)}", flush=True)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"[{name}] snakemake failed (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    rules = workdir / "benchmarks/rules"
    jobs = rule_table.collect(rules)
    summary = rule_table.summarise(jobs)
    table = rule_table.markdown(summary)
    n_jobs = sum(len(v) for v in jobs.values())
    record = {
        "what": what,
        "wall": wall,
        "jobs_benchmarked": n_jobs,
        "rules": summary,
        "jobs": {r: rule_table.job_rows(rules, r, workdir / "results") for r in JOB_RULES if r in jobs},
    }
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return wall, n_jobs, table, workdir, record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", nargs="+", choices=list(RUNS), default=["default", "alnicu"])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directories")
    ap.add_argument(
        "--json", type=Path, help="also write each run's record as JSON here (benchmarks/goals.py reads it)"
    )
    args = ap.parse_args()
    if any(r != "default" for r in args.runs) and not (SHARED / "datasets").is_dir():
        sys.exit("the alnicu and tio2 runs need ../shared/datasets beside the checkout")
    lines = [f"# Workflow runs from scratch ({args.cores} cores)", ""]
    records = {}
    for name in args.runs:
        wall, n_jobs, table, workdir, records[name] = run(name, args.cores, args.keep)
        print(f"[{name}] {wall:.0f} s ({wall / 60:.1f} min)" + (f", kept in {workdir}" if args.keep else ""))
        lines += [f"## {name}: {RUNS[name][0]}", "", f"Wall time {wall:.0f} s ({wall / 60:.1f} min).", ""]
        lines += [f"Jobs with a benchmark file: {n_jobs}.", "", table, ""]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "runs.md").write_text("\n".join(lines))
    print(f"wrote {OUT / 'runs.md'}")
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
