"""A report card's figure (descriptor_study.plotting.card_figure, results/cards/<rep>.png) on
a real run of config/ci.yaml (the ``ci_run`` fixture of conftest.py): each panel's coloured
curve is the representation's own, from the run's files, over the others' in grey; a study
that did not run for it is said in its panel."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.colors import to_hex

from descriptor_study.plan import Plan
from descriptor_study.plotting import card_figure as cf
from descriptor_study.plotting.style import plt, representation_colour
from descriptor_study.representations import registry
from descriptor_study.stages.cards import CARD_DPI, read_run

pytestmark = pytest.mark.xdist_group("ci_cards")
REPO = Path(__file__).resolve().parents[1]
CI = REPO / "config/ci.yaml"
TITLES = (
    "(a) Figure 4: mixed path",
    "(b) Figure 5c: tangential, random (1st shell, pre-perturbed)",
    "(c) Figure 6: CUR on Si-demo",
    "(d) Figure 7: PCA on Si-demo",
    "(e) Figure 9a: RR test RMSE, top 20 on Si-demo",
)


def _plan(**sections) -> Plan:
    config = yaml.safe_load(CI.read_text())
    config.update(sections)
    return Plan(config, registry.classes_of(config["representations"]))


def _expected(workdir: Path, reps: list[str], sensitivity_reps: list[str]) -> list[dict]:
    """Each panel's curves {rep: (x, y)}, read from the run's files here, drawn as the paper's
    figures draw them (Figure 4 through (0.1, 0.1); log axes: no point at 0; the CUR error
    from 1e-17 and the PCA ratio from 1e-20 up, as Figures 6 and 7; Figure 9a: the sizes up
    to n_top, failed fits left out)."""
    panels: list[dict] = [{}, {}, {}, {}, {}]
    for rep in sensitivity_reps:
        fig4 = pd.read_csv(workdir / f"results/sensitivity/fig4/{rep}.csv")
        y = 0.1 * fig4["dV"] / fig4["dV"].max()
        panels[0][rep] = (fig4["t"], np.where(y > 0, y, np.nan))
        fig5c = pd.read_csv(workdir / f"results/sensitivity/fig5c/{rep}.csv")
        panels[1][rep] = (fig5c["t"], np.where(fig5c["dV"] > 0, fig5c["dV"], np.nan))
    for rep in reps:
        cur = pd.read_csv(workdir / f"results/dimensionality/cur/Si-demo/{rep}.csv")
        panels[2][rep] = (cur["percent"], np.where(cur["error"] > 1e-17, cur["error"], 1e-17))
        pca = pd.read_csv(workdir / f"results/dimensionality/pca/Si-demo/{rep}.csv")
        ratio = pca["variance_ratio"]
        panels[3][rep] = (pca["percent"], np.where(ratio > 1e-20, ratio, 1e-20))
        sweep = pd.read_csv(workdir / f"results/regression/rr/Si-demo/{rep}.csv")
        top = sweep[sweep["n"] <= 20]
        panels[4][rep] = (top["n"], np.where(top["status"] == "ok", top["test_rmse"], np.nan))
    return panels


def _curves(ax) -> dict:
    """The panel's drawn curves: representation → line (its gid names it)."""
    return {
        line.get_gid()[len(cf.GID) :]: line
        for line in ax.get_lines()
        if line.get_gid() and line.get_gid().startswith(cf.GID)
    }


def _texts(ax) -> str:
    return " ".join(" ".join(t.get_text().split()) for t in ax.texts)


@pytest.fixture
def in_ci_run(ci_run, monkeypatch):
    monkeypatch.chdir(ci_run)  # the inputs' paths are relative to the run's directory
    return ci_run


def test_each_panel_draws_the_representations_curve_in_colour_over_the_others_in_grey(in_ci_run):
    config = yaml.safe_load(CI.read_text())
    reps, sensitivity_reps = list(config["representations"]), list(config["sensitivity"]["representations"])
    assert sensitivity_reps == ["ACSF", "SOAPlite"]  # MBTR has no sensitivity curve (the next test)
    run = read_run(_plan().card_inputs)
    expected = _expected(in_ci_run, reps, sensitivity_reps)
    for rep in sensitivity_reps:
        fig = cf.card_figure(rep, run)
        assert [ax.get_title() for ax in fig.axes] == list(TITLES)
        for ax, curves in zip(fig.axes, expected):
            drawn = _curves(ax)
            assert set(drawn) == set(curves), (rep, ax.get_title())
            for name, (x, y) in curves.items():
                line = drawn[name]
                np.testing.assert_array_equal(line.get_xdata(), np.asarray(x, dtype=float))
                np.testing.assert_allclose(line.get_ydata(), y, rtol=1e-15, equal_nan=True)
                if name == rep:  # its own colour, above the others
                    assert to_hex(line.get_color()) == representation_colour(rep)
                    assert line.get_zorder() > cf.OTHERS_STYLE["zorder"]
                else:
                    assert to_hex(line.get_color()) == to_hex(cf.OTHERS_STYLE["color"])
            assert not ax.texts or ax.get_title().startswith(("(a)", "(b)"))  # only the slope guides' labels
        # log-log for sensitivity, log y for the others, as the paper's figures
        assert [(ax.get_xscale(), ax.get_yscale()) for ax in fig.axes] == [("log", "log")] * 2 + [("linear", "log")] * 3
        assert fig.axes[2].get_xlim() == (0, 100) and fig.axes[3].get_ylim() == (1e-20, 2)
        plt.close(fig)


