"""Figures draw the published curve of every (representation, dataset) they show, dashed in
the same colour, and leave it out when no published folder is given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import published_files

from descriptor_study import facts
from descriptor_study.jobs import Figure6Job, Figure7Job, Figure8Job, Figure9Job, SensitivityFiguresJob
from descriptor_study.plan import N_TOP
from descriptor_study.plotting.style import dataset_colour, readable, representation_colour
from descriptor_study.published import dimensionality as pub_dim
from descriptor_study.published import regression as pub_rr
from descriptor_study.published import sensitivity as pub_sens
from descriptor_study.stages import dimensionality as dimensionality_stage
from descriptor_study.stages import regression as regression_stage
from descriptor_study.stages import sensitivity as sensitivity_stage
from descriptor_study.vocabulary import PANELS


def our_curve(tmp_path, method, dataset, rep, n=40, degree=None):
    """A curve file and the record naming it (the path says nothing the figures read)."""
    rank = np.arange(1, n + 1)
    column = "variance_ratio" if method == "pca" else "error"
    df = pd.DataFrame({"rank": rank, "feature": rank - 1, "percent": 100.0 * rank / n, column: 0.5**rank})
    path = tmp_path / method / f"curve{len(list(tmp_path.glob(f'{method}/*.csv')))}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    record = {"method": method, "dataset": dataset, "rep": rep, "path": str(path)}
    return record if degree is None else {**record, "degree": degree}


def lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_figure6_overlays_the_published_curve_dashed_in_the_dataset_colour(tmp_path, published_dir, captured):
    curves = [our_curve(tmp_path, "cur", "AlNiCu-mine", rep) for rep in ["SOAP", "CHSF"]]
    dimensionality_stage.figure6(
        Figure6Job(
            curves,
            [tmp_path / "figure6.png"],
            published=published_files(published_dir),
            compare_as={"AlNiCu-mine": "AlNiCu"},
        )
    )
    fig = captured[0]
    for ax, rep in zip(fig.axes, ["SOAP", "CHSF"]):
        expected = pub_dim.curve(published_dir, "cur", rep, "AlNiCu")
        dashed = [l for label, l in lines(ax).items() if "published" in label]
        assert len(dashed) == 1, [l.get_label() for l in ax.get_lines()]
        line = dashed[0]
        assert line.get_linestyle() not in ("-", "solid")
        assert line.get_color() == dataset_colour("AlNiCu-mine")
        assert np.allclose(line.get_xdata(), expected["percent"])
        assert np.allclose(line.get_ydata(), np.maximum(expected["error"], 1e-17))
        assert any("published" in t.get_text() for t in ax.get_legend().get_texts())


def test_no_overlay_without_published_results_or_counterpart(tmp_path, published_dir, captured):
    curves = [our_curve(tmp_path, "pca", "Si-demo", "SOAP")]
    dimensionality_stage.figure7(
        Figure7Job(curves, [tmp_path / "figure7.png"], published_files(published_dir), {"Si-demo": None})
    )
    dimensionality_stage.figure7(Figure7Job(curves, [tmp_path / "figure7.png"]))
    for fig in captured:
        assert not any("published" in l.get_label() for l in fig.axes[0].get_lines())


def test_figure6_panels_follow_the_classes(tmp_path, published_dir, captured):
    """Panel order and colours come from the classes (a config class included); the
    standardised curve joins its representation's panel and the degree sweep gets the
    panel after the paper's ones, each with the published curves of its variant."""
    from descriptor_study.representations import registry

    (tmp_path / "mine.py").write_text(
        "from descriptor_study.representations import registry\n\n"
        'Mine = type("Mine", (registry.get_class("SOAP"),), '
        '{"name": "Mine", "colour": None, "order": 0.5, "panel_order": 0.5, "paper_feature_counts": {}})\n'
    )
    entries = {"MBTR": {}, "ACE": {}, "ACSF-X": {}, "Mine": {"class": f"{tmp_path / 'mine.py'}:Mine"}}  # the config's
    classes = registry.classes_of(entries)
    curves = [our_curve(tmp_path, "cur", d, rep) for rep in ["MBTR", "ACE", "Mine", "ACSF-X"] for d in ["Si", "AlNiCu"]]
    std = [our_curve(tmp_path, "cur", "Si", "MBTR")]
    degrees = [our_curve(tmp_path, "cur", "AlNiCu", "ACE", n=10 + d, degree=d) for d in (9, 6)]
    dimensionality_stage.figure6(
        Figure6Job(
            curves,
            [tmp_path / "figure6.png"],
            std,
            degrees,
            published_files(published_dir),
            {"Si": "Si", "AlNiCu": "AlNiCu"},
            entries,
        )
    )
    axes = captured[0].axes
    titles = [ax.get_title() for ax in axes[:5]]
    # the paper's panels in the paper's order, then the degree sweep, then the others
    assert titles == ["(a) ACSF-X", "(b) ACE", "(c) MBTR", "(d) ACE on AlNiCu by degree", "(e) Mine"]
    for ax, rep in zip(axes, ["ACSF-X", "ACE", "MBTR", "ACE", "Mine"]):
        assert ax.title.get_color() == representation_colour(rep, classes)
    assert registry.colour("Mine", classes) in registry.PALETTE
    mbtr = lines(axes[2])
    dotted = [l for label, l in mbtr.items() if label.startswith("Si(STD)")]
    assert len(dotted) == 1 and dotted[0].get_linestyle() == ":"
    std_published = pub_dim.curve(published_dir, "cur", "MBTR-std", "Si")
    grey = [l for l in mbtr.values() if "published" in l.get_label() and l.get_color() == "0.4"]
    assert len(grey) == 1 and np.allclose(grey[0].get_ydata(), np.maximum(std_published["error"], 1e-17))
    sweep = lines(axes[3])
    assert [label for label in sweep if "published" not in label] == ["degree 6 (16)", "degree 9 (19)"]
    for d in (6, 9):
        expected = pub_dim.curve(published_dir, "cur", f"ACE-degree{d}", "AlNiCu")
        [line] = [l for label, l in sweep.items() if label.startswith(f"degree {d}") and "published" in label]
        assert np.allclose(line.get_ydata(), np.maximum(expected["error"], 1e-17))


