"""A representation's report card and the run's league table, from what the run wrote.

:func:`build_cards` takes the run's tables and curves as they were read (DataFrames), the
two card jobs' parts (row norms per dataset, invariances) and the benchmarks of the
``represent`` jobs, and returns one card per representation: a list of *measures*, each

    {"test", "measure", "where", "value", "unit", "verdict", "rule", "rank", "of", "missing"}

``test``: sensitivity, dimensionality, regression, invariance, identity, cost or numerical
range; ``where``: the panel, dataset or model and dataset it is about; ``rule``: how the
verdict is reached (with its threshold, :mod:`.verdicts`); ``rank``/``of``: its place among
the run's representations (1: the smallest value), where values are compared; ``missing``:
``{"stage", "why"}`` where the stage that makes the number did not run for it (then value
and verdict are None).  :func:`card_markdown` and :func:`league` are made from the cards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..vocabulary import PANELS
from . import verdicts as v

TESTS = ("identity", "sensitivity", "invariance", "dimensionality", "regression", "cost", "numerical range")

RULES = {
    "rotation": (
        f"Figure 3: the largest relative dV over the rotation; invariant if ≤ {v.INVARIANCE_TOL:g} (or the class's "
        "coarser precision)"
    ),
    "slope": (
        f"asymptotic slope k of the slope table; class 1 or 2 within {v.SLOPE_CLASS_TOL} (k ≈ 1: linearly stable, "
        f"k ≈ 2: linearly unstable); the power law holds when log10 dV is within {v.FIT_RESIDUAL:g} decades of the "
        "fitted line over the fit's window"
    ),
    "blind spots": (
        f"the slope table's dip, located: runs of points above the noise floor whose local slope d log dV / d log t "
        f"is below {v.DIP_LOW:g} (or where dV falls), followed by a recovery (a local slope above {v.DIP_RECOVER:g}); "
        "depth: the largest ratio of the straight line on log axes through the points just outside the run to dV "
        "inside it"
    ),
    "level": (
        f"dV at t = {v.LEVEL_T:g} Å beside the median of the other representations' dV there: measured, not judged"
    ),
    "translation": (
        f"largest relative row change on the contract's Al-Cu cell and cluster; invariant if ≤ {v.INVARIANCE_TOL:g}"
    ),
    "permutation": (
        f"largest relative row change on the contract's Al-Cu cell and cluster; invariant if ≤ {v.INVARIANCE_TOL:g}"
    ),
    "mirror": (
        "largest relative row change under a reflection x → −x: measured, not judged (not every representation "
        "is meant to be mirror-invariant)"
    ),
    "CUR share": (
        f"percentage of the non-zero features CUR selects before its error falls below {v.COMPRESSION_LEVEL:g}"
    ),
    "PCA share": (
        f"percentage of the principal components before the variance ratio falls below {v.COMPRESSION_LEVEL:g}"
    ),
    "empty columns": (
        f"columns CUR selects after its error first reaches the round-off floor: {v.ROUNDOFF_FLOOR:g}, or "
        f"{v.ROUNDOFF_FACTOR:g} × the curve's last error (every column selected) where that is higher and at most "
        f"{v.INVARIANCE_TOL:g}"
    ),
    "test RMSE": "test RMSE at the feature count chosen on the training set (regression_best table)",
    "origin": "where the class comes from: built-in, a `class:` entry of the config, or an installed plugin",
    "parameters": "the resolved parameters recorded in the representation file",
    "versions": "the library versions recorded in the representation file",
    "model": (
        "the pretrained model the representation file records (its derived entries): name, package version, "
        "weight file and its sha256; only where the file records a checksum"
    ),
    "features": "full feature count (Table I) and how many of them are zero on every row",
    "seconds per 1000 environments": "wall time of the represent job (its benchmark) per 1000 rows",
    "peak memory": "max_rss (MB) of the represent job (its benchmark)",
    "row norm range": (
        f"largest row norm over the median; a structure is flagged when a row is ≥ {v.WIDE_ROW_FACTOR:g} × the median, "
        f"or when its rows (not all zero) are all ≤ the median / {v.WIDE_ROW_FACTOR:g}"
    ),
}

#: measures compared between representations (ranked: rank 1 is the smallest value)
RANKED = (
    "rotation",
    "blind spots",
    "translation",
    "permutation",
    "CUR share",
    "PCA share",
    "empty columns",
    "test RMSE",
    "seconds per 1000 environments",
    "peak memory",
    "row norm range",
)

#: the league table's columns: the ranked measures and those shown beside them unranked
#: (a slope or a level is not better for being smaller; a mirror is measured, not judged)
LEAGUE = ("rotation", "slope", "level", "blind spots", "translation", "permutation", "mirror", *RANKED[4:])


def measure(test: str, name: str, where: str | None, value: Any, verdict: str | None, unit: str | None = None) -> dict:
    return {
        "test": test,
        "measure": name,
        "where": where,
        "value": value,
        "unit": unit,
        "verdict": verdict,
        "rule": RULES.get(name, ""),
        "rank": None,
        "of": None,
        "missing": None,
    }


def missing(test: str, name: str, where: str | None, stage: str, why: str) -> dict:
    out = measure(test, name, where, None, None)
    out["missing"] = {"stage": stage, "why": why}
    return out


def _num(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _rows(df: pd.DataFrame | None, **match) -> pd.DataFrame:
    if df is None:
        return pd.DataFrame()
    keep = pd.Series(True, index=df.index)
    for col, val in match.items():
        keep &= df[col].astype(str) == str(val)
    return df[keep]


# --- the tests ------------------------------------------------------------------------------


def sensitivity_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    gap = run["gaps"].get(rep, {}).get("sensitivity")
    slopes = run.get("slopes")
    if gap or slopes is None:
        stage, why = (
            ("sensitivity", gap) if gap else ("sensitivity_slopes", run["absent"].get("slopes", "input absent"))
        )
        return [
            missing("sensitivity", name, panel, stage, why)
            for panel in PANELS
            for name in (("rotation",) if panel == "fig3" else ("slope", "level", "blind spots"))
        ]
    out = []
    for row in _rows(slopes, representation=rep).to_dict("records"):
        panel = row["panel"]
        curve = run["curves"].get((panel, rep))
        floor = _num(row.get("noise_floor")) or v.NOISE_FLOOR
        if panel == "fig3":
            largest = _num(row.get("max_dV"))
            if largest is None and curve is not None:
                largest = float(curve["dV"].max())
            out.append(measure("sensitivity", "rotation", panel, largest, v.invariance(largest, floor)))
            continue
        k = _num(row.get("k"))
        zero = str(row.get("zero")) == "True"
        slope = measure("sensitivity", "slope", panel, k, v.slope_class(k, _num(row.get("expected")), zero))
        out.append(slope)
        if curve is None:
            out.append(missing("sensitivity", "level", panel, "sensitivity_curve", f"curve of {panel} absent"))
            out.append(missing("sensitivity", "blind spots", panel, "sensitivity_curve", f"curve of {panel} absent"))
            continue
        t, dV = curve["t"].to_numpy(), curve["dV"].to_numpy()
        if k is not None:
            lo, hi = _num(row.get("t_min")), _num(row.get("t_max"))
            residual = v.fit_residual(t, dV, lo, hi, floor) if lo and hi else None
            slope["verdict"] += f"; {v.fit_verdict(residual)}"
            slope["detail"] = {"t_min": lo, "t_max": hi, "fit residual (decades)": residual}
        level = v.level_at(t, dV)
        others = [
            v.level_at(c["t"].to_numpy(), c["dV"].to_numpy())
            for (p, r), c in run["curves"].items()
            if p == panel and r != rep
        ]
        out.append(measure("sensitivity", "level", panel, level, v.level_verdict(level, others), "dV"))
        spots = v.blind_spots(t, dV, floor)
        entry = measure("sensitivity", "blind spots", panel, len(spots), v.blind_spot_verdict(spots))
        entry["detail"] = spots
        out.append(entry)
    return out


def invariance_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    part = run["invariance"].get(rep)
    names = ("translation", "permutation", "mirror")
    if part is None:
        return [missing("invariance", n, None, "card_part", "its output is absent") for n in names]
    if part.get("error"):
        return [missing("invariance", n, None, "card_part", part["error"]) for n in names]
    out = []
    for name in names:
        value = part[name]["max"]
        verdict = "measured" if name == "mirror" else v.invariance(value, part.get("tolerance") or 0.0)
        entry = measure("invariance", name, "Al-Cu cell and cluster", value, verdict, "relative")
        entry["detail"] = {k: x for k, x in part[name].items() if k != "max"}
        out.append(entry)
    return out


def dimensionality_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    out = []
    comp = run.get("compressibility")
    for dataset in run["datasets"]:
        gaps = run["gaps"].get(rep, {})
        if gaps.get("cur"):
            out += [
                missing("dimensionality", n, dataset, "select_features (CUR)", gaps["cur"])
                for n in ("CUR share", "empty columns")
            ]
        else:
            row = _rows(comp, representation=rep, dataset=dataset)
            if row.empty:
                out.append(
                    missing(
                        "dimensionality",
                        "CUR share",
                        dataset,
                        "compressibility",
                        run["absent"].get("compressibility", "no row"),
                    )
                )
            else:
                pct = _num(row.iloc[0]["percent_below_1e-3"])
                n = _num(row.iloc[0]["n_below_1e-3"])
                verdict = (
                    f"{int(n)} of {int(row.iloc[0]['features'])} features"
                    if n is not None
                    else f"never below {v.COMPRESSION_LEVEL:g}"
                )
                out.append(measure("dimensionality", "CUR share", dataset, pct, verdict, "%"))
            curve = run["cur"].get((dataset, rep))
            if curve is None:
                out.append(missing("dimensionality", "empty columns", dataset, "select_features (CUR)", "curve absent"))
            else:
                n_empty = v.empty_columns(curve["error"].to_numpy())
                verdict = f"{n_empty} of {len(curve)} selected columns add nothing (error at round-off)"
                entry = measure("dimensionality", "empty columns", dataset, n_empty, verdict, "columns")
                entry["detail"] = {"floor": v.roundoff_floor(curve["error"].to_numpy())}
                out.append(entry)
        if gaps.get("pca"):
            out.append(missing("dimensionality", "PCA share", dataset, "select_features (PCA)", gaps["pca"]))
        else:
            curve = run["pca"].get((dataset, rep))
            if curve is None:
                out.append(missing("dimensionality", "PCA share", dataset, "select_features (PCA)", "curve absent"))
            else:
                n, pct = v.share_to_level(curve["variance_ratio"].to_numpy())
                verdict = f"{n} of {len(curve)} components" if n is not None else f"never below {v.COMPRESSION_LEVEL:g}"
                out.append(measure("dimensionality", "PCA share", dataset, pct, verdict, "%"))
    return out


def regression_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    out = []
    best = run.get("regression")
    for dataset in run["datasets"]:
        gap = run["gaps"].get(rep, {}).get(f"regression {dataset}")
        for model in ("RR", "KRR"):
            where = f"{model} {dataset}"
            if gap:
                out.append(missing("regression", "test RMSE", where, "regress", gap))
                continue
            row = _rows(best, model=model, dataset=dataset, representation=rep)
            if row.empty:
                why = run["absent"].get("regression", "no row in regression_best")
                out.append(missing("regression", "test RMSE", where, "regression_table", why))
                continue
            r = row.iloc[0]
            rmse = _num(r["test_rmse"])
            verdict = f"at {int(r['n_chosen'])} of {int(r['n_features'])} features"
            out.append(measure("regression", "test RMSE", where, rmse, verdict))
    return out


def identity_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    origin = run["origins"].get(rep)
    if origin is None:
        out = [missing("identity", "origin", None, "card_part", "its output is absent")]
    else:
        out = [measure("identity", "origin", None, origin, None)]
    norms = [run["norms"].get((d, rep)) for d in run["datasets"]]
    first = next((p for p in norms if p), None)
    if first is None:
        out.append(missing("identity", "parameters", None, "card_part", "no representation file was read"))
    else:
        out.append(measure("identity", "parameters", None, first["params"], None))
        out.append(measure("identity", "versions", None, first["versions"], None))
        out += model_measures(first.get("derived") or {})
    t1 = run.get("table1")
    for dataset in run["datasets"]:
        row = _rows(t1, representation=rep, dataset=dataset)
        if row.empty:
            out.append(missing("identity", "features", dataset, "table1", run["absent"].get("table1", "no row")))
            continue
        full, nonzero = int(row.iloc[0]["full"]), int(row.iloc[0]["nonzero"])
        out.append(measure("identity", "features", dataset, full, f"{full - nonzero} all-zero", "features"))
    return out


def model_measures(derived: Mapping[str, Any]) -> list[dict]:
    """The ``model`` identity measure: the pretrained model a representation file records in
    its derived entries (a weight file's checksum, an entry ending in ``sha256``), with its
    name (``model_name`` or ``model``), the package versions (``<package>_version``) and the
    weight file (``weights`` or ``checkpoint``).  No measure for a file that records no checksum."""
    checksums = [k for k in derived if k.endswith("sha256")]
    if not checksums:
        return []
    value = {
        "name": derived.get("model_name", derived.get("model")),
        "package": ", ".join(f"{k[: -len('_version')]} {x}" for k, x in derived.items() if k.endswith("_version")),
        "weights": derived.get("weights", derived.get("checkpoint")),
        "sha256": derived[checksums[0]],
    }
    return [measure("identity", "model", None, value, None)]


def cost_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    out = []
    t1 = run.get("table1")
    for dataset in run["datasets"]:
        bench = run["benchmarks"].get((dataset, rep))
        if bench is None or bench.empty:
            why = "the represent job's benchmark file is absent (made by another run, or removed)"
            out += [
                missing("cost", n, dataset, "represent", why) for n in ("seconds per 1000 environments", "peak memory")
            ]
            continue
        row = _rows(t1, representation=rep, dataset=dataset)
        rows = int(row.iloc[0]["rows"]) if not row.empty else None
        seconds = _num(bench.iloc[-1]["s"])
        per = seconds / rows * 1000 if (seconds is not None and rows) else None
        out.append(
            measure(
                "cost",
                "seconds per 1000 environments",
                dataset,
                per,
                f"{seconds:.3g} s for {rows} rows" if per is not None else None,
                "s",
            )
        )
        rss = _num(bench.iloc[-1].get("max_rss"))
        out.append(
            measure("cost", "peak memory", dataset, rss, "measured" if rss is not None else "not recorded", "MB")
        )
    return out


def range_measures(rep: str, run: Mapping[str, Any]) -> list[dict]:
    out = []
    for dataset in run["datasets"]:
        part = run["norms"].get((dataset, rep))
        if part is None:
            out.append(missing("numerical range", "row norm range", dataset, "card_part", "its output is absent"))
            continue
        entry = measure(
            "numerical range", "row norm range", dataset, part["max_over_median"], v.range_verdict(part), "max/median"
        )
        entry["detail"] = {
            "median": part["median"],
            "span (decades)": part.get("span_decades"),
            "wide_frames": part["wide_frames"],
            "low_frames": part.get("low_frames", []),
        }
        out.append(entry)
    return out


def build_cards(run: Mapping[str, Any]) -> dict[str, dict]:
    """One card per representation of ``run`` (see the module docstring), ranks filled in.

    ``run``: ``representations``, ``datasets``; ``table1``, ``slopes``, ``compressibility``,
    ``regression`` (DataFrames or None); ``curves`` ((panel, rep) → curve), ``cur``/``pca``
    ((dataset, rep) → curve), ``benchmarks`` ((dataset, rep) → benchmark rows), ``norms``
    ((dataset, rep) → part), ``invariance`` (rep → part), ``origins`` (rep → text); ``gaps``:
    rep → {stage: why it did not run for rep}; ``absent``: input → why it is absent."""
    cards = {}
    for rep in run["representations"]:
        measures = []
        for make in (
            identity_measures,
            sensitivity_measures,
            invariance_measures,
            dimensionality_measures,
            regression_measures,
            cost_measures,
            range_measures,
        ):
            measures += make(rep, run)
        cards[rep] = {"representation": rep, "measures": measures}
    _rank(cards)
    return cards


def key(m: Mapping[str, Any]) -> str:
    """A measure's name in the league: ``test: measure (where)``."""
    return f"{m['test']}: {m['measure']}" + (f" ({m['where']})" if m["where"] else "")


def _rank(cards: dict[str, dict]) -> None:
    by_key: dict[str, dict[str, dict]] = {}
    for rep, card in cards.items():
        for m in card["measures"]:
            if m["measure"] in RANKED and m["missing"] is None:
                by_key.setdefault(key(m), {})[rep] = m
    for entries in by_key.values():
        ranked = v.ranks({rep: _num(m["value"]) for rep, m in entries.items()})
        n = sum(r is not None for r in ranked.values())
        for rep, m in entries.items():
            m["rank"], m["of"] = ranked[rep], (n if ranked[rep] is not None else None)


# --- text -------------------------------------------------------------------------------------


#: the items of a list a card's Markdown and page show before "… (n in all)"
SHOWN = 12


def shortened(items: list[str], shown: int = SHOWN) -> str:
    """``items`` joined by commas, the first ``shown`` of a longer list and how many in all
    (hundreds of structures: the card's JSON lists them all)."""
    if len(items) > shown:
        return ", ".join(items[:shown]) + f", … ({len(items)} in all)"
    return ", ".join(items)


def show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={show(x)}" for k, x in value.items()) or "(none)"
    if isinstance(value, list):
        return shortened([show(x) for x in value]) or "(none)"
    return str(value).replace("|", "\\|")


def _detail(m: Mapping[str, Any]) -> str:
    d = m.get("detail")
    if not d:
        return ""
    if m["measure"] == "blind spots":
        return "; ".join(
            f"t {s['t_start']:.3g}–{s['t_end']:.3g} Å, slope down to {s['min_slope']:.2g}"
            + (f", dV falls from t {s['falls'][0]:.3g} to {s['falls'][1]:.3g} Å" if s["falls"] else "")
            + (f", {s['depth']:.3g}× below the line" if s["depth"] is not None else ", open at the curve's start")
            for s in d
        )
    return show(d)


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card as Markdown, every line made from the JSON card."""
    lines = [f"# Report card: {card['representation']}", ""]
    for test in TESTS:
        ms = [m for m in card["measures"] if m["test"] == test]
        if not ms:
            continue
        lines += [
            f"## {test.capitalize()}",
            "",
            "| measure | where | value | verdict | rank | detail |",
            "|---|---|---|---|---|---|",
        ]
        for m in ms:
            if m["missing"]:
                value, verdict = "missing", f"{m['missing']['stage']}: {m['missing']['why']}"
            else:
                value = show(m["value"]) + (f" {m['unit']}" if m["unit"] and m["value"] is not None else "")
                verdict = show(m["verdict"])
            rank = f"{m['rank']} of {m['of']}" if m["rank"] else "—"
            detail = show(_detail(m)) if _detail(m) else "—"
            lines.append(f"| {m['measure']} | {show(m['where'])} | {value} | {show(verdict)} | {rank} | {detail} |")
        lines.append("")
    rules = dict.fromkeys(m["measure"] for m in card["measures"])
    lines += ["## Rules", ""] + [f"- {name}: {RULES[name]}" for name in rules if RULES.get(name)]
    return "\n".join(lines) + "\n"


def league(cards: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per representation, one column per compared measure; a cell: the value and
    its rank (``0.012 (1)``), ``missing`` where the stage did not run for it."""
    columns: dict[str, None] = {}
    rows = []
    for rep, card in cards.items():
        row = {"representation": rep}
        for m in card["measures"]:
            if m["measure"] not in LEAGUE:
                continue
            columns[key(m)] = None
            row[key(m)] = "missing" if m["missing"] else f"{show(m['value'])} ({m['rank'] if m['rank'] else '—'})"
        rows.append(row)
    return pd.DataFrame(rows, columns=["representation", *columns]).fillna("—")
