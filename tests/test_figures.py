"""Figures draw the published curve of every (representation, dataset) they show, dashed in
the same colour, and leave it out when no published folder is given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from descriptor_study import published as pub
from descriptor_study.plotting import dimensionality, sensitivity
from descriptor_study.plotting.style import dataset_colour, representation_colour


@pytest.fixture
def captured(monkeypatch):
    """Keep the figures instead of writing and closing them."""
    figures = []

    def keep(fig, stem):
        figures.append(fig)
        return []

    monkeypatch.setattr(dimensionality, "save", keep)
    monkeypatch.setattr(sensitivity, "save", keep)
    return figures


def our_curve(tmp_path, method, dataset, rep, n=40):
    rank = np.arange(1, n + 1)
    column = "variance_ratio" if method == "pca" else "error"
    df = pd.DataFrame({"rank": rank, "feature": rank - 1, "percent": 100.0 * rank / n, column: 0.5**rank})
    path = tmp_path / method / dataset / f"{rep}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_figure6_overlays_the_published_curve_dashed_in_the_dataset_colour(tmp_path, published_dir, captured):
    curves = [our_curve(tmp_path, "cur", "AlNiCu-mine", rep) for rep in ["SOAP", "CHSF"]]
    dimensionality.figure6_from_files(curves, [], [], tmp_path / "figure6.png", published_dir,
                                      {"AlNiCu-mine": "AlNiCu"})
    fig = captured[0]
    for ax, rep in zip(fig.axes, ["SOAP", "CHSF"]):
        expected = pub.curve(published_dir, "cur", rep, "AlNiCu")
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
    dimensionality.figure7_from_files(curves, tmp_path / "figure7.png", published_dir, {"Si-demo": None})
    dimensionality.figure7_from_files(curves, tmp_path / "figure7.png")
    for fig in captured:
        assert not any("published" in l.get_label() for l in fig.axes[0].get_lines())


def test_figure5_overlays_the_authors_curves(tmp_path, published_dir, captured):
    paths = []
    for panel in ["fig3", "fig4", "fig5a", "fig5b", "fig5c", "fig5d"]:
        t = np.arange(0, 91.0) if panel == "fig3" else 10.0 ** np.arange(-8, -0.9, 0.2)
        path = tmp_path / panel / "CHSF.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame({"t": t, "dV": 1e-14 + 1e-3 * t}).to_csv(path, index=False)
        paths.append(path)
    sensitivity.figures_from_files(paths, tmp_path, published_dir)
    fig5 = captured[2]
    ax = fig5.axes[0]  # (a) radial
    line = [l for l in ax.get_lines() if l.get_label() == "_published" and l.get_color() == representation_colour("CHSF")][0]
    expected = pub.sensitivity(published_dir, "fig5a", "CHSF")
    assert line.get_color() == representation_colour("CHSF")
    assert np.allclose(line.get_xdata(), expected["t"])
    fig4_line = [l for l in captured[1].axes[0].get_lines() if l.get_label() == "_published"][0]
    v = pub.sensitivity(published_dir, "fig4", "CHSF")["dV"].to_numpy()
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
        pd.DataFrame({"n": n, "train_rmse": 1 / n, "test_rmse": 2 / n, "percent": 100 * n / 450}).to_csv(path, index=False)
        paths[model] = [path]
    regression.figure9_from_files(paths["rr"], paths["krr"], "mine", tmp_path / "figure9_mine.png", published_dir, "Si")
    ax = figures[0].axes[1]  # (b) RR over all features
    dashed = [l for l in ax.get_lines() if l.get_label() == "_published"]
    expected = pub.regression(published_dir, "rr", "Si", "SOAP")
    assert len(dashed) == 1 and dashed[0].get_color() == representation_colour("SOAP")
    assert np.allclose(dashed[0].get_xdata(), expected["percent"]) and np.allclose(dashed[0].get_ydata(), expected["test_rmse"])
    assert "published (dashed)" in [t.get_text() for t in figures[0].legends[0].get_texts()]
