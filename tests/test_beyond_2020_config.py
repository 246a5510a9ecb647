"""config/beyond-2020.yaml: the offline reproduction's settings for the paper's eight, three
representations of today beside them, and the demo sets for the regression study.

The config says that in a directory where the offline reproduction has finished only the new
jobs run; that holds only while every setting the two share is equal, which is checked here.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import REPO

BEYOND = REPO / "config/beyond-2020.yaml"
CI = REPO / "config/ci.yaml"
CI_BEYOND = REPO / "config/ci-beyond-2020.yaml"
OFFLINE = REPO / "config/reproduce-offline.yaml"
NEW = {"featomic-SOAP", "CHGNet", "SevenNet"}
PAPER_EIGHT = {"ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"}


def _load(path):
    return yaml.safe_load(path.read_text())


def test_the_paper_eight_and_the_studies_are_set_as_in_the_offline_reproduction():
    beyond, offline = _load(BEYOND), _load(OFFLINE)
    assert set(offline["representations"]) == PAPER_EIGHT
    assert set(beyond["representations"]) == PAPER_EIGHT | NEW
    for name in PAPER_EIGHT:
        assert beyond["representations"][name] == offline["representations"][name], name
        assert beyond["sensitivity"]["representations"][name] == offline["sensitivity"]["representations"][name], name
    assert set(beyond["sensitivity"]["representations"]) == PAPER_EIGHT | NEW
    for key in ("data", "dimensionality", "threads"):
        assert beyond[key] == offline[key], key
    strip = lambda s: {k: v for k, v in s.items() if k != "representations"}  # noqa: E731
    assert strip(beyond["sensitivity"]) == strip(offline["sensitivity"])
    for name, spec in offline["datasets"].items():
        assert beyond["datasets"][name] == spec, name
    # the regression study runs on the generated sets only (the paper regressed Si and CHON)
    assert set(beyond["regression"]["datasets"]) == set(beyond["datasets"]) - set(offline["datasets"])
    assert "regression" not in offline


def test_the_dry_run_plans_the_three_classes_on_every_dataset(repo_root, shared_datasets):
    """As the README says to call it, from the repository: every study of the eleven."""
    from descriptor_study.representations.registry import _absent, absence_reason

    absent = {name: cls for name, cls in _absent().items() if name in NEW}
    if absent:
        pytest.skip(absence_reason(next(iter(absent.values()))))
    from test_workflow import planned_wildcards

    planned = planned_wildcards(repo_root, "--configfile", "config/beyond-2020.yaml")
    assert planned["dataset"] == {"AlNiCu", "TiO2", "Si-demo", "AlNiCu-demo"}
    assert planned["rep"] == PAPER_EIGHT | NEW
    assert planned["model"] == {"rr", "krr"}


def test_the_ci_run_is_config_ci_with_the_three_added():
    """CI's one tiny run covers config/ci.yaml: every setting equal, the three added."""
    ci, both = _load(CI), _load(CI_BEYOND)
    assert set(both["representations"]) == set(ci["representations"]) | NEW
    assert set(both["sensitivity"]["representations"]) == set(ci["sensitivity"]["representations"]) | {"featomic-SOAP"}
    for section in ("representations",):
        for name, spec in ci[section].items():
            assert both[section][name] == spec, name
    for name, spec in ci["sensitivity"]["representations"].items():
        assert both["sensitivity"]["representations"][name] == spec, name
    drop = lambda c: {k: v for k, v in c.items() if k not in ("representations", "sensitivity")}  # noqa: E731
    assert drop(both) == drop(ci)
    strip = lambda s: {k: v for k, v in s.items() if k != "representations"}  # noqa: E731
    assert strip(both["sensitivity"]) == strip(ci["sensitivity"])
