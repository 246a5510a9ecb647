"""Config validation: the shipped configs pass; each kind of mistake names its key."""

from __future__ import annotations

import copy

import pytest
import yaml

from descriptor_study.config import validate_config
from descriptor_study.errors import ConfigError


@pytest.fixture(scope="module")
def schema(repo_root):
    return yaml.safe_load((repo_root / "workflow/schemas/config.schema.yaml").read_text())


@pytest.fixture(scope="module")
def default(repo_root):
    return yaml.safe_load((repo_root / "config/config.yaml").read_text())


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
