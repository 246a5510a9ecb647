"""Report cards (descriptor_study.cards, workflow/rules/cards.smk): each rule on real curves
and matrices, and the cards of a real run of config/ci.yaml."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from descriptor_study import contract, contract_structures, selection, sensitivity
from descriptor_study.cards import verdicts
from descriptor_study.plan import Plan
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]
CI = REPO / "config/ci.yaml"

#: the tests of the real run share one worker, which makes it once (conftest's ``ci_run``); the
#: others, the default config's curves among them, go to whichever worker is free
IN_CI_RUN = pytest.mark.xdist_group("ci_cards")


# --- the rules, on real curves and matrices ------------------------------------------------------


def _chsf_curve(panel: str, t: np.ndarray) -> pd.DataFrame:
    """CHSF's curve of ``panel`` at ``t``, as the sensitivity study computes it (the default
    config's sensitivity settings and CHSF parameters)."""
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    settings = {k: v for k, v in config["sensitivity"].items() if k != "representations"}
    rep = registry.build("CHSF", ["Si"], config["sensitivity"]["representations"]["CHSF"])
    return sensitivity.sensitivity_curve(rep, sensitivity.build_path(panel, settings, t=t))


def test_the_blind_spot_of_chsf_in_figure5c_is_found_with_its_range_and_depth():
    t = 10 ** np.arange(-1.6, -0.35, 0.2)  # 0.025 ... 0.4: the paper's Figure 5c dip of CHSF
    curve = _chsf_curve("fig5c", t)
    dV = curve["dV"].to_numpy()
    spots = verdicts.blind_spots(curve["t"], dV)
    # the slope table flags it: the card locates the same dip
    assert sensitivity.dip_report(t, dV)["dip"] and len(spots) == 1
    spot = spots[0]
    # dV falls from t = 0.1 to t = 0.158 and grows everywhere else
    (falls,) = np.nonzero(np.diff(dV) < 0)
    assert falls.tolist() == [3]
    assert spot["falls"] == [pytest.approx(t[3]), pytest.approx(t[4])]
    # the stall starts where the central local slope first drops below DIP_LOW
    s = sensitivity.local_slopes(t, dV)
    first = int(np.flatnonzero(s < verdicts.DIP_LOW)[0])
    assert first <= 3 and spot["t_start"] == pytest.approx(t[first]) and spot["t_end"] == pytest.approx(t[4])
    assert spot["min_slope"] == pytest.approx(s[first:5].min()) and spot["min_slope"] < 0
    assert not spot["open"]
    # depth: the line on log axes through the points just outside the run against dV inside it
    before, after = first - 1, 5
    slope = np.log(dV[after] / dV[before]) / np.log(t[after] / t[before])
    line = dV[before] * (t[first:after] / t[before]) ** slope
    assert spot["depth"] == pytest.approx(max(line / dV[first:after]))
    assert spot["depth"] > 3  # a dip, not round-off
    assert verdicts.blind_spot_verdict(spots).startswith("1 blind spot, deepest")


def test_the_blind_spot_rule_is_the_slope_tables_dip_rule():
    import inspect

    defaults = inspect.signature(sensitivity.dip_report).parameters
    assert (defaults["low"].default, defaults["recover"].default) == (verdicts.DIP_LOW, verdicts.DIP_RECOVER)