def test_a_representation_without_a_sensitivity_curve_says_why_in_panels_a_and_b(in_ci_run):
    plan = _plan()
    run = read_run(plan.card_inputs)
    fig = cf.card_figure("MBTR", run)
    a, b, c, d, e = fig.axes
    why = plan.card_gaps["MBTR"]["sensitivity"]
    assert why == "not configured for MBTR (`sensitivity.representations` does not list it)"
    for ax in (a, b):
        assert _curves(ax) == {}
        assert _texts(ax) == f"No curve: the sensitivity study is {why}."
    # its other panels draw its curve over ACSF's and SOAPlite's
    for ax in (c, d, e):
        assert set(_curves(ax)) == {"MBTR", "ACSF", "SOAPlite"}
        assert to_hex(_curves(ax)["MBTR"].get_color()) == representation_colour("MBTR")
    plt.close(fig)


def test_a_study_not_configured_or_an_absent_input_is_said_in_its_panel(in_ci_run, tmp_path, monkeypatch):
    # no regression study: panel (e) says so, the others are drawn
    plan = _plan(regression={})
    fig = cf.card_figure("ACSF", read_run(plan.card_inputs))
    assert fig.axes[4].get_title() == "(e) Figure 9a: RR test RMSE"
    assert _curves(fig.axes[4]) == {}
    assert _texts(fig.axes[4]) == (
        "No curve: the regression study is not configured (no `regression.datasets` in the config)."
    )
    assert set(_curves(fig.axes[2])) == {"ACSF", "SOAPlite", "MBTR"}
    plt.close(fig)
    # the run's results without ACSF's CUR curve on Si-demo
    shutil.copytree(in_ci_run / "results", tmp_path / "results", ignore=shutil.ignore_patterns("*.h5"))
    (tmp_path / "results/dimensionality/cur/Si-demo/ACSF.csv").unlink()
    monkeypatch.chdir(tmp_path)
    fig = cf.card_figure("ACSF", read_run(_plan().card_inputs))
    assert _curves(fig.axes[2]) == {}
    assert _texts(fig.axes[2]) == "No curve: input absent: results/dimensionality/cur/Si-demo/ACSF.csv"
    assert set(_curves(fig.axes[3])) == {"ACSF", "SOAPlite", "MBTR"}  # PCA still drawn
    plt.close(fig)


def test_the_workflow_writes_every_cards_figure(ci_run):
    plan = _plan()
    pngs = [f"results/cards/{rep}.png" for rep in plan.representations]
    assert set(pngs) <= set(plan.card_files)
    for png in pngs:
        image = plt.imread(ci_run / png)
        # 15 × 8.6 inches at the cards' resolution
        assert image.ndim == 3 and image.shape[:2] == (round(8.6 * CARD_DPI), 15 * CARD_DPI)
        assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 50  # drawn, not blank


def test_a_class_of_the_users_is_drawn_in_its_palette_colour_and_its_absent_files_are_said(in_ci_run):
    # LMBTR added to the finished run's config, nothing of it computed yet
    config = yaml.safe_load(CI.read_text())
    config["representations"]["LMBTR"] = {"class": f"{REPO / 'examples/lmbtr.py'}:LMBTR", "cutoff": 6.5}
    plan = Plan(config, registry.classes_of(config["representations"]))
    run = read_run(plan.card_inputs)
    fig = cf.card_figure("LMBTR", run)
    colour = representation_colour("LMBTR", registry.classes_of(config["representations"]))
    assert colour not in {representation_colour(r) for r in ("ACSF", "SOAPlite", "MBTR")}
    assert to_hex(fig._suptitle.get_color()) == colour
    assert to_hex(fig.legends[0].get_lines()[0].get_color()) == colour
    assert fig.legends[0].get_texts()[0].get_text() == "LMBTR (DScribe)"  # the class's label
    why = plan.card_gaps["LMBTR"]["sensitivity"]
    absent = [
        "results/dimensionality/cur/Si-demo/LMBTR.csv",
        "results/dimensionality/pca/Si-demo/LMBTR.csv",
        "results/regression/rr/Si-demo/LMBTR.csv",
    ]
    assert [_texts(ax) for ax in fig.axes] == [f"No curve: the sensitivity study is {why}."] * 2 + [
        f"No curve: input absent: {path}" for path in absent
    ]
    assert all(_curves(ax) == {} for ax in fig.axes)
    plt.close(fig)
