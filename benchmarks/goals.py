"""Every speed and memory goal of the project, measured in one run, and the table in the docs.

    python benchmarks/goals.py [--steps dimensionality regression representations sensitivity runs]
                               [--render-only] [--docs docs/benchmarks.md]

Runs the benchmark scripts one after another, each in its own process, on this machine:

==================  ===========================================================================
dimensionality      ``bench_dimensionality.py --skmatter-steps 3 --memory``: CUR, FPS and PCA
                    of AlNiCu SOAP against their floor; peak memory of each on the CHON-size
                    synthetic matrix (5.16 GB)
regression          ``bench_regression.py --structures 1000 --every-size --cv-sizes 6``: the sweeps against
                    one solve
representations     ``bench_representations.py --limit 60 --repeat 2``: ours against the bare
                    library call
sensitivity         ``bench_sensitivity.py``: seconds per curve
runs                ``bench_runs.py --runs default alnicu tio2``: the default run, the AlNiCu
                    paper run and the TiO2 paper run from scratch, with time and peak memory
                    per job
==================  ===========================================================================

Each script writes a JSON record into ``benchmarks/out/goals/``; this script then writes
the table of goals (``GOALS`` below: one place for each goal's number) with the per-job tables to
``benchmarks/out/goals.md`` and replaces the part of ``docs/benchmarks.md`` between the
``<!-- goals: begin -->`` and ``<!-- goals: end -->`` lines with it.  ``--steps`` runs only
some steps (the others' records are reused from an earlier run; the table then says which
steps ran in this invocation); ``--render-only`` runs none.  A quiet 2-core machine takes
about 45 minutes for all of it.  Needs ../shared/datasets (AlNiCu, TiO2).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from descriptor_study.vocabulary import METHODS

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
RECORDS = HERE / "out" / "goals"
BEGIN, END = "<!-- goals: begin -->", "<!-- goals: end -->"
GIB = 1024**3

STEPS = {
    "dimensionality": ["bench_dimensionality.py", "--skmatter-steps", "3", "--memory"],
    "regression": ["bench_regression.py", "--structures", "1000", "--every-size", "--cv-sizes", "6"],
    "representations": ["bench_representations.py", "--limit", "60", "--repeat", "2"],
    "sensitivity": ["bench_sensitivity.py"],
    "runs": ["bench_runs.py", "--runs", "default", "alnicu", "tio2"],
}

#: library-backed representations, whose overhead over the bare call has a goal
WRAPPED = ("ACE", "ACSF", "SOAP", "SOAPlite", "MBTR")

#: the goals (docs/benchmarks.md); "sweep" is our reading of "a small multiple of one
#: solve" for a sweep over the 125 sizes: less than refitting 20 of them at all features
GOALS = {
    "default_run_s": 300.0,  # the default run, 2 cores
    "alnicu_run_s": 600.0,  # the AlNiCu paper run, 2 cores
    "floor": 2.0,  # FPS and PCA / Gram
    "cur_floor": 4.6,  # CUR / (Gram + eigh), twice the floor of exact greedy selection (docs/benchmarks.md)
    "sweep": 20.0,  # a regression sweep / one solve at all features
    "overhead": 1.2,  # ours / the bare library call
    "memory": 2.0,  # peak / the matrix, CUR, FPS and PCA at CHON's size
    "tio2_bytes": 24 * GIB,  # the largest job of the TiO2 paper run
}


def _run_step(name: str, records: Path) -> float:
    script, *args = STEPS[name]
    out = records / f"{name}.json"
    cmd = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    print(f"[{name}] {' '.join(cmd[1:])}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"[{name}] {script} failed (rc {proc.returncode}); its record {out} is not updated")
    print(f"[{name}] {seconds:.0f} s", flush=True)
    return seconds


def load(records: Path = RECORDS) -> dict[str, dict]:
    """The steps' JSON records that exist."""
    return {
        name: json.loads((records / f"{name}.json").read_text())
        for name in STEPS
        if (records / f"{name}.json").exists()
    }


def _yes(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "no")