def test_a_curve_that_only_grows_has_no_blind_spot_and_its_slope_class():
    t = 10 ** np.arange(-4.6, -2.5, 0.2)  # above the noise floor, below the bend of Figure 5
    for panel, expected in (("fig5b", "k ≈ 2"), ("fig5c", "k ≈ 1")):
        curve = _chsf_curve(panel, t)
        assert verdicts.blind_spots(curve["t"], curve["dV"]) == []
        k, (lo, hi) = sensitivity.asymptotic_slope(curve["t"].to_numpy(), curve["dV"].to_numpy())
        assert verdicts.slope_class(k).startswith(expected)
        assert "the paper's is" not in verdicts.slope_class(k, sensitivity.EXPECTED_SLOPE[panel])
        # a power law: the fit holds to well within FIT_RESIDUAL
        residual = verdicts.fit_residual(curve["t"], curve["dV"], lo, hi, sensitivity.NOISE_FLOOR)
        assert residual < verdicts.FIT_RESIDUAL / 10
        assert verdicts.fit_verdict(residual).startswith("the power law holds")
    # k = 2 where the paper reports 1 is said
    assert verdicts.slope_class(2.0, 1.0) == "k ≈ 2 (linearly unstable); the paper's is 1"
    assert verdicts.slope_class(1.5).startswith("other")
    assert verdicts.slope_class(float("nan")) == "below noise floor"


def test_a_bent_curve_does_not_hold_the_power_law_and_the_level_is_read_at_level_t():
    t = 10 ** np.arange(-6, 0.01, 0.2)
    dV = t + 30 * t**2  # slope 1 bending to 2 around t = 0.03
    assert verdicts.fit_residual(t, dV, 1e-6, 1e-5, 0) < 1e-3
    wide = verdicts.fit_residual(t, dV, 1e-6, 1.0, 0)
    assert wide > verdicts.FIT_RESIDUAL and verdicts.fit_verdict(wide).startswith("the power law does not hold")
    i = int(np.argmin(abs(np.log10(t / verdicts.LEVEL_T))))
    assert verdicts.level_at(t, dV) == dV[i]
    assert verdicts.level_at(t[:10], dV[:10]) is None  # no grid point near LEVEL_T
    assert verdicts.level_verdict(2.0, [1.0, 0.5, 4.0]).startswith("2 × the median of the other 3 (1)")


def test_a_dip_at_the_first_point_is_an_open_blind_spot_without_a_depth():
    t = 10 ** np.arange(-1.6, -0.35, 0.2)
    curve = _chsf_curve("fig5c", t)
    # the curve from its fall on: the run starts at the first point, no point before it
    spots = verdicts.blind_spots(curve["t"][3:], curve["dV"][3:])
    assert len(spots) == 1 and spots[0]["open"] and spots[0]["depth"] is None
    assert spots[0]["falls"] == [pytest.approx(t[3]), pytest.approx(t[4])]


def test_invariance_threshold_and_the_classes_coarser_precision():
    assert verdicts.INVARIANCE_TOL == contract.TOL == 1e-9
    assert verdicts.invariance(1e-9).startswith("invariant")
    assert verdicts.invariance(1.1e-9).startswith("not invariant")
    assert verdicts.invariance(1e-7, tolerance=1e-6).startswith("invariant (≤ 1e-06)")
    assert verdicts.invariance(None) == "not measured"


def _acsf_cell_rows() -> np.ndarray:
    rep = registry.build("ACSF", contract_structures.SPECIES, {})
    return rep.compute(contract_structures.periodic_cell())


def test_columns_after_the_round_off_floor_are_empty_and_the_share_is_the_tables():
    X = _acsf_cell_rows()
    X = X[:, np.any(X != 0, axis=0)]
    n = X.shape[1]
    # five copies of existing columns add nothing a CUR selection has not got
    doubled = np.hstack([X, X[:, :5]])
    ranking = selection.cur_ranking(doubled)
    errors = np.asarray(ranking.errors)
    empty = verdicts.empty_columns(errors)
    assert empty >= 5
    first_floor = int(np.flatnonzero(errors <= verdicts.ROUNDOFF_FLOOR)[0])
    assert empty == len(errors) - first_floor - 1
    # the share below 1e-3 is the compressibility table's
    table = selection.compressibility({("ACSF", "cell"): pd.DataFrame({"error": errors})})
    n_thr, percent = verdicts.share_to_level(errors)
    assert n_thr == table.loc[0, "n_below_1e-3"] and percent == table.loc[0, "percent_below_1e-3"]
    assert verdicts.empty_columns(errors[:first_floor]) == 0
    assert n < len(errors)


