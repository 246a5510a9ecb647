"""Config validation: the shipped configs pass; each kind of mistake names its key."""

from __future__ import annotations

import copy

import pytest
import yaml

from descriptor_study.config import validate_config
from descriptor_study.errors import ConfigError


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml"])
def test_shipped_configs_are_valid(repo_root, schema, name):
    validate_config(yaml.safe_load((repo_root / "config" / name).read_text()), schema)


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda c: c["representations"]["SOAP"].update(n_max=0), "representations.SOAP.n_max"),
        (lambda c: c["representations"]["SOAP"].update(nmax=9), "representations.SOAP.nmax"),
        (lambda c: c["representations"].update(SOAPY={}), "representations.SOAPY"),
        (lambda c: c["datasets"]["Si-demo"].update(seed=-1), "datasets.Si-demo.seed"),
        (lambda c: c["datasets"]["Si-demo"].update(source="Si"), "datasets.Si-demo"),
        (lambda c: c["sensitivity"].update(rotation_axis="w"), "sensitivity.rotation_axis"),
        (lambda c: c["representations"].pop("SOAPlite"), "sensitivity.representations.SOAPlite"),
        (lambda c: c["regression"].update(datasets=["nowhere"]), "regression.datasets[0]"),
        (lambda c: c["dimensionality"].update(fps_dataset="CHON"), "dimensionality.fps_dataset"),
        (lambda c: c.update(treads=2), "treads"),
        (lambda c: c.update(representations={}), "representations"),
        (lambda c: c["representations"].pop("ACE"), "dimensionality.ace_degree_dataset"),
        (lambda c: c["representations"].pop("MBTR"), "dimensionality.standardised_mbtr_dataset"),
        (lambda c: c["dimensionality"].update(methods=[]), "dimensionality.methods"),
        (lambda c: c["regression"]["split"].update(train_fraction=1.5), "regression.split.train_fraction"),
    ],
)
def test_invalid_value_names_the_key(schema, default, mutate, key):
    config = copy.deepcopy(default)
    mutate(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config, schema)
    assert f"config key {key}" in str(info.value)


# --- issue 12: input the schema lets through, stopped before any job ------------------------


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda c: c["datasets"]["Si-demo"].update(species=["Si", "Xx"]),
            "config key datasets.Si-demo.species: 'Xx' is not an element symbol",
        ),
        (
            lambda c: c["datasets"]["Si-demo"].update(species=["X"]),
            "config key datasets.Si-demo.species: 'X' is the dummy atom X, not an element",
        ),
        (
            lambda c: c["regression"]["split"].update(train_fraction=0.999),
            "config key regression.split.train_fraction: 0.999 of the 300 generated structures of dataset Si-demo "
            "leaves 300 training and 0 test structures, so the test set is empty; choose a train_fraction between "
            "0.00333 and 0.997, or give regression.split.file",
        ),
        (
            lambda c: (
                c["datasets"]["AlNiCu-demo"].update(n_structures=20)
                or c["regression"]["split"].update(train_fraction=0.02)
            ),
            "config key regression.split.train_fraction: 0.02 of the 20 generated structures of dataset AlNiCu-demo "
            "leaves 0 training and 20 test structures, so the training set is empty",
        ),
        (
            lambda c: c["datasets"].update(mine={"file": "data/mine.extxyz"}),
            "config key datasets.mine.file: data/mine.extxyz is the file the workflow writes for dataset mine; keep "
            "the source file elsewhere",
        ),
    ],
    ids=["unknown-species", "dummy-species", "no-test-structure", "no-training-structure", "file-is-own-output"],
)
def test_input_the_schema_lets_through(schema, default, mutate, message):
    config = copy.deepcopy(default)
    mutate(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config, schema)
    assert str(info.value).startswith(message)


def test_split_sizes_are_left_to_the_regression_where_the_config_cannot_tell(schema, default):
    """A split file, a targets file or a dataset of unknown size: checked at the regression."""
    for mutate in (
        lambda c: c["regression"]["split"].update(file="split.txt"),
        lambda c: c["regression"].update(targets={"file": "targets.txt", "code": 1}),
        lambda c: c["datasets"].update(mine={"file": "mine.extxyz"}) or c["regression"].update(datasets=["mine"]),
    ):
        config = copy.deepcopy(default)
        config["regression"]["split"]["train_fraction"] = 0.999
        mutate(config)
        validate_config(config, schema)
