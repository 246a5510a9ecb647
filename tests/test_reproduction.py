"""The reproduction report: curve metrics, tolerances and verdicts on synthetic curves that
agree and that do not, and the whole comparison against the published files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import published_files

from descriptor_study.jobs import ReproductionJob
from descriptor_study.reproduction.cells import curve_cells, regression_cells, sensitivity_cells
from descriptor_study.reproduction.metrics import percent_to_reach, value_at_percent
from descriptor_study.reproduction.names import is_degree_variant
from descriptor_study.reproduction.reasons import ZERO_CURVE, attach_reasons
from descriptor_study.reproduction.report import RunResults, compare, markdown, summary
from descriptor_study.reproduction.tolerances import TOLERANCES


def error_curve(n: int, decades_per_feature: float) -> pd.DataFrame:
    """A CUR-like curve: the error falls by ``decades_per_feature`` per selected feature."""
    rank = np.arange(1, n + 1)
    return pd.DataFrame({"rank": rank, "percent": 100.0 * rank / n, "error": 10.0 ** (-decades_per_feature * rank)})


def test_percent_to_reach_is_the_first_point_at_or_below_the_level():
    df = error_curve(200, 0.1)  # 1e-3 at rank 30
    assert percent_to_reach(df["percent"], df["error"]) == pytest.approx(15.0)
    assert math.isnan(percent_to_reach(df["percent"], df["error"], level=1e-30))


def test_value_at_percent_interpolates_in_log():
    df = error_curve(100, 0.1)
    assert value_at_percent(df["percent"], df["error"], 25.0) == pytest.approx(10**-2.5, rel=1e-12)
    assert value_at_percent(df["percent"], df["error"], 25.5) == pytest.approx(10**-2.55, rel=1e-12)
    assert math.isnan(value_at_percent(df["percent"], df["error"], 0.5))


def verdicts(rows):
    return {r["item"].rsplit("/", 1)[-1]: r["verdict"] for r in rows}


def test_curves_that_agree_within_tolerance_agree():
    published = error_curve(300, 0.05)
    ours = published.assign(error=published["error"] * 1.5)  # 0.18 decades, under log10(2)
    got = verdicts(curve_cells("Figure 6", "cur", "SOAP", "AlNiCu", published, ours))
    assert set(got.values()) == {"agree"}, got
    assert set(got) == {"percent_to_1e-3", "first", "at_10", "at_25", "at_50"}


def test_curves_that_fall_at_another_rate_differ():
    published = error_curve(300, 0.05)  # 1e-3 at 20 %
    ours = error_curve(300, 0.02)  # 1e-3 at 50 %
    got = verdicts(curve_cells("Figure 6", "cur", "ACE", "AlNiCu", published, ours))
    assert got["percent_to_1e-3"] == "differ"
    assert got["at_10"] == "differ" and got["at_25"] == "differ"
    assert got["first"] == "agree"  # 10^-0.05 against 10^-0.02: 0.03 decades


def test_shift_of_ten_points_is_the_edge_of_the_percent_tolerance():
    published = error_curve(100, 0.1)  # 30 %
    assert (
        verdicts(curve_cells("F", "cur", "r", "d", published, error_curve(100, 0.075)))["percent_to_1e-3"] == "agree"
    )  # 40 %: exactly +10 points
    assert (
        verdicts(curve_cells("F", "cur", "r", "d", published, error_curve(100, 0.07)))["percent_to_1e-3"] == "differ"
    )  # 43 %


def test_values_both_below_the_floor_agree_and_never_reaching_agrees_only_on_both_sides():
    tol = TOLERANCES["error"]
    assert tol.agrees(1e-9, 1e-13)  # both at the round-off floor of one code or the other
    assert not tol.agrees(1e-9, 1e-4)
    pct = TOLERANCES["percent"]
    assert pct.agrees(float("nan"), float("nan"))
    assert not pct.agrees(30.0, float("nan"))


def power_law(k: float, a: float = 1.0) -> pd.DataFrame:
    t = 10.0 ** np.arange(-8, -0.99, 0.2)
    return pd.DataFrame({"t": t, "dV": a * t**k})


def test_sensitivity_cells_compare_slope_and_level():
    same = verdicts(sensitivity_cells("fig5a", "CHSF", power_law(1.0, 1.0), power_law(1.0, 2.0)))
    assert same == {"slope": "agree", "level": "agree"}  # 0.3 decades apart
    steeper = verdicts(sensitivity_cells("fig5b", "SOAP", power_law(2.0, 1.0), power_law(1.0, 1e-3)))
    assert steeper["slope"] == "differ"
    lower = verdicts(sensitivity_cells("fig4", "ACE", power_law(1.0, 1.0), power_law(1.0, 1e-2)))
    assert lower == {"slope": "agree", "level": "differ"}


def test_a_curve_of_ours_that_is_exactly_zero_differs_with_its_reason():
    zero = power_law(1.0, 0.0)
    rows = sensitivity_cells("fig5a", "ACSF", power_law(1.0, 1.0), zero)
    assert {r["metric"].split()[0]: (r["ours"], r["verdict"]) for r in rows} == {
        "slope": (rows[0]["ours"], "differ"),
        "dV": (0.0, "differ"),  # the level at 1e-3 Å: exactly 0, not a failed interpolation
    }
    assert np.isnan(rows[0]["ours"])
    deviation = [{"match": {"item": "fig5a/ACSF"}, "reason": "a reason written for the authors' curve"}]
    attach_reasons(rows, deviation)
    assert [r["reason"] for r in rows] == [ZERO_CURVE, ZERO_CURVE]
    assert ZERO_CURVE.startswith("our curve is exactly 0 at every t")


def test_rotation_cells_agree_when_both_are_round_off():
    theta = np.arange(0, 91.0)
    small = pd.DataFrame({"t": theta, "dV": 1e-14 * (1 + theta)})
    large = pd.DataFrame({"t": theta, "dV": 1e-6 * (1 + theta)})
    assert sensitivity_cells("fig3", "ACE", small, small * 0.5)[0]["verdict"] == "agree"
    assert sensitivity_cells("fig3", "ACE", small, large)[0]["verdict"] == "differ"


def test_regression_cells_at_published_feature_counts():
    n = np.array([1, 2, 5, 10, 20])
    published = pd.DataFrame({"n": n, "train_rmse": 1.0 / n, "test_rmse": 1.0 / n, "percent": n / 20 * 100})
    ours = published.assign(test_rmse=published["test_rmse"] * np.array([1, 1, 1, 1.5, 3.0]))
    got = verdicts(regression_cells("rr", "SOAP", "Si", published, ours))
    # best: 0.05 published, 0.15 ours (a factor 3)
    assert got == {"best": "differ", "n1": "agree", "n2": "agree", "n5": "agree", "n10": "agree", "n20": "differ"}


def test_demo_datasets_have_no_counterpart_and_the_report_says_so():
    run = RunResults(compare_as={"Si-demo": None, "AlNiCu-demo": None})
    df = compare(run, None)
    assert list(df["verdict"]) == ["no counterpart", "no counterpart"]
    md = markdown(df)
    assert md.splitlines()[2].startswith("**0 of 0 compared cells agree")
    assert "Si-demo stands for no published dataset" in md


def test_reasons_attach_to_matching_cells_only():
    rows = curve_cells("Figure 6", "cur", "ACE", "AlNiCu", error_curve(50, 0.1), error_curve(50, 0.01))
    rows += curve_cells("Figure 6", "cur", "SOAP", "AlNiCu", error_curve(50, 0.1), error_curve(50, 0.1))
    attach_reasons(rows, [{"match": {"representation": "ACE", "verdict": "differ"}, "reason": "why ACE"}])
    for r in rows:
        expected = "why ACE" if (r["representation"] == "ACE" and r["verdict"] == "differ") else ""
        assert r["reason"] == expected


def test_published_curves_compared_with_themselves_agree_and_a_changed_one_differs(published_dir):
    """The whole comparison through the published reader: AlNiCu curves of the published
    file stand in for ours (under our own dataset name), once as they are and once with
    SOAP's curve made to fall ten times slower."""
    from descriptor_study.published import dimensionality as pub_dim

    dims = {}
    for rep in ["SOAP", "MBTR", "CHSF"]:
        dims[("cur", "mine", rep)] = pub_dim.curve(published_dir, "cur", rep, "AlNiCu")
        dims[("pca", "mine", rep)] = pub_dim.curve(published_dir, "pca", rep, "AlNiCu")
    counts = pub_dim.feature_counts(published_dir)
    table1 = counts[counts["dataset"] == "AlNiCu"].rename(columns={"n_nonzero": "nonzero"}).assign(dataset="mine")
    run = RunResults(compare_as={"mine": "AlNiCu", "demo": None}, table1=table1, dimensionality=dims)
    df = compare(run, published_dir, not_run={"Si": "no copy here"}, deviations=[])
    compared = df[df["verdict"].isin(["agree", "differ"])]
    assert len(compared) == 7 + 3 * 5 + 3 * 4  # Table I's AlNiCu column; 5 metrics per CUR curve, 4 per PCA
    assert set(compared["verdict"]) == {"agree"}
    assert set(df.loc[df["verdict"] == "not run", "dataset"]) == {"Si", "CHON", "TiO2"}
    assert df.loc[(df["verdict"] == "not run") & (df["dataset"] == "Si"), "reason"].item() == "no copy here"
    assert df.loc[df["verdict"] == "no counterpart", "dataset"].tolist() == ["demo"]

    slow = dims[("cur", "mine", "SOAP")].copy()
    slow["error"] = slow["error"] ** 0.1
    run.dimensionality[("cur", "mine", "SOAP")] = slow
    df = compare(run, published_dir, deviations=[])
    soap = df[(df["representation"] == "SOAP") & (df["figure"] == "Figure 6")]
    assert soap.set_index("metric").loc["% of features to reach error 0.001", "verdict"] == "differ"
    assert (df[df["verdict"] == "differ"]["representation"] == "SOAP").all()
    assert summary(df).startswith(
        f"{(df['verdict'] == 'agree').sum()} of {df['verdict'].isin(['agree', 'differ']).sum()} compared cells agree"
    )