def test_a_structure_far_above_the_median_row_norm_is_named():
    rows = _acsf_cell_rows()  # 8 rows: frame 0
    norms = np.linalg.norm(np.vstack([rows, rows[:2] * 2e3, rows[:3]]), axis=1)
    frames = np.repeat([0, 1, 2], [len(rows), 2, 3])
    spread = verdicts.row_norm_range(norms, frames)
    assert spread["wide_frames"] == [1]
    assert spread["median"] == pytest.approx(np.median(norms))
    assert spread["max_over_median"] == pytest.approx(norms.max() / np.median(norms))
    span = np.log10(norms.max() / norms.min())
    assert (
        verdicts.range_verdict(spread)
        == f"1 structure with a row ≥ 1000 × the median; the non-zero rows span {span:.3g} decades"
    )
    assert verdicts.row_norm_range(norms[:8], frames[:8])["wide_frames"] == []


def test_ranks_give_one_to_the_smallest_and_share_ties():
    assert verdicts.ranks({"A": 0.3, "B": 0.1, "C": None, "D": 0.1}) == {"A": 3, "B": 1, "C": None, "D": 1}


def test_the_card_part_measures_translation_permutation_and_mirror(tmp_path, monkeypatch):
    from descriptor_study.jobs import CardPartJob
    from descriptor_study.stages.cards import card_part

    whole = card_part(CardPartJob("ACSF", {}, str(tmp_path / "ACSF.json")))
    assert json.loads((tmp_path / "ACSF.json").read_text()) == json.loads(json.dumps(whole))
    part = whole["invariance"]
    assert part["origin"] == "built-in" and part["error"] is None
    for name in ("translation", "permutation", "mirror"):
        assert set(part[name]) == {"cell", "cluster", "max"}
        assert 0 <= part[name]["max"] < 1e-12  # ACSF: distances and angles only
    # a class file of the user's is named as such
    monkeypatch.chdir(REPO)
    entry = {"class": "examples/lmbtr.py:LMBTR", "cutoff": 6.5}
    lmbtr = card_part(CardPartJob("LMBTR", {}, str(tmp_path / "LMBTR.json"), entry))["invariance"]
    assert lmbtr["origin"] == "`class:` lmbtr.py:LMBTR"
    assert lmbtr["translation"]["max"] <= verdicts.INVARIANCE_TOL


# --- a real run of config/ci.yaml (the ``ci_run`` fixture of conftest.py) -----------------------


def _card(workdir: Path, rep: str) -> dict:
    return json.loads((workdir / f"results/cards/{rep}.json").read_text())


def _find(card: dict, test: str, measure: str, where=None) -> dict:
    found = [m for m in card["measures"] if m["test"] == test and m["measure"] == measure and m["where"] == where]
    assert len(found) == 1, (test, measure, where)
    return found[0]


