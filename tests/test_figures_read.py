"""Figures as a reader of the paper reads them: every curve can be seen and told apart,
every panel is where its letter says, no legend hides a curve, and each figure shows what
the config asks for (Figure 9's ``regression.n_top``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import published_files
from matplotlib.colors import to_hex

from descriptor_study import sensitivity as sens
from descriptor_study.jobs import Figure6Job, Figure7Job, Figure9Job
from descriptor_study.plan import N_TOP
from descriptor_study.plotting import dimensionality, sensitivity
from descriptor_study.plotting.style import representation_colour
from descriptor_study.representations import registry
from descriptor_study.stages import dimensionality as dimensionality_stage
from descriptor_study.stages import regression as regression_stage


def curve_record(tmp_path, method, dataset, rep, df, degree=None):
    path = tmp_path / method / f"curve{len(list(tmp_path.glob(f'{method}/*.csv')))}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    record = {"method": method, "dataset": dataset, "rep": rep, "path": str(path)}
    return record if degree is None else {**record, "degree": degree}


def decaying(n: int, column: str, drop_at: float | None = None) -> pd.DataFrame:
    """A curve falling from 1 over ``n`` features, to 1e-20 from ``drop_at`` (a fraction) on."""
    rank = np.arange(1, n + 1)
    y = 0.7**rank
    if drop_at is not None:
        y[int(drop_at * n) :] = 1e-20
    return pd.DataFrame({"rank": rank, "feature": rank - 1, "percent": 100.0 * rank / n, column: y})


# --- Figure 4: a local-slope panel, one line per representation ------------------------------


def test_figure4_has_a_local_slope_panel_that_tells_the_curves_apart(tmp_path, captured):
    """The paper's rescaling puts every slope-1 curve of Figure 4 on the same line; the second
    panel draws the local slope of each, one line per representation, equal to the fitted
    slope of the slope table on the part of the curve the fit uses."""
    from descriptor_study.stages.sensitivity import run_panels

    curves = {}
    for rep in ("ACSF", "CHSF"):
        df = run_panels(rep, None, {"seed": 0}, {"fig4": tmp_path / f"{rep}.csv"})["fig4"]
        curves[("fig4", rep)] = df
    sensitivity.figure4(curves, tmp_path / "figure4")
    (fig,) = captured
    strips = fig.axes[1:]  # panel (b): a strip per representation
    assert len(strips) == 2 and "local slope" in strips[0].get_title()
    for rep, strip in zip(("ACSF", "CHSF"), strips):
        df = curves[("fig4", rep)]
        [line] = [line for line in strip.get_lines() if line.get_label() == rep]
        assert to_hex(line.get_color()) == representation_colour(rep)
        k, (t0, t1) = sens.asymptotic_slope(df["t"].to_numpy(), df["dV"].to_numpy(), sens.NOISE_FLOOR)
        assert abs(k - 1) < 0.1  # a slope-1 curve
        t = np.asarray(line.get_xdata(), dtype=float)
        y = np.asarray(line.get_ydata(), dtype=float)
        inside = (t > t0) & (t < t1)  # the fit's window, its end points apart (one-sided there)
        assert inside.sum() >= 4 and np.all(np.isfinite(y[inside]))
        assert np.allclose(y[inside], k, atol=0.05), (rep, y[inside], k)


# --- Figure 5: one y label --------------------------------------------------------------------


def test_figure5_says_its_y_label_once(tmp_path, captured):
    t = 10.0 ** np.arange(-6, -0.9, 0.2)
    curves = {(p, "CHSF"): pd.DataFrame({"t": t, "dV": 1e-3 * t}) for p in ("fig5a", "fig5b", "fig5c", "fig5d")}
    sensitivity.figure5(curves, tmp_path / "figure5")
    (fig,) = captured
    assert [ax.get_ylabel() for ax in fig.axes] == ["", "", "", ""]
    assert fig.get_supylabel() == sensitivity.FIGURE5_YLABEL


# --- Figures 6 and 7: layout, letters, colours ------------------------------------------------


def _extra_classes(tmp_path, n: int) -> dict:
    """``n`` representations beyond the paper's, named in the config by ``class:`` (as the
    beyond-2020 classes are), each a SOAP under another name."""
    lines = ["from descriptor_study.representations import registry", ""]
    for k in range(n):
        lines.append(
            f'Extra{k} = type("Extra{k}", (registry.get_class("SOAP"),), '
            f'{{"name": "Extra{k}", "colour": None, "order": {30 + k}, "panel_order": {30 + k}, '
            '"paper_feature_counts": {}})'
        )
    (tmp_path / "extra.py").write_text("\n".join(lines) + "\n")
    return {f"Extra{k}": {"class": f"{tmp_path / 'extra.py'}:Extra{k}"} for k in range(n)}


def _figure6_and_7(tmp_path, captured, n_extra: int):
    entries = {name: {} for name in registry.builtin_names()}
    entries.update(_extra_classes(tmp_path, n_extra))
    reps = list(entries)
    cur = [curve_record(tmp_path, "cur", d, r, decaying(40, "error")) for r in reps for d in ("Si", "AlNiCu")]
    pca = [
        curve_record(tmp_path, "pca", d, r, decaying(40, "variance_ratio", 0.5)) for r in reps for d in ("Si", "AlNiCu")
    ]
    degrees = [curve_record(tmp_path, "cur", "AlNiCu", "ACE", decaying(10 + d, "error"), degree=d) for d in (6, 15)]
    captured.clear()
    dimensionality_stage.figure6(Figure6Job(cur, [tmp_path / "figure6.png"], degrees=degrees, class_entries=entries))
    dimensionality_stage.figure7(Figure7Job(pca, [tmp_path / "figure7.png"], class_entries=entries))
    return reps, captured[0], captured[1]


@pytest.mark.parametrize("n_extra", [0, 1, 2, 3, 4])
def test_figure6_has_one_axes_per_panel_and_no_empty_one(tmp_path, captured, n_extra):
    """8 representations (the default's) and the degree sweep: 9 panels; with the three
    beyond-2020 classes 12; every count from 9 to 13 fills its axes, none left empty."""
    reps, fig6, fig7 = _figure6_and_7(tmp_path, captured, n_extra)
    for fig, n_panels in ((fig6, len(reps) + 1), (fig7, len(reps))):
        assert len(fig.axes) == n_panels
        assert all(ax.get_lines() and ax.axison for ax in fig.axes)
        rows, cols = dimensionality.grid_shape(n_panels)
        assert rows * cols - n_panels <= 1  # at most one slot over, which holds the legend
    assert dimensionality.grid_shape(8) == (2, 4) and dimensionality.grid_shape(9) == (3, 3)
    assert dimensionality.grid_shape(10) == (2, 5) and dimensionality.grid_shape(12) == (3, 4)


def _letters(fig) -> dict[str, str]:
    """{panel name: letter} from titles "(x) Name"."""
    out = {}
    for ax in fig.axes:
        title = ax.get_title()
        out[title[4:]] = title[1]
    return out


def test_a_representation_has_the_same_letter_in_figures_6_and_7(tmp_path, captured):
    reps, fig6, fig7 = _figure6_and_7(tmp_path, captured, 3)
    six, seven = _letters(fig6), _letters(fig7)
    labels = [registry.label(r) if r in registry.builtin_names() else r for r in reps]
    assert set(labels) <= set(seven) and set(labels) <= set(six)
    for name in labels:
        assert six[name] == seven[name], name
    assert six["CHSF-mix"] == "i"  # after the paper's (a)-(g) and 6h's degree sweep
    assert six["ACE on AlNiCu by degree"] == "h"
    assert len(set(six.values())) == len(six)


def test_figure_colours_have_contrast_on_white(tmp_path, captured):
    """Every representation's colour (titles and curves) and Figure 6h's degree colours have a
    contrast of at least 3:1 on white; no two built-in representations share a colour."""
    from descriptor_study.plotting.style import MIN_CONTRAST, contrast_on_white

    colours = [representation_colour(name) for name in registry.builtin_names()]
    assert len(set(colours)) == len(colours)
    assert all(contrast_on_white(c) >= MIN_CONTRAST for c in colours), colours
    assert representation_colour("CHSF-mix") != representation_colour("CHSF")
    _, fig6, _ = _figure6_and_7(tmp_path, captured, 0)
    for ax in fig6.axes:
        assert contrast_on_white(ax.title.get_color()) >= MIN_CONTRAST, ax.get_title()
    [degree_ax] = [ax for ax in fig6.axes if "by degree" in ax.get_title()]
    assert all(contrast_on_white(line.get_color()) >= MIN_CONTRAST for line in degree_ax.get_lines())
    assert all(text.get_fontsize() >= 8 for ax in fig6.axes for text in ax.get_legend().get_texts())


# --- Figure 7: no legend on a curve -----------------------------------------------------------


def _covers(ax, legend) -> bool:
    """Whether the drawn legend's box meets a curve of ``ax``: a segment or a point of it (the
    zero-level and machine-precision lines, across the whole axis, apart)."""
    ax.figure.canvas.draw()
    box = legend.get_window_extent()
    for line in ax.get_lines():
        if line.get_gid() == "guide" or "zero level" in line.get_label() or "machine precision" in line.get_label():
            continue
        if line.get_transform().transform_path(line.get_path()).intersects_bbox(box, filled=False):
            return True
    return False


def test_figure7_legends_cover_no_curve(tmp_path, captured, published_dir):
    """The published PCA spectra of ACSF-X and ACSF on the four datasets drawn as ours, with
    the published overlay: panel (b)'s AlNiCu curve drops to the floor part way; no panel's
    legend box meets a curve (a segment as well as a point), reference lines apart."""
    from descriptor_study.published import dimensionality as pub_dim

    datasets = ["Si", "CHON", "AlNiCu", "TiO2"]
    records = []
    for rep in ("ACSF-X", "ACSF"):
        for d in datasets:
            df = pub_dim.curve(published_dir, "pca", rep, d)
            records.append(curve_record(tmp_path, "pca", d, rep, df))
    dimensionality_stage.figure7(
        Figure7Job(records, [tmp_path / "figure7.png"], published_files(published_dir), {d: d for d in datasets})
    )
    (fig,) = captured
    assert fig.axes[1].get_title() == "(b) ACSF"
    for ax in fig.axes:
        legend = ax.get_legend()
        assert legend is not None
        assert not _covers(ax, legend), ax.get_title()


# --- Figure 9: families told apart, test lines on top, n_top -----------------------------------


def _sweep_records(tmp_path, reps, n_features=120):
    records = []
    n = np.arange(1, n_features + 1)
    for model in ("rr", "krr"):
        for k, rep in enumerate(reps):
            path = tmp_path / f"{model}-{rep}.csv"
            pd.DataFrame(
                {"n": n, "train_rmse": (k + 1) / n, "test_rmse": (k + 2) / n, "percent": 100.0 * n / n_features}
            ).to_csv(path, index=False)
            records.append({"model": model, "dataset": "mine", "rep": rep, "path": path})
    return records


def test_figure9_draws_test_lines_above_training_lines_and_tells_families_apart(tmp_path, captured):
    reps = ["ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"]
    regression_stage.figure9(Figure9Job(_sweep_records(tmp_path, reps), "mine", [tmp_path / "figure9_mine.png"], N_TOP))
    (fig,) = captured
    for ax in fig.axes:
        train = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
        test = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
        assert len(train) == len(test) == len(reps)
        assert min(line.get_zorder() for line in test) > max(line.get_zorder() for line in train)
        assert all(line.get_alpha() is not None and line.get_alpha() < 0.6 for line in train)  # lighter
        # each representation's test line: its own (colour, marker)
        assert len({(to_hex(line.get_color()), line.get_marker()) for line in test}) == len(reps)
        for a, b in (("ACSF", "ACSF-X"), ("CHSF", "CHSF-mix"), ("SOAP", "SOAPlite")):
            markers = {to_hex(line.get_color()): line.get_marker() for line in test}
            assert markers[representation_colour(a)] != markers[representation_colour(b)]


def test_figure9_top_panels_follow_n_top(tmp_path, captured):
    """``regression.n_top: 20``: panels (a) and (c) are titled "top 20" and stop at n = 20."""
    regression_stage.figure9(
        Figure9Job(_sweep_records(tmp_path, ["SOAP", "ACE"]), "mine", [tmp_path / "f.png"], n_top=20)
    )
    (fig,) = captured
    for ax, model in ((fig.axes[0], "RR"), (fig.axes[2], "KRR")):
        assert ax.get_title().endswith(f"{model}, top 20")
        assert max(max(line.get_xdata()) for line in ax.get_lines()) == 20
    assert fig.axes[1].get_title().endswith("all features")


def test_the_plan_passes_n_top_from_the_config(repo_root):
    import yaml

    from descriptor_study.plan import Plan
    from descriptor_study.vocabulary import N_TOP

    config = yaml.safe_load((repo_root / "config/ci.yaml").read_text())
    plan = Plan(config, registry.classes_of(config["representations"]))
    assert plan.n_top == 20
    # the figure9 and regress jobs take it from the plan (each rule's one param is its job)
    assert plan.figure9_job("Si-demo").n_top == plan.regress_job("rr", "Si-demo", "ACSF").n_top == 20
    config["regression"].pop("n_top")
    assert Plan(config, registry.classes_of(config["representations"])).n_top == N_TOP == 65


# --- the best-RMSE table ----------------------------------------------------------------------


def test_best_rmse_table_is_sorted_by_the_test_rmse_it_leads_with():
    from descriptor_study.regression.table import best_rmse_table

    def sweep(test_at_chosen, test_full):
        return pd.DataFrame(
            {
                "n": [1, 2, 3],
                "train_rmse": [0.1, 0.1, 0.1],
                "test_rmse": [0.9, test_at_chosen, test_full],
                "percent": [33.3, 66.7, 100.0],
                "status": ["ok"] * 3,
                "heldout_rmse": [0.5, 0.2, 0.3],  # n = 2 chosen
            }
        )

    # A is better at its chosen size, B over all features
    table = best_rmse_table({("rr", "D", "B"): sweep(0.4, 0.1), ("rr", "D", "A"): sweep(0.2, 0.6)})
    assert table["representation"].tolist() == ["A", "B"]
    assert table["test_rmse"].tolist() == [0.2, 0.4]


def test_the_workflow_draws_figure9_with_the_configs_n_top(repo_root, tmp_path, snakemake):
    """``--config`` overriding ``regression.n_top`` (as the README overrides a key): the
    figure9 job gets it, the sweeps fit every size up to it."""
    import json

    from descriptor_study.regression.sweep import sweep_sizes

    user = tmp_path / "small.yaml"
    user.write_text(
        "datasets:\n  AlNiCu-demo: {generator: alnicu_demo, seed: 3, n_structures: 14}\n"
        "representations:\n  ACSF: {}\n"
        "regression:\n  datasets: [AlNiCu-demo]\n  split: {file: null, train_fraction: 0.75, seed: 0}\n"
        "  search: true\n  hyperparameters: {}\n"
    )
    target = "results/figures/figure9_AlNiCu-demo.png"
    res = snakemake(tmp_path, "--cores", "2", target, "--configfile", str(user), "--config", 'regression={"n_top": 7}')
    assert res.returncode == 0, res.stderr[-3000:]
    record = json.loads((tmp_path / "provenance" / f"{target}.json").read_text())
    assert record["params"]["n_top"] == 7
    sweep = pd.read_csv(tmp_path / "results/regression/rr/AlNiCu-demo/ACSF.csv")
    n_features = int(sweep["n"].iloc[-1])
    assert sweep["n"].tolist() == sweep_sizes(n_features, 7).tolist() != sweep_sizes(n_features, 65).tolist()