def test_degree_variants_are_known_through_the_class_that_sweeps_a_degree():
    from descriptor_study.representations import registry

    swept = registry.with_attribute("degree_parameter")
    assert "ACE" in swept
    assert is_degree_variant("ACE-degree9")
    assert not is_degree_variant("ACE-degreeX") and not is_degree_variant("ACE")
    assert not any(is_degree_variant(f"{n}-degree9") for n in registry.builtin_names() if n not in swept)
    # a representation named in the config: its class says whether it sweeps a degree
    mine = type("Mine", (registry.get_class("ACE"),), {"name": "Mine"})
    assert is_degree_variant("Mine-degree6", {"Mine": mine})
    assert not is_degree_variant("Mine-degree6")


def test_read_run_names_each_file_by_its_record_and_figure_6h_takes_the_degree_sweep(published_dir, tmp_path):
    """Files under misleading paths keep the names of their records; the degree sweep's
    curve is compared as Figure 6h, the standardised variant as Figure 6."""
    from descriptor_study.published import dimensionality as pub_dim
    from descriptor_study.stages import reproduction as stage

    records = []
    for k, variant in enumerate(["ACE-degree9", "MBTR-std", "SOAP"]):
        dataset = "AlNiCu" if variant != "MBTR-std" else "Si"
        path = tmp_path / f"curve{k}.csv"
        pub_dim.curve(published_dir, "cur", variant, dataset).to_csv(path, index=False)
        records.append({"method": "cur", "dataset": f"my{dataset}", "variant": variant, "path": str(path)})
    run = stage.read_run({"myAlNiCu": "AlNiCu", "mySi": "Si"}, None, [], records, [])
    assert set(run.dimensionality) == {
        ("cur", "myAlNiCu", "ACE-degree9"),
        ("cur", "mySi", "MBTR-std"),
        ("cur", "myAlNiCu", "SOAP"),
    }
    df = compare(run, published_dir, deviations=[])
    curves = df[df["figure"].str.startswith("Figure 6")]
    assert set(curves.loc[curves["representation"] == "ACE-degree9", "figure"]) == {"Figure 6h"}
    assert set(curves.loc[curves["representation"] == "MBTR-std", "figure"]) == {"Figure 6"}
    assert set(curves.loc[curves["representation"] == "SOAP", "figure"]) == {"Figure 6"}
    assert set(curves["verdict"]) == {"agree"}  # each published curve against itself
    assert set(curves["dataset"]) == {"AlNiCu", "Si"}

    # the rule's stage: the same files read, compared and the report written
    csv, md = tmp_path / "reproduction.csv", tmp_path / "reproduction.md"
    job = ReproductionJob(
        csv,
        md,
        dimensionality=records,
        published=published_files(published_dir),
        compare_as={"myAlNiCu": "AlNiCu", "mySi": "Si"},
    )
    report = stage.reproduction(job)
    pd.testing.assert_frame_equal(report, compare(run, published_dir))
    assert md.read_text() == markdown(report) + "\n" and len(pd.read_csv(csv)) == len(report)