def test_figures_7_and_8_take_names_and_colours_from_records_and_classes(tmp_path, published_dir, captured):

    pca = [our_curve(tmp_path, "pca", "AlNiCu-mine", rep) for rep in ["MBTR", "ACSF"]]
    dimensionality_stage.figure7(
        Figure7Job(pca, [tmp_path / "figure7.png"], published_files(published_dir), {"AlNiCu-mine": "AlNiCu"})
    )
    axes = captured[0].axes
    assert [ax.get_title() for ax in axes[:2]] == ["(a) ACSF", "(b) MBTR"]
    assert [ax.title.get_color() for ax in axes[:2]] == [representation_colour("ACSF"), representation_colour("MBTR")]
    expected = pub_dim.curve(published_dir, "pca", "ACSF", "AlNiCu")
    [line] = [l for l in axes[0].get_lines() if "published" in l.get_label()]
    assert np.allclose(line.get_ydata(), np.maximum(expected["variance_ratio"], 1e-20))

    cur = [our_curve(tmp_path, "cur", d, "SOAP", n=20 if d == "CHON" else 30) for d in ["CHON", "Si"]]
    fps = [our_curve(tmp_path, "fps", "CHON", "SOAP", n=20)]
    dimensionality_stage.figure8(
        Figure8Job(cur, fps, "CHON", [tmp_path / "figure8.png"], published_files(published_dir), {"CHON": "CHON"})
    )
    ax = captured[1].axes[0]
    assert ax.get_title() == "(a) SOAP (20)"
    got = lines(ax)
    assert {"CUR", "FPS", "CUR published", "FPS published"} <= set(got)
    assert np.allclose(
        got["FPS published"].get_ydata(),
        np.maximum(pub_dim.curve(published_dir, "fps", "SOAP", "CHON")["error"], 1e-17),
    )


