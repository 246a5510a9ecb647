"""Report cards (descriptor_study.cards, workflow/rules/cards.smk): each rule on real curves
and matrices, and the cards of a real run of config/ci.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from descriptor_study import contract, contract_structures, selection, sensitivity
from descriptor_study.cards import verdicts
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]
CI = REPO / "config/ci.yaml"


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
    assert len(spots) == 1
    spot = spots[0]
    # dV falls from t = 0.1 to t = 0.158 and grows everywhere else
    (falls,) = np.nonzero(np.diff(dV) < 0)
    assert falls.tolist() == [3]
    assert spot["t_start"] == pytest.approx(t[3]) and spot["t_end"] == pytest.approx(t[4])
    assert not spot["open"]
    # depth: the line on log axes through t[2] and t[5] against dV at t[3] and t[4]
    slope = np.log(dV[5] / dV[2]) / np.log(t[5] / t[2])
    line = dV[2] * (t[3:5] / t[2]) ** slope
    assert spot["depth"] == pytest.approx(max(line / dV[3:5]))
    assert spot["depth"] > 3  # a dip, not round-off
    assert verdicts.blind_spot_verdict(spots).startswith("1 blind spot, deepest")


def test_a_curve_that_only_grows_has_no_blind_spot_and_its_slope_class():
    t = 10 ** np.arange(-4.6, -2.5, 0.2)  # above the noise floor, below the bend of Figure 5
    for panel, expected in (("fig5b", "k ≈ 2"), ("fig5c", "k ≈ 1")):
        curve = _chsf_curve(panel, t)
        assert verdicts.blind_spots(curve["t"], curve["dV"]) == []
        k, _ = sensitivity.asymptotic_slope(curve["t"].to_numpy(), curve["dV"].to_numpy())
        assert verdicts.slope_class(k).startswith(expected)
        assert "the paper's is" not in verdicts.slope_class(k, sensitivity.EXPECTED_SLOPE[panel])
    # k = 2 where the paper reports 1 is said
    assert verdicts.slope_class(2.0, 1.0) == "k ≈ 2 (linearly unstable); the paper's is 1"
    assert verdicts.slope_class(1.5).startswith("other")
    assert verdicts.slope_class(float("nan")) == "below noise floor"


def test_a_falling_end_of_a_curve_is_an_open_blind_spot_without_a_depth():
    t = 10 ** np.arange(-1.6, -0.35, 0.2)
    curve = _chsf_curve("fig5c", t)
    # the curve up to its fall: the range reaches the end, no point after it
    spots = verdicts.blind_spots(curve["t"][:5], curve["dV"][:5])
    assert spots == [{"t_start": pytest.approx(t[3]), "t_end": pytest.approx(t[4]), "depth": None, "open": True}]


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
    assert verdicts.range_verdict(spread) == "1 structure with a row ≥ 1000 × the median"
    assert verdicts.row_norm_range(norms[:8], frames[:8])["wide_frames"] == []


def test_ranks_give_one_to_the_smallest_and_share_ties():
    assert verdicts.ranks({"A": 0.3, "B": 0.1, "C": None, "D": 0.1}) == {"A": 3, "B": 1, "C": None, "D": 1}


def test_the_invariance_job_measures_translation_permutation_and_mirror(tmp_path, monkeypatch):
    from descriptor_study.stages.cards import invariances

    part = invariances("ACSF", {}, tmp_path / "ACSF.json")
    assert json.loads((tmp_path / "ACSF.json").read_text()) == json.loads(json.dumps(part))
    assert part["origin"] == "built-in" and part["error"] is None
    for name in ("translation", "permutation", "mirror"):
        assert set(part[name]) == {"cell", "cluster", "max"}
        assert 0 <= part[name]["max"] < 1e-12  # ACSF: distances and angles only
    # a class file of the user's is named as such
    monkeypatch.chdir(REPO)
    entry = {"class": "examples/lmbtr.py:LMBTR", "cutoff": 6.5}
    lmbtr = invariances("LMBTR", entry, tmp_path / "LMBTR.json")
    assert lmbtr["origin"] == "`class:` lmbtr.py:LMBTR"
    assert lmbtr["translation"]["max"] <= verdicts.INVARIANCE_TOL