@IN_CI_RUN
def test_the_ci_run_writes_every_card_and_the_league_from_its_outputs(ci_run):
    from descriptor_study import storage

    config = yaml.safe_load(CI.read_text())
    reps, datasets = list(config["representations"]), list(config["datasets"])
    t1 = pd.read_csv(ci_run / "results/tables/table1.csv")
    comp = pd.read_csv(ci_run / "results/tables/compressibility.csv")
    best = pd.read_csv(ci_run / "results/tables/regression_best.csv")
    for rep in reps:
        card = _card(ci_run, rep)
        md = (ci_run / f"results/cards/{rep}.md").read_text()
        assert md.startswith(f"# Report card: {rep}")
        assert card["representation"] == rep
        assert {m["test"] for m in card["measures"]} == {
            "identity",
            "sensitivity",
            "invariance",
            "dimensionality",
            "regression",
            "cost",
            "numerical range",
        }
        assert _find(card, "identity", "origin")["value"] == "built-in"
        for d in datasets:
            row = t1[(t1.representation == rep) & (t1.dataset == d)].iloc[0]
            features = _find(card, "identity", "features", d)
            assert features["value"] == row["full"]
            assert features["verdict"] == f"{row['full'] - row['nonzero']} all-zero"
            c = comp[(comp.representation == rep) & (comp.dataset == d)].iloc[0]
            assert _find(card, "dimensionality", "CUR share", d)["value"] == c["percent_below_1e-3"]
            for model in ("RR", "KRR"):
                b = best[(best.model == model) & (best.dataset == d) & (best.representation == rep)].iloc[0]
                rmse = _find(card, "regression", "test RMSE", f"{model} {d}")
                assert rmse["value"] == pytest.approx(b["test_rmse"]) and 1 <= rmse["rank"] <= rmse["of"] == 3
            bench = pd.read_csv(ci_run / f"benchmarks/rules/represent/{d}/{rep}.tsv", sep="\t")
            cost = _find(card, "cost", "seconds per 1000 environments", d)
            assert cost["value"] == pytest.approx(bench["s"].iloc[-1] / row["rows"] * 1000)
            assert _find(card, "cost", "peak memory", d)["value"] == pytest.approx(bench["max_rss"].iloc[-1])
            data = storage.read(ci_run / f"results/representations/{d}/{rep}.h5")
            norms = np.linalg.norm(data.matrix, axis=1)
            spread = _find(card, "numerical range", "row norm range", d)
            assert spread["value"] == pytest.approx(norms.max() / np.median(norms))
            assert spread["detail"]["median"] == pytest.approx(np.median(norms))
        first = storage.read(ci_run / f"results/representations/{datasets[0]}/{rep}.h5")
        assert _find(card, "identity", "parameters")["value"] == first.params
        assert _find(card, "identity", "versions")["value"] == first.versions
        for name in ("translation", "permutation"):
            assert _find(card, "invariance", name, "Al-Cu cell and cluster")["verdict"].startswith("invariant")
        assert _find(card, "invariance", "mirror", "Al-Cu cell and cluster")["verdict"] == "measured"
    # the sensitivity study covers ACSF and SOAPlite; MBTR's card says why it has none
    acsf = _card(ci_run, "ACSF")
    rotation = _find(acsf, "sensitivity", "rotation", "fig3")
    fig3 = pd.read_csv(ci_run / "results/sensitivity/fig3/ACSF.csv")
    assert rotation["value"] == pytest.approx(fig3["dV"].max()) and rotation["verdict"].startswith("invariant")
    assert _find(acsf, "sensitivity", "slope", "fig4")["verdict"].startswith(
        "k ≈ 1 (linearly stable); the power law holds"
    )
    mbtr = _find(_card(ci_run, "MBTR"), "sensitivity", "slope", "fig4")
    assert mbtr["value"] is None and mbtr["missing"]["stage"] == "sensitivity"
    assert "`sensitivity.representations` does not list it" in mbtr["missing"]["why"]
    assert (
        "| slope | fig4 | missing | sensitivity: not configured for MBTR"
        in (ci_run / "results/cards/MBTR.md").read_text()
    )
    # the league: one row per representation, every compared measure a column
    league = pd.read_csv(ci_run / "results/cards/league.csv")
    assert league["representation"].tolist() == reps
    assert "regression: test RMSE (KRR Si-demo)" in league.columns
    assert league.set_index("representation").loc["MBTR", "sensitivity: blind spots (fig4)"] == "missing"
    cell = league.set_index("representation").loc["ACSF", "dimensionality: CUR share (Si-demo)"]
    assert re.fullmatch(r"\S+ \([123]\)", cell)
    assert (ci_run / "results/cards/league.md").read_text().startswith("# League table")