@pytest.mark.parametrize("order", [["AlNiCu", "TiO2"], ["TiO2", "AlNiCu"]])
def test_published_curves_are_drawn_in_the_records_dataset_order(tmp_path, published_dir, captured, order):
    """The published curves of Figures 6 and 7 come in the order of the datasets in the
    records (a set's order, which changes with the hash seed, made two runs draw different
    figures from the same files)."""
    published = {"published": published_files(published_dir), "compare_as": {f"{d}-mine": d for d in order}}
    for method, draw in (
        ("cur", lambda r: dimensionality_stage.figure6(Figure6Job(r, [tmp_path / "f6.png"], **published))),
        ("pca", lambda r: dimensionality_stage.figure7(Figure7Job(r, [tmp_path / "f7.png"], **published))),
    ):
        captured.clear()
        draw([our_curve(tmp_path, method, f"{d}-mine", "ACSF") for d in order])
        labels = [l.get_label() for l in captured[0].axes[0].get_lines() if "published" in l.get_label()]
        assert [label.split()[0] for label in labels] == [f"{d}-mine" for d in order], labels


def test_figure5_overlays_the_authors_curves(tmp_path, published_dir, captured):
    paths = []
    for panel in PANELS:
        t = np.arange(0, 91.0) if panel == "fig3" else 10.0 ** np.arange(-8, -0.9, 0.2)
        path = tmp_path / panel / "CHSF.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame({"t": t, "dV": 1e-14 + 1e-3 * t}).to_csv(path, index=False)
        paths.append({"panel": panel, "rep": "CHSF", "path": path})
    sensitivity_stage.sensitivity_figures(
        SensitivityFiguresJob(paths, [tmp_path / "figure3.png"], published_files(published_dir))
    )
    fig5 = captured[2]
    ax = fig5.axes[0]  # (a) radial
    line = [
        l for l in ax.get_lines() if l.get_label() == "_published" and l.get_color() == representation_colour("CHSF")
    ][0]
    expected = pub_sens.sensitivity(published_dir, "fig5a", "CHSF")
    assert line.get_color() == representation_colour("CHSF")
    assert np.allclose(line.get_xdata(), expected["t"])
    fig4_line = [l for l in captured[1].axes[0].get_lines() if l.get_label() == "_published"][0]
    v = pub_sens.sensitivity(published_dir, "fig4", "CHSF")["dV"].to_numpy()
    assert np.nanmax(fig4_line.get_ydata()) == pytest.approx(0.1)  # rescaled through (0.1, 0.1) as ours
    assert np.allclose(fig4_line.get_ydata(), np.where(v > 0, 0.1 * v / v.max(), np.nan), equal_nan=True)
    assert "published (dashed)" in [t.get_text() for t in fig5.legends[0].get_texts()]


def test_figure9_overlays_the_published_test_rmse(tmp_path, published_dir, monkeypatch):
    from descriptor_study.plotting import regression

    figures = []
    monkeypatch.setattr(regression, "save", lambda fig, stem: figures.append(fig) or [])
    paths = {}
    for model in ["rr", "krr"]:
        n = np.arange(1, 451)
        path = tmp_path / model / "mine" / "SOAP.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame({"n": n, "train_rmse": 1 / n, "test_rmse": 2 / n, "percent": 100 * n / 450}).to_csv(
            path, index=False
        )
        paths[model] = {"model": model, "dataset": "mine", "rep": "SOAP", "path": path}
    regression_stage.figure9(
        Figure9Job(
            [paths["rr"], paths["krr"]],
            "mine",
            [tmp_path / "figure9_mine.png"],
            N_TOP,
            published_files(published_dir),
            "Si",
        )
    )
    ax = figures[0].axes[1]  # (b) RR over all features
    dashed = [l for l in ax.get_lines() if l.get_label() == "_published"]
    expected = pub_rr.regression(published_dir, "rr", "Si", "SOAP")
    assert len(dashed) == 1 and dashed[0].get_color() == representation_colour("SOAP")
    assert np.allclose(dashed[0].get_xdata(), expected["percent"]) and np.allclose(
        dashed[0].get_ydata(), expected["test_rmse"]
    )
    assert "published (dashed)" in [t.get_text() for t in figures[0].legends[0].get_texts()]


