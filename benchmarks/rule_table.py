"""Seconds and peak memory per rule, from the workflow's benchmark files.

Every heavy rule writes ``benchmarks/rules/<rule>/<wildcards>.tsv`` (Snakemake's
``benchmark:`` format: a header ``s  h:m:s  max_rss  max_vms  max_uss  max_pss  io_in
io_out  mean_load  cpu_time`` and one row per repeat).  This script prints one markdown
row per rule: the number of jobs, the wall seconds summed and at most over the jobs, the
CPU seconds summed, and the peak resident memory (max_rss, MB) at most and at the median
over the jobs.  A job whose memory was not sampled (Snakemake writes ``NA`` for a job
shorter than its sampling interval) counts for the seconds only.

    python benchmarks/rule_table.py [benchmarks/rules] [--output table.md]
    python benchmarks/rule_table.py RUN/benchmarks/rules --jobs select_features [--results RUN/results]

``--jobs RULE``: one row per job of that rule instead (its wildcards, seconds, CPU seconds,
peak memory); with ``--results``, a ``select_features`` job (``<method>/<dataset>/<rep>``)
also gets the size of the matrix it reads (``representations/<dataset>/<rep>.h5``) and its
peak memory over that size.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

COLUMNS = ("rule", "jobs", "s (sum)", "s (max)", "cpu_time s (sum)", "max_rss MB (max)", "max_rss MB (median)")


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "NA", "-") else None
    except ValueError:
        return None


def read_benchmark(path: str | Path) -> dict[str, float | None]:
    """One benchmark file as one job: mean seconds and CPU time over its repeats, the largest
    max_rss (None when never sampled)."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        raise ValueError(f"{path}: no benchmark row")
    seconds = [_number(r.get("s")) for r in rows]
    seconds = [x for x in seconds if x is not None]
    if not seconds:
        raise ValueError(f"{path}: no 's' column")
    cpu = [x for x in (_number(r.get("cpu_time")) for r in rows) if x is not None]
    rss = [x for x in (_number(r.get("max_rss")) for r in rows) if x is not None]
    return {
        "s": statistics.fmean(seconds),
        "cpu_time": statistics.fmean(cpu) if cpu else None,
        "max_rss": max(rss) if rss else None,
    }


def collect(root: str | Path) -> dict[str, list[dict[str, float | None]]]:
    """rule → its jobs, from ``root`` = ``benchmarks/rules`` (or ``benchmarks``, which holds
    it): the rule is the first folder below it."""
    root = Path(root)
    if (root / "rules").is_dir():
        root = root / "rules"
    jobs: dict[str, list[dict[str, float | None]]] = {}
    for path in sorted(root.rglob("*.tsv")):
        rule = path.relative_to(root).parts[0]
        if rule == path.name:  # a file directly in root: no rule folder
            continue
        jobs.setdefault(rule, []).append(read_benchmark(path))
    return jobs


def summarise(jobs: dict[str, list[dict[str, float | None]]]) -> list[dict[str, object]]:
    """One row per rule (sorted by summed seconds, largest first)."""
    rows = []
    for rule, records in jobs.items():
        seconds = [r["s"] for r in records]
        cpu = [r["cpu_time"] for r in records if r["cpu_time"] is not None]
        rss = [r["max_rss"] for r in records if r["max_rss"] is not None]
        rows.append(
            {
                "rule": rule,
                "jobs": len(records),
                "s (sum)": sum(seconds),
                "s (max)": max(seconds),
                "cpu_time s (sum)": sum(cpu) if cpu else None,
                "max_rss MB (max)": max(rss) if rss else None,
                "max_rss MB (median)": statistics.median(rss) if rss else None,
            }
        )
    rows.sort(key=lambda r: (-r["s (sum)"], r["rule"]))
    return rows


JOB_COLUMNS = ("job", "s", "cpu_time s", "max_rss MB", "matrix MB", "peak / matrix")


def job_rows(root: str | Path, rule: str, results: str | Path | None = None) -> list[dict[str, object]]:
    """One row per job of ``rule`` (sorted by its wildcards)."""
    root = Path(root)
    if (root / "rules").is_dir():
        root = root / "rules"
    rows = []
    for path in sorted((root / rule).rglob("*.tsv")):
        job = path.relative_to(root / rule).with_suffix("").as_posix()
        record = read_benchmark(path)
        matrix = None
        parts = job.split("/")
        if results is not None and rule == "select_features" and len(parts) == 3:
            h5 = Path(results) / "representations" / parts[1] / f"{parts[2]}.h5"
            matrix = h5.stat().st_size / 1e6 if h5.exists() else None
        rss = record["max_rss"]
        rows.append(
            {
                "job": job,
                "s": record["s"],
                "cpu_time s": record["cpu_time"],
                "max_rss MB": rss,
                "matrix MB": matrix,
                "peak / matrix": rss / matrix if rss is not None and matrix else None,
            }
        )
    return rows


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def markdown(rows: list[dict[str, object]], columns: tuple[str, ...] = COLUMNS) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(["---"] + ["---:"] * (len(columns) - 1)) + "|"]
    lines += ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "root", nargs="?", default="benchmarks/rules", help="benchmarks/rules (or benchmarks) of a finished run"
    )
    parser.add_argument("--output", "-o", help="write the table here instead of stdout")
    parser.add_argument("--jobs", metavar="RULE", help="one row per job of this rule")
    parser.add_argument("--results", help="the run's results folder (matrix sizes for --jobs select_features)")
    args = parser.parse_args(argv)
    jobs = collect(args.root)
    if not jobs or (args.jobs and args.jobs not in jobs):
        print(
            f"no benchmark files under {args.root}" + (f" for rule {args.jobs}" if args.jobs else ""), file=sys.stderr
        )
        return 1
    if args.jobs:
        table = markdown(job_rows(args.root, args.jobs, args.results), JOB_COLUMNS)
    else:
        table = markdown(summarise(jobs))
    if args.output:
        Path(args.output).write_text(table)
    else:
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