def goal_rows(rec: dict[str, dict]) -> list[tuple[str, str, str, str]]:
    """(what, goal, measured, met) per goal, from the records; a goal whose record is
    missing is listed as not measured."""
    rows = []

    def missing(what: str, goal: str, step: str) -> None:
        rows.append((what, goal, f"not measured (not in the `{step}` record)", "–"))

    runs = rec.get("runs", {})
    for key, what, limit in (("default", "default run, `snakemake --cores 2`", GOALS["default_run_s"]),
                             ("alnicu", "AlNiCu paper run (dataset, 12 representations, CUR/FPS/PCA)",
                              GOALS["alnicu_run_s"])):  # fmt: skip
        goal = f"< {limit / 60:.0f} min"
        if key not in runs:
            missing(what, goal, "runs")
            continue
        r = runs[key]
        rows.append((what, goal, f"{r['wall']:.0f} s ({r['wall'] / 60:.1f} min)", _yes(r["wall"] < limit)))

    dim = rec.get("dimensionality", {})
    if "cur" in dim:
        floor = dim["gram"]["seconds"] + dim["eigh"]["seconds"]
        gram = dim["gram"]["seconds"]
        for key, name, base, label in (("cur", "CUR", floor, "Gram + eigh"), ("fps", "FPS", gram, "Gram"),
                                       ("pca", "PCA", gram, "Gram")):  # fmt: skip
            t = dim[key]["seconds"]
            goal = GOALS["cur_floor" if key == "cur" else "floor"]
            ratio = dim[key].get("ratio", t / base) if key == "cur" else t / base  # CUR: against its own floors
            rows.append((f"{name} of AlNiCu SOAP (27,987 × 3780) / floor", f"≤ {goal:g}× ({label} = {base:.1f} s)",
                         f"{t:.1f} s = {ratio:.1f}×", _yes(ratio <= goal)))  # fmt: skip
    else:
        missing("CUR, FPS, PCA / floor", f"≤ {GOALS['floor']:g}×", "dimensionality")

    reg = rec.get("regression", {})
    if "rr_one" in reg:
        for key, what in (("rr_sweep", "RR sweep, fixed λ"), ("krr_sweep", "KRR sweep, fixed λ, γ"),
                          ("rr_cv", "RR sweep with its CV search"), ("krr_cv", "KRR sweep with its CV search"),
                          ("rr_every", "RR sweep with its CV search at every size (option)"),
                          ("krr_every", "KRR sweep with its CV search at every size (option)")):  # fmt: skip
            if key not in reg:
                continue
            r = reg[key]
            note = f" ({r['note']})" if r.get("note") else ""
            rows.append((f"{what} (125 sizes) / one solve at all features", f"≤ {GOALS['sweep']:g}× one solve",
                         f"{r['ratio']:.1f}×{note}", _yes(r["ratio"] <= GOALS["sweep"])))  # fmt: skip
    else:
        missing("regression sweep / one solve", f"≤ {GOALS['sweep']:g}×", "regression")

    reps = rec.get("representations", {}).get("reps", {})
    ratios = {n: r["ours"] / r["bare"] for n, r in reps.items() if n in WRAPPED and r.get("bare")}
    if ratios:
        worst = max(ratios.values())
        rows.append(("representation overhead (ours / bare library call)", f"≤ {GOALS['overhead']:g}×",
                     ", ".join(f"{n} {x:.2f}" for n, x in ratios.items()), _yes(worst <= GOALS["overhead"])))  # fmt: skip
    else:
        missing("representation overhead", f"≤ {GOALS['overhead']:g}×", "representations")

    sens = rec.get("sensitivity", {})
    if sens:
        per = {n: sum(r["curves"].values()) / len(r["curves"]) for n, r in sens.items()}
        rows.append(("sensitivity, seconds per curve (mean of 6 panels)", "recorded",
                     ", ".join(f"{n} {x:.1f}" for n, x in per.items()), "–"))  # fmt: skip
    else:
        missing("sensitivity, seconds per curve", "recorded", "sensitivity")

    for method in METHODS:
        key = f"memory_{method}"
        if key in dim:
            r = dim[key]
            rows.append((f"{method.upper()} peak memory, CHON-size matrix (96,804 × 6660)",
                         f"< {GOALS['memory']:g}× the matrix",
                         f"{r['peak_bytes'] / 1e9:.2f} GB = {r['ratio']:.2f}× ({r['seconds']:.0f} s)",
                         _yes(r["ratio"] < GOALS["memory"])))  # fmt: skip
    tio2_goal = f"within {GOALS['tio2_bytes'] / GIB:.0f} GiB"
    for key, name in (("alnicu", "AlNiCu"), ("tio2", "TiO2")):
        goal = tio2_goal if key == "tio2" else "recorded"
        if key not in runs:
            missing(f"{name} peak memory per stage", goal, "runs")
            continue
        rules = runs[key]["rules"]
        peaks = [(r["rule"], r["max_rss MB (max)"]) for r in rules if r["max_rss MB (max)"] is not None]
        top = max(peaks, key=lambda p: p[1])
        text = ", ".join(f"{rule} {mb / 1e3:.2f} GB" for rule, mb in peaks)
        met = _yes(top[1] * 1e6 < GOALS["tio2_bytes"]) if key == "tio2" else "–"
        rows.append((f"{name} paper run, peak memory per stage (largest job)", goal, text, met))
    return rows


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _job_table(jobs: list[dict], with_matrix: bool) -> list[str]:
    def cell(x, fmt):
        return "–" if x is None else format(x, fmt)

    if with_matrix:
        rows = [(j["job"], cell(j["s"], ".1f"), cell(j["max_rss MB"], ".0f"), cell(j["matrix MB"], ".0f"),
                 cell(j["peak / matrix"], ".2f")) for j in jobs]  # fmt: skip
        return _table(("job", "s", "peak MB", "matrix MB", "peak / matrix"), rows)
    return _table(
        ("job", "s", "peak MB"), [(j["job"], cell(j["s"], ".1f"), cell(j["max_rss MB"], ".0f")) for j in jobs]
    )