def test_figure9_draws_what_its_csvs_hold(tmp_path, monkeypatch):
    """Sweeps computed by the regression, written as the workflow writes them: every panel holds,
    per representation, a thick dotted training line and a thin solid test line equal to the
    CSV's columns (the top-n panels up to n_top), the legend names training and test, and the
    y range holds every drawn value."""
    from descriptor_study.plotting import regression
    from descriptor_study.regression.models import Problem
    from descriptor_study.regression.sweep import feature_sweep, sweep_sizes

    figures = []
    monkeypatch.setattr(regression, "save", lambda fig, stem: figures.append(fig) or [])
    rng = np.random.default_rng(0)
    X = np.abs(rng.normal(size=(90, 80)))
    P = Problem(
        X, X[:, :5] @ rng.normal(size=5) + 0.1 * rng.normal(size=90), np.full(90, 3.0), np.arange(70), np.arange(70, 90)
    )
    records, sweeps = [], {}
    for model, hyper in (("rr", {"rr_lambda": 1e-3}), ("krr", {"krr_lambda": 1e-3, "krr_gamma": 0.01})):
        for rep, ranking in (("SOAP", np.arange(80)), ("ACE", rng.permutation(80))):
            path = tmp_path / model / f"{rep}.csv"
            path.parent.mkdir(exist_ok=True)
            feature_sweep(P, ranking, model, hyper, sweep_sizes(80, 20, 30)).to_csv(path, index=False)
            sweeps[model, rep] = pd.read_csv(path)
            records.append({"model": model, "dataset": "mine", "rep": rep, "path": path})
    regression_stage.figure9(Figure9Job(records, "mine", [tmp_path / "figure9_mine.png"], N_TOP))
    (fig,) = figures
    for k, (model, full) in enumerate([("rr", False), ("rr", True), ("krr", False), ("krr", True)]):
        ax = fig.axes[k]
        if not full:
            ax.set_xlim(0, 100)  # (the figure's n_top is 65: every size up to 65 is drawn)
        lo, hi = ax.get_ylim()
        for rep in ("SOAP", "ACE"):
            df = sweeps[model, rep]
            part = df if full else df[df["n"] <= 65]
            x = part["percent"] if full else part["n"]
            colour = representation_colour(rep)
            lines = [l for l in ax.get_lines() if l.get_color() == colour]
            train = [l for l in lines if l.get_linewidth() == regression.TRAIN_STYLE["lw"]]
            test = [l for l in lines if l.get_linewidth() == regression.TEST_STYLE["lw"]]
            assert len(train) == 1 and len(test) == 1
            assert train[0].get_linestyle() == ":" and test[0].get_linestyle() == "-"
            for line, column in ((train[0], "train_rmse"), (test[0], "test_rmse")):
                assert np.array_equal(line.get_xdata(), x.to_numpy())
                assert np.allclose(line.get_ydata(), part[column].to_numpy(), rtol=0, atol=0)
                assert lo <= part[column].min() and part[column].max() <= hi
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"training", "test", "SOAP", "ACE"} <= set(labels)


def test_figure9_y_range_is_not_set_by_one_outlier(tmp_path, monkeypatch):
    from descriptor_study.plotting import regression

    figures = []
    monkeypatch.setattr(regression, "save", lambda fig, stem: figures.append(fig) or [])
    n = np.arange(1, 201)
    train = 0.1 / np.sqrt(n)
    train[120] = 1e-9  # one fit at round-off
    path = tmp_path / "SOAP.csv"
    pd.DataFrame({"n": n, "train_rmse": train, "test_rmse": 0.2 / np.sqrt(n), "percent": n / 2.0}).to_csv(
        path, index=False
    )
    records = [{"model": m, "dataset": "mine", "rep": "SOAP", "path": path} for m in ("rr", "krr")]
    regression_stage.figure9(Figure9Job(records, "mine", [tmp_path / "figure9_mine.png"], N_TOP))
    ax = figures[0].axes[1]  # all features: the outlier is there
    lo, hi = ax.get_ylim()
    assert 1e-4 < lo < (0.1 / np.sqrt(200)) and hi > 0.2  # the curves span the range, the outlier does not
    assert [t.get_text() for t in ax.texts] == ["1 points below the y range"]


