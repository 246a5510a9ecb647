"""Seconds per sensitivity curve, per representation and panel, with the default config's settings.

    python benchmarks/bench_sensitivity.py [--reps ACSF SOAP ...] [--panels fig3 fig4 ...]
                                           [--repeat 1] [--save DIR] [--compare DIR]

Each representation is built once (its build time, which includes importing its library
and any set-up such as ACE's basis, is its own column); each curve is then timed as
``sensitivity_curve`` on the panel's path (the first curve of a representation also pays
its first-call costs, e.g. JIT compilation).  ``--save DIR`` writes the curves as
``DIR/<panel>/<rep>.csv``; ``--compare DIR`` reports the largest difference of dV from
curves saved earlier (e.g. by an older version of the code), relative to the curve's
largest dV.  Writes benchmarks/out/sensitivity.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from descriptor_study.vocabulary import PANELS

ROOT = Path(__file__).resolve().parents[1]
REPS = ["ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"]


def default_settings() -> tuple[dict, dict]:
    """The default config's sensitivity settings and per-representation parameters."""
    import yaml

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    sens = dict(config["sensitivity"])
    params = sens.pop("representations", {}) or {}
    return sens, params


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", nargs="+", default=REPS)
    ap.add_argument("--panels", nargs="+", default=list(PANELS))
    ap.add_argument("--repeat", type=int, default=1, help="time each curve this many times, keep the best")
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--compare", type=Path, default=None)
    ap.add_argument(
        "--json", type=Path, help="also write seconds per curve as JSON here (benchmarks/goals.py reads it)"
    )
    ap.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "out" / "sensitivity.md")
    args = ap.parse_args()

    import numpy as np
    import pandas as pd

    from descriptor_study import sensitivity as sens_mod
    from descriptor_study.representations import build

    settings, rep_params = default_settings()
    head = "| rep | build (s) | " + " | ".join(f"{p} (s)" for p in args.panels) + " | sum (s) | mean per curve (s) |"
    lines = [
        "Seconds per sensitivity curve (default config settings; one process per representation, "
        f"best of {args.repeat}; the first curve includes first-call costs).",
        "",
        head,
        "|" + "---|" * (len(args.panels) + 4),
    ]
    diffs, per_rep = [], {}
    for name in args.reps:
        t0 = time.perf_counter()
        rep = build(name, ["Si"], rep_params.get(name) or {})
        built = time.perf_counter() - t0
        times = []
        for panel in args.panels:
            s = sens_mod.resolve_settings(settings, type(rep), panel)
            path = sens_mod.build_path(panel, s)
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                curve = sens_mod.sensitivity_curve(rep, path, normalisation=s.get("normalisation", "relative"))
                best = min(best, time.perf_counter() - t0)
            times.append(best)
            if args.save is not None:
                (args.save / panel).mkdir(parents=True, exist_ok=True)
                curve.to_csv(args.save / panel / f"{name}.csv", index=False)
            if args.compare is not None:
                old = pd.read_csv(args.compare / panel / f"{name}.csv")
                assert np.array_equal(old["t"].to_numpy(), curve["t"].to_numpy()), (name, panel)
                scale = max(float(np.max(np.abs(old["dV"]))), 1e-300)
                diffs.append(
                    (name, panel, float(np.max(np.abs(old["dV"].to_numpy() - curve["dV"].to_numpy()))) / scale)
                )
        row = f"| {name} | {built:.2f} | " + " | ".join(f"{x:.2f}" for x in times)
        row += f" | {sum(times):.2f} | {sum(times) / len(times):.2f} |"
        lines.append(row)
        per_rep[name] = {"build": built, "curves": dict(zip(args.panels, times))}
        print(row, flush=True)
    if diffs:
        lines += ["", "| rep | panel | max abs dV difference / max dV |", "|---|---|---|"]
        lines += [f"| {n} | {p} | {d:.1e} |" for n, p, d in diffs]
        print("\n".join(lines[-len(diffs) - 2 :]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    if args.json:
        args.json.write_text(json.dumps(per_rep, indent=1))


if __name__ == "__main__":
    main()
