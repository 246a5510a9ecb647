"""Sanity of the tiny real run CI makes (config/ci-beyond-2020.yaml: config/ci.yaml with the
three classes of today): every stage wrote its outputs, and their numbers are what any correct run gives.  Usage:
check_run.py <run directory> [config file, default config/ci-beyond-2020.yaml]."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]


def main(run: Path, config_file: str = "config/ci-beyond-2020.yaml") -> list[str]:
    config = yaml.safe_load((REPO / config_file).read_text())
    datasets, reps = list(config["datasets"]), list(config["representations"])
    tables = run / "results/tables"
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    t1 = pd.read_csv(tables / "table1.csv")
    for d in datasets:
        for r in reps:
            row = t1[(t1.representation == r) & (t1.dataset == d)]
            need(len(row) == 1 and 0 < row.nonzero.iloc[0] <= row.full.iloc[0], f"table1: {r}/{d}")
    slopes = pd.read_csv(tables / "sensitivity_slopes.csv")
    for r in config["sensitivity"]["representations"]:
        rot = slopes[(slopes.representation == r) & (slopes.panel == "fig3")].verdict
        need(len(rot) == 1 and float(rot.iloc[0].split("=")[1]) < 1e-9, f"slopes: {r} not rotation invariant")
        need(len(slopes[slopes.representation == r]) == 6, f"slopes: {r} lacks a panel")
    comp = pd.read_csv(tables / "compressibility.csv")
    for d in datasets:
        for r in reps:
            row = comp[(comp.representation == r) & (comp.dataset == d)]
            need(len(row) == 1 and 0 < row["percent_below_1e-3"].iloc[0] <= 100, f"compressibility: {r}/{d}")
    best = pd.read_csv(tables / "regression_best.csv")
    for d in config["regression"]["datasets"]:
        for r in reps:
            rows = best[(best.representation == r) & (best.dataset == d)]
            need(sorted(rows.model) == ["KRR", "RR"], f"regression_best: {r}/{d} models")
            need(all(math.isfinite(v) and v > 0 for v in rows.test_rmse), f"regression_best: {r}/{d} RMSE")
            need(rows.n_chosen.notna().all(), f"regression_best: {r}/{d} no size chosen by cross-validation")
            for model in ("rr", "krr"):
                sweep = pd.read_csv(run / f"results/regression/{model}/{d}/{r}.csv")
                keys = [k for k in ("rr_lambda", "krr_lambda", "krr_gamma") if k in sweep.columns]
                need(len(sweep[keys].drop_duplicates()) == 1, f"regression {model}/{d}/{r}: hyperparameters vary")
    figures = ["figure3", "figure4", "figure5", "figure6", "figure7", "figure8"]
    figures += [f"figure9_{d}" for d in config["regression"]["datasets"]]
    for f in figures:
        png = run / f"results/figures/{f}.png"
        need(png.is_file() and png.stat().st_size > 20_000 and png.with_suffix(".pdf").is_file(), f"figure {f}")
    for table in tables.glob("*.csv"):
        need(
            (run / "provenance" / table.relative_to(run)).with_name(table.name + ".json").is_file(),
            f"provenance of {table.name}",
        )
    leftovers = [p for p in run.rglob(".*partial-*")]
    need(not leftovers, f"temporary files left: {leftovers[:3]}")
    return problems


if __name__ == "__main__":
    found = main(Path(sys.argv[1]), *sys.argv[2:3])
    for p in found:
        print(f"tiny run: {p}", file=sys.stderr)
    print("tiny run: outputs present and sane" if not found else f"tiny run: {len(found)} problems")
    sys.exit(1 if found else 0)