# --- one colour per representation, in every figure and every process ----------------------

_COLOUR_JOB = r"""
import json, sys
from pathlib import Path
import numpy as np, pandas as pd
from matplotlib.colors import to_hex
from descriptor_study.plotting import regression, sensitivity
from descriptor_study.stages import sensitivity as stages
from descriptor_study.jobs import Figure9Job, SensitivityFiguresJob
from descriptor_study.plan import N_TOP
from descriptor_study.stages.regression import figure9
from descriptor_study.vocabulary import PANELS

figure, tmp, reps = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
# the config's representations (as the scripts read them); "Unregistered" is in no config
config = {r: ({"class": f"{tmp / 'myrep.py'}:{r}"} if r in ("MyRep", "YourRep") else None)
          for r in reps if r != "Unregistered"}
figures = []
sensitivity.save = regression.save = lambda fig, stem: figures.append(fig) or []
records = []
if figure == "4":
    for panel in PANELS:
        t = np.arange(0, 91.0) if panel == "fig3" else 10.0 ** np.arange(-8, -0.9, 0.2)
        for k, rep in enumerate(reps):
            path = tmp / f"curve-{figure}-{panel}-{k}.csv"
            pd.DataFrame({"t": t, "dV": 1e-14 + (k + 1) * 1e-3 * t}).to_csv(path, index=False)
            records.append({"panel": panel, "rep": rep, "path": path})
    stages.sensitivity_figures(SensitivityFiguresJob(records, [tmp / "figure3.png"], class_entries=config))
    axes = [figures[1].axes[0]]  # Figure 4
else:
    n = np.arange(1, 41)
    for model in ["rr", "krr"]:
        for k, rep in enumerate(reps):
            path = tmp / f"sweep-{model}-{k}.csv"
            pd.DataFrame({"n": n, "train_rmse": (k + 1) / n, "test_rmse": (k + 2) / n,
                          "percent": 100 * n / 40}).to_csv(path, index=False)
            records.append({"model": model, "dataset": "mine", "rep": rep, "path": path})
    figure9(Figure9Job(records, "mine", [tmp / "figure9_mine.png"], N_TOP, class_entries=config))
    axes = figures[0].axes
colours = {}
for ax in axes:
    for line in ax.get_lines():
        if not line.get_label().startswith("_"):
            colours.setdefault(line.get_label(), set()).add(to_hex(line.get_color()))
print(json.dumps({k: sorted(v) for k, v in colours.items()}))
"""

_MYREP = """
import numpy as np
from descriptor_study.representations import Representation


class MyRep(Representation):
    name = "MyRep"

    @property
    def n_features(self):
        return 1

    def _compute(self, atoms, centers):
        return np.zeros((len(atoms) if centers is None else len(centers), 1))


class YourRep(MyRep):
    name = "YourRep"
"""