@IN_CI_RUN
def test_a_study_that_is_not_configured_is_said_on_every_card(ci_run, tmp_path, monkeypatch):
    from descriptor_study.stages.cards import cards

    config = yaml.safe_load(CI.read_text())
    config["regression"] = {}
    plan = Plan(config, registry.classes_of(config["representations"]))
    monkeypatch.chdir(ci_run)
    built = cards(plan.cards_job(), root=tmp_path)
    for rep, card in built.items():
        rmse = [m for m in card["measures"] if m["measure"] == "test RMSE"]
        assert len(rmse) == 4 and all(m["missing"]["stage"] == "regress" for m in rmse)
        assert all("no `regression.datasets` in the config" in m["missing"]["why"] for m in rmse)
        assert (
            "| test RMSE | RR Si-demo | missing | regress: not configured"
            in (tmp_path / f"results/cards/{rep}.md").read_text()
        )
    # an input that is absent is said, not a crash
    inputs = dict(plan.card_inputs, compressibility="results/tables/no-such-table.csv")
    card = cards(plan.cards_job()._replace(inputs=inputs), root=tmp_path)["ACSF"]
    share = _find(card, "dimensionality", "CUR share", "Si-demo")
    assert share["missing"]["why"] == "input absent: results/tables/no-such-table.csv"


@IN_CI_RUN
def test_a_class_added_to_a_finished_run_reruns_only_its_own_jobs_and_the_cards(ci_run, snakemake, tmp_path):
    config = yaml.safe_load(CI.read_text())
    config["representations"]["LMBTR"] = {"class": "examples/lmbtr.py:LMBTR", "cutoff": 6.5}
    added = tmp_path / "with-lmbtr.yaml"
    added.write_text(yaml.safe_dump(config, sort_keys=False))  # key order as written: params compare in order
    dry = snakemake(ci_run, "-n", "--configfile", str(added))
    assert dry.returncode == 0, dry.stderr[-3000:]
    text = dry.stdout + dry.stderr
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", text.split("Job stats:")[1].split("total")[0], re.M))
    assert stats["represent"] == "2" and stats["card_part"] == "1"
    assert stats["cards"] == "1"
    assert "sensitivity_curve" not in stats and "dataset" not in stats
    # every job with a representation wildcard is LMBTR's
    named = re.findall(r"wildcards: .*?(?:rep|variant)=([\w-]+)", text)
    assert named and set(named) == {"LMBTR"}


