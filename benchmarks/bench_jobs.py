"""The fixed cost of a workflow job: interpreter start, Snakemake's script preamble and the
imports of each rule script.

    python benchmarks/bench_jobs.py [--repeat 3] [--jobs 8] [--no-snakemake]

1. For every ``scripts/*.py``: the wall time of a fresh interpreter that runs the script's
   module-level imports (the ``import``/``from`` statements at its top level, which is what
   the job pays before ``main`` starts), best of ``--repeat``, and the heaviest third-party
   packages by ``python -X importtime`` (cumulative, top-level packages).
2. A trivial Snakemake ``script:`` job: a throw-away workflow of ``--jobs`` rules whose
   script writes its output and imports nothing, run with ``--cores 1``; the seconds per
   job are (run time - dry-run time) / jobs.

Writes benchmarks/out/jobs.md.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
#: packages worth naming when they show up in a script's imports
HEAVY = ("numpy", "pandas", "scipy", "ase", "h5py", "matplotlib", "dscribe", "quippy", "jax", "jaxlib", "sklearn",
         "skmatter", "jsonschema", "yaml", "tqdm", "numba", "sparse", "snakemake", "pooch")  # fmt: skip


def script_imports(path: Path) -> str:
    """The module-level import statements of a script, as source."""
    tree = ast.parse(path.read_text())
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def wall(code: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([PYTHON, "-c", code], check=True, cwd=ROOT, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def heavy_packages(code: str) -> dict[str, float]:
    """Package -> seconds spent importing its own modules (the sum of ``-X importtime``'s
    self times over the package's modules, its dependencies not included), for the
    ``HEAVY`` packages."""
    err = subprocess.run([PYTHON, "-X", "importtime", "-c", code], check=True, cwd=ROOT, capture_output=True, text=True)
    out: dict[str, float] = {}
    for line in err.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
        if m and (root := m.group(2).split(".")[0]) in HEAVY:
            out[root] = out.get(root, 0.0) + int(m.group(1)) / 1e6
    return out


def trivial_jobs(n_jobs: int, repeat: int) -> tuple[float, float]:
    """(seconds per trivial script job, dry-run seconds) of a throw-away workflow."""
    snakemake = str(Path(PYTHON).with_name("snakemake"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "noop.py").write_text("open(snakemake.output[0], 'w').close()\n")
        (tmp / "Snakefile").write_text(
            f"rule all:\n    input: expand('out/{{i}}.txt', i=range({n_jobs}))\n\n"
            "rule noop:\n    output: 'out/{i}.txt'\n    script: 'noop.py'\n"
        )
        cmd = [snakemake, "--cores", "1", "--quiet", "all", "--forceall"]
        dry = min(wall_cmd([*cmd, "-n"], tmp) for _ in range(repeat))
        run = min(wall_cmd(cmd, tmp) for _ in range(repeat))
    return (run - dry) / n_jobs, dry


def wall_cmd(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=cwd, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--no-snakemake", action="store_true", help="skip the trivial-workflow measurement")
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "out" / "jobs.md")
    args = ap.parse_args()

    base = wall("pass", args.repeat)
    preamble = wall("import pickle, snakemake.logging, snakemake.iocontainers", args.repeat)
    lines = [
        f"Interpreter start: {base:.2f} s; Snakemake's script preamble imports: {preamble:.2f} s "
        f"(best of {args.repeat}, wall).",
        "",
        "| script | module-level imports (s, wall) | packages imported (s of their own modules, -X importtime) |",
        "|---|---:|---|",
    ]
    for path in sorted((ROOT / "scripts").glob("*.py")):
        code = script_imports(path)
        seconds = wall(code, args.repeat)
        heavy = sorted(heavy_packages(code).items(), key=lambda kv: -kv[1])
        named = ", ".join(f"{k} {v:.2f}" for k, v in heavy if v >= 0.02) or "-"
        lines.append(f"| {path.stem} | {seconds:.2f} | {named} |")
        print(lines[-1], flush=True)
    # figure and table scripts look up classes at run time: every built-in representation module
    code = "from descriptor_study.representations import registry; registry.builtin_names()"
    heavy = sorted(heavy_packages(code).items(), key=lambda kv: -kv[1])
    named = ", ".join(f"{k} {v:.2f}" for k, v in heavy if v >= 0.02) or "-"
    lines.append(f"| (run time) the registry's built-in classes | {wall(code, args.repeat):.2f} | {named} |")
    print(lines[-1], flush=True)
    if not args.no_snakemake:
        per_job, dry = trivial_jobs(args.jobs, max(1, args.repeat - 1))
        lines += [
            "",
            f"A trivial Snakemake `script:` job (no imports), {args.jobs} jobs with --cores 1: "
            f"{per_job:.2f} s per job (dry run {dry:.2f} s).",
        ]
        print(lines[-1])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