@pytest.mark.slow
def test_two_figure_jobs_draw_each_representation_in_the_same_colour(tmp_path):
    """Figure 4 and Figure 9 in two processes with different hash seeds (the salting of
    ``hash`` would show): the same colour per representation, built-in, ``class:`` or in no
    config at all."""
    import json
    import os
    import subprocess
    import sys

    from descriptor_study.representations import registry

    (tmp_path / "myrep.py").write_text(_MYREP)
    reps = ["SOAP", "ACE", "MBTR", "MyRep", "YourRep", "Unregistered"]
    got = {}
    for figure, seed in [("4", "1"), ("9", "2")]:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        res = subprocess.run(
            [sys.executable, "-c", _COLOUR_JOB, figure, str(tmp_path), json.dumps(reps)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=tmp_path,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        got[figure] = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(got["4"]) == set(got["9"]) == set(reps)
    for rep in reps:
        assert len(got["4"][rep]) == 1 and got["4"][rep] == got["9"][rep], rep  # one colour, in both figures
    for rep in ["SOAP", "ACE", "MBTR"]:
        assert got["4"][rep] == [facts.of(registry.get_class(rep), "colour").lower()]
    # the config's classes without a colour take palette colours, distinct from each other and
    # from the built-ins'; a name in no config takes a palette colour too
    palette = {readable(c) for c in registry.PALETTE}  # as the figures draw them: readable on white
    mine = [got["4"][r][0] for r in ["MyRep", "YourRep"]]
    assert len(set(mine)) == 2 and set(mine) <= palette
    assert not set(mine) & {representation_colour(n) for n in registry.builtin_names()}
    assert got["4"]["Unregistered"][0] in palette


def test_unknown_representation_colour_is_deterministic_across_processes():
    import os
    import subprocess
    import sys

    from descriptor_study.plotting.style import readable
    from descriptor_study.representations.registry import PALETTE

    code = "from descriptor_study.plotting.style import representation_colour as c; print(c('Zeta'), c('Alpha'))"
    out = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(out) == 1  # the same colours whatever the hash seed
    assert set(out.pop().split()) <= {readable(c) for c in PALETTE}


def test_figure5_marks_a_curve_that_is_exactly_zero(tmp_path, captured):
    """ACSF with a 5 Å cutoff: dV = 0 at every t in Figure 5a (the moved neighbour is at
    5.43 Å), which a log axis cannot show.  The panel marks it in ACSF's colour, a row of
    markers at its t in a band below everything else the axis shows, with the words beside
    them and an "ACSF: dV = 0" legend entry; its panel-b curve is drawn as usual."""
    from descriptor_study.stages.sensitivity import run_panels

    outputs = {panel: tmp_path / panel / "ACSF.csv" for panel in ("fig5a", "fig5b")}
    curves = run_panels("ACSF", {"cutoff": 5.0}, {"seed": 0}, outputs)
    assert np.all(curves["fig5a"]["dV"].to_numpy() == 0.0) and np.all(curves["fig5b"]["dV"].to_numpy() > 0)
    records = [{"panel": panel, "rep": "ACSF", "path": path} for panel, path in outputs.items()]
    for panel in PANELS:
        t = np.arange(0, 91.0) if panel == "fig3" else 10.0 ** np.arange(-8, -0.9, 0.2)
        path = tmp_path / panel / "CHSF.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"t": t, "dV": 1e-14 + 1e-3 * t}).to_csv(path, index=False)
        records.append({"panel": panel, "rep": "CHSF", "path": path})
    sensitivity_stage.sensitivity_figures(SensitivityFiguresJob(records, [tmp_path / "figure3.png"]))
    fig5 = captured[2]
    a, b = fig5.axes[:2]
    colour = representation_colour("ACSF")

    [mark] = [line for line in a.get_lines() if line.get_label() == "ACSF: dV = 0"]
    assert mark.get_color() == colour and mark.get_marker() == "v" and mark.get_linestyle() == "None"
    assert np.array_equal(mark.get_xdata(), curves["fig5a"]["t"])
    assert "ACSF" not in lines(a)  # no all-NaN curve in its place

    def axes_y(line):
        xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        return a.transAxes.inverted().transform(line.get_transform().transform(xy))[:, 1]

    y = axes_y(mark)
    assert np.all((y > 0) & (y < 0.1))  # inside the axis, at its bottom
    others = [line for line in a.get_lines() if line is not mark]
    assert others and all(axes_y(line).min() > y.max() for line in others)  # below all of them
    assert any(t.get_text() == "ACSF: dV = 0 at every t" and t.get_color() == colour for t in a.texts)

    legend = [t.get_text() for t in fig5.legends[0].get_texts()]
    assert legend == ["ACSF", "CHSF", "ACSF: dV = 0"]
    assert "ACSF" in lines(b) and "ACSF: dV = 0" not in lines(b) and not any("dV = 0" in t.get_text() for t in b.texts)
    assert not any(
        "dV = 0" in line.get_label() for ax in captured[0].axes + captured[1].axes for line in ax.get_lines()
    )