def render(rec: dict[str, dict], stamp: str) -> str:
    """The docs' block: the goals table, then the runs' per-rule and per-job tables."""
    lines = [stamp, "", *_table(("what", "goal", "measured", "met"), goal_rows(rec)), ""]
    dim = rec.get("dimensionality", {})
    if "cur" in dim:
        notes = [
            f"- {dim[k].get('what', k)}: {dim[k]['note']}"
            for k in ("cur", "fps", "skmatter")
            if dim.get(k, {}).get("note")
        ]
        lines += ["Dimensionality, same process: Gram product "
                  f"{dim['gram']['seconds']:.1f} s, eigendecomposition {dim['eigh']['seconds']:.1f} s.", "", *notes, ""]  # fmt: skip
    for key, run in rec.get("runs", {}).items():
        lines += [f"#### Run `{key}`: {run['what']}, {run['wall']:.0f} s", ""]
        rows = [(r["rule"], r["jobs"], f"{r['s (sum)']:.1f}", f"{r['s (max)']:.1f}",
                 "–" if r["max_rss MB (max)"] is None else f"{r['max_rss MB (max)']:.0f}") for r in run["rules"]]  # fmt: skip
        lines += _table(("rule", "jobs", "s (sum)", "s (max)", "peak MB (max)"), rows) + [""]
        if key != "default":
            for rule in ("dataset", "represent", "represent_degree", "select_features"):
                if run["jobs"].get(rule):
                    lines += [f"`{rule}` jobs:", "", *_job_table(run["jobs"][rule], rule == "select_features"), ""]
    return "\n".join(lines).rstrip() + "\n"


def splice(doc: str, block: str, path: str = "the docs") -> str:
    """``doc`` with the text between the BEGIN and END lines replaced by ``block``."""
    start, stop = doc.find(BEGIN), doc.find(END)
    if start < 0 or stop < start:
        raise SystemExit(f"{path}: no '{BEGIN}' line followed by an '{END}' line to write the table between")
    return doc[: start + len(BEGIN)] + "\n" + block + doc[stop:]


def git_state() -> dict:
    """The commit measured, taken when the run starts (edits made while it runs are not measured)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown",
            "local_changes": bool(git("status", "--porcelain", "--untracked-files=no"))}  # fmt: skip


def stamp(meta: dict | None) -> str:
    """The line above the table: what ran, when, where and on which commit (``run.json``)."""
    if meta is None:
        return "From the records in `benchmarks/out/goals/` (no record of the run that wrote them)."
    ran = meta["steps"]
    which = "all steps" if set(ran) == set(STEPS) else "steps " + ", ".join(ran) + "; the other records are older"
    return (
        f"From `python benchmarks/goals.py` ({which}, {meta['seconds'] / 60:.0f} min) on {meta['date']}, "
        f"{meta['cores']} cores, {meta['memory_gib']:.0f} GiB, commit {meta['commit']}"
        f"{' with local changes' if meta['local_changes'] else ''}."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", nargs="+", choices=list(STEPS), default=list(STEPS))
    ap.add_argument("--render-only", action="store_true", help="run no step: the table from the records there are")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--records", type=Path, default=RECORDS, help="the steps' JSON records (benchmarks/out/goals)")
    args = ap.parse_args(argv)
    splice(args.docs.read_text(), "", str(args.docs))  # the markers are there before an hour is spent
    meta_file = args.records / "run.json"
    if not args.render_only:
        meta = {"steps": [], "seconds": 0.0, **git_state(), "date": datetime.date.today().isoformat(),
                "cores": os.cpu_count(), "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB}  # fmt: skip
        args.records.mkdir(parents=True, exist_ok=True)
        for name in args.steps:
            meta["seconds"] += _run_step(name, args.records)
            meta["steps"].append(name)
        meta_file.write_text(json.dumps(meta, indent=1))
    rec = load(args.records)
    block = render(rec, stamp(json.loads(meta_file.read_text()) if meta_file.exists() else None))
    table = args.records.parent / "goals.md"
    table.write_text(block)
    args.docs.write_text(splice(args.docs.read_text(), block, str(args.docs)))  # as it is now, after the hour
    print(block)
    print(f"wrote {table} and the goals block of {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