@pytest.mark.xdist_group("sensitivity_jobs")
def test_the_default_configs_cards_locate_chsfs_and_mbtrs_blind_spots_and_mbtrs_slope_2(sensitivity_jobs):
    """The curves as the default run's sensitivity jobs compute them (config/config.yaml,
    stages.sensitivity.run_panels), their slope table as the run writes it, and the cards'
    sensitivity measures made from them.  The curves come from the session's
    ``sensitivity_jobs``: MBTR's are computed once for this test and test_sensitivity's direct
    check."""
    from descriptor_study import slope_report
    from descriptor_study.cards import card as cardlib

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    plan = Plan(config, registry.classes_of(config["representations"]))
    curves = {}
    for rep in ("CHSF", "MBTR", "ACSF"):
        job = sensitivity_jobs(rep, plan.rep_params(rep, "sensitivity"), plan.sensitivity_settings)
        for panel, (_, curve) in job.items():
            curves[(panel, rep)] = curve
    slopes = slope_report.slope_report(sensitivity.slope_table(curves), curves)
    run = {"gaps": {}, "slopes": slopes, "curves": curves, "absent": {}}
    chsf = {(m["measure"], m["where"]): m for m in cardlib.sensitivity_measures("CHSF", run)}
    mbtr = {(m["measure"], m["where"]): m for m in cardlib.sensitivity_measures("MBTR", run)}
    # CHSF's Figure 5c dip: dV falls from t = 0.1 to 0.158 Å, more than 3x below the line
    (spot,) = chsf[("blind spots", "fig5c")]["detail"]
    assert spot["falls"] == [pytest.approx(0.1), pytest.approx(10**-0.8)]
    assert spot["depth"] > 3 and not spot["open"]
    assert "t 0.0631–0.158 Å" in cardlib._detail(chsf[("blind spots", "fig5c")])
    # every flagged dip is located, and no unflagged curve gets one
    for (panel, rep), curve in curves.items():
        if panel == "fig3":
            continue
        row = slopes[(slopes.panel == panel) & (slopes.representation == rep)].iloc[0]
        assert bool(verdicts.blind_spots(curve["t"], curve["dV"])) == bool(row["dip"]), (panel, rep)
    # MBTR: slope 2 on the mixed and the radial path, where the paper has 1; its Figure 5d dip
    for panel in ("fig4", "fig5a"):
        assert mbtr[("slope", panel)]["value"] == pytest.approx(2, abs=verdicts.SLOPE_CLASS_TOL)
        assert mbtr[("slope", panel)]["verdict"].startswith("k ≈ 2 (linearly unstable); the paper's is 1")
    assert mbtr[("blind spots", "fig5d")]["value"] == 1
    # rotation: the largest dV of Figure 3, invariant
    for rep_card in (chsf, mbtr):
        rotation = rep_card[("rotation", "fig3")]
        assert rotation["value"] < 1e-13 and rotation["verdict"].startswith("invariant")
    # the level: dV at LEVEL_T beside the median of the other two
    level = chsf[("level", "fig4")]
    at = int(np.argmin(abs(np.log10(curves[("fig4", "CHSF")]["t"] / verdicts.LEVEL_T))))
    assert level["value"] == curves[("fig4", "CHSF")]["dV"].iloc[at]
    others = [curves[("fig4", r)]["dV"].iloc[at] for r in ("MBTR", "ACSF")]
    assert level["verdict"].startswith(f"{level['value'] / np.median(others):.3g} × the median of the other 2")


@IN_CI_RUN
def test_snakemake_report_holds_the_league_and_every_cards_page_and_figure(ci_run, snakemake, tmp_path):
    import zipfile

    out = tmp_path / "report.zip"
    run = snakemake(ci_run, "--report", str(out), "--configfile", str(CI))
    assert run.returncode == 0, run.stderr[-3000:]
    names = {Path(n).name for n in zipfile.ZipFile(out).namelist()}
    reps = list(yaml.safe_load(CI.read_text())["representations"])
    assert {"league.csv", "index.html"} | {f"{r}.{e}" for r in reps for e in ("html", "png")} <= names


def test_the_row_norm_range_names_structures_far_above_and_far_below_the_median():
    # ten structures of three rows: four of ordinary size (norms near 10), six with a row of
    # 1e20 or more (as SevenNet's rows in AlNiCu's structures with atoms 0.1-0.5 Å apart)
    rng = np.random.default_rng(0)
    frames = np.repeat(np.arange(10), 3)
    norms = 10 + rng.random(30)
    norms[12:] *= 1e20
    norms[27] = 1e30  # one row far above even those
    spread = verdicts.row_norm_range(norms, frames)
    assert spread["median"] == pytest.approx(np.median(norms))
    assert spread["wide_frames"] == [9]  # a row ≥ 1e3 × the median
    assert spread["low_frames"] == [0, 1, 2, 3]  # every row ≤ the median / 1e3
    assert spread["span_decades"] == pytest.approx(np.log10(norms.max() / norms.min()))
    verdict = verdicts.range_verdict(spread)
    assert verdict.startswith("1 structure with a row ≥ 1000 × the median; 4 structures with every row ≤ the median")
    # rows on one scale: nothing named; an all-zero structure (an isolated atom) is not "low"
    ordinary = 10 + rng.random(30)
    ordinary[:3] = 0.0
    calm = verdicts.row_norm_range(ordinary, frames)
    assert calm["wide_frames"] == calm["low_frames"] == []
    assert verdicts.range_verdict(calm) == "every structure within a factor 1000 of the median row norm"
