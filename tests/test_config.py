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
        (lambda c: c["datasets"]["Si-demo"].pop("seed"), "datasets.Si-demo.seed"),  # a generator needs one
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
        (lambda c: c["regression"].update(search="sometimes"), "regression.search"),
    ],
)
def test_invalid_value_names_the_key(schema, default, mutate, key):
    config = copy.deepcopy(default)
    mutate(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config, schema)
    assert f"config key {key}" in str(info.value)


def test_the_search_at_every_size_is_an_option(schema, default):
    config = copy.deepcopy(default)
    config["regression"]["search"] = "every_size"
    validate_config(config, schema)


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
        lambda c: (
            c["regression"].update(targets={"file": "targets.txt", "code": 1})
            or c["datasets"]["Si-demo"].update(e0={"Si": -158.5})
            or c["datasets"]["AlNiCu-demo"].update(e0={"Al": -3.0, "Ni": -1.0, "Cu": -2.0})
        ),
        lambda c: c["datasets"].update(mine={"file": "mine.extxyz"}) or c["regression"].update(datasets=["mine"]),
    ):
        config = copy.deepcopy(default)
        config["regression"]["split"]["train_fraction"] = 0.999
        mutate(config)
        validate_config(config, schema)


# --- issue 21: numbers given with --config, config-only errors before any job -------------


def _from_command_line(default: dict, *entries: str) -> tuple[dict, dict]:
    """The config Snakemake makes of ``default`` and ``--config`` ``entries`` (its own
    parser and merge), and the parsed entries (what the Snakefile passes as overrides)."""
    from snakemake.cli import parse_config
    from snakemake.utils import update_config

    overrides = parse_config(list(entries))
    config = copy.deepcopy(default)
    update_config(config, copy.deepcopy(overrides))
    return config, overrides


def test_command_line_text_is_read_as_a_config_file_reads_it(schema, default):
    """Before: Snakemake leaves every nested --config scalar as text, and the checks
    refused '4' for n_max ("'4' is not allowed")."""
    config, overrides = _from_command_line(
        default,
        "representations={'SOAP': {'n_max': 4, 'cutoff': 5.5}, 'CHSF': {'multi_species': {'n_max': 3}}}",
        "sensitivity={'representations': {'SOAP': {'l_max': 3}}, 'mixed_direction': 111}",
        "regression={'split': {'train_fraction': 0.75, 'seed': 3}, 'search': false, "
        "'hyperparameters': {'SOAP': {'rr_lambda': 1e-6}}}",
        "dimensionality={'ace_degrees': [6, 9], 'standardised_mbtr_dataset': null}",
        "datasets={'Si-demo': {'n_structures': 20, 'e0': {'Si': -158.5}}, 'mine': {'file': 'x.extxyz', "
        "'energy_key': true}}",
        "data={'mirror': null}",
    )
    assert config["representations"]["SOAP"]["n_max"] == "4"  # what Snakemake hands over
    config["regression"]["search"] = True  # (not every representation has hyperparameters here)
    overrides["regression"]["search"] = True
    validate_config(config, schema, overrides=overrides)
    rep, sens, reg, dim = (config[k] for k in ("representations", "sensitivity", "regression", "dimensionality"))
    assert rep["SOAP"] == {"n_max": 4, "cutoff": 5.5} and type(rep["SOAP"]["n_max"]) is int
    assert rep["CHSF"]["multi_species"] == {"n_max": 3} and sens["representations"]["SOAP"] == {"n_max": 6, "l_max": 3}
    assert reg["split"] == {"file": None, "train_fraction": 0.75, "seed": 3}
    assert reg["hyperparameters"]["SOAP"] == {"rr_lambda": 1e-6}  # YAML 1.1 reads 1e-6 as text
    assert dim["ace_degrees"] == [6, 9] and dim["standardised_mbtr_dataset"] is None
    assert config["datasets"]["Si-demo"]["n_structures"] == 20 and config["datasets"]["Si-demo"]["e0"] == {"Si": -158.5}
    assert config["data"]["mirror"] is None
    # text where the schema takes text stays text: a choice spelt like a number, a key name
    assert sens["mixed_direction"] == "111" and config["datasets"]["mine"]["energy_key"] == "true"


def test_command_line_numbers_meet_the_range_checks(schema, default):
    """A number given with --config is checked as a number (before: "'2' is not of type
    'number'")."""
    for entry, message in [
        (
            "regression={'split': {'train_fraction': 2}}",
            "config key regression.split.train_fraction: 2 is greater than or equal to the maximum of 1",
        ),
        (
            "representations={'SOAP': {'n_max': 40}}",
            "config key representations.SOAP.n_max: 40 is not allowed; allowed: an integer ≥ 1 and ≤ 20",
        ),
        ("sensitivity={'seed': -1}", "config key sensitivity.seed: -1 is less than the minimum of 0"),
        ("sensitivity={'rotation_axis': 1}", "config key sensitivity.rotation_axis: '1' is not one of"),
    ]:
        config, overrides = _from_command_line(default, entry)
        with pytest.raises(ConfigError) as info:
            validate_config(config, schema, overrides=overrides)
        assert str(info.value).startswith(message), (entry, str(info.value))


def test_quoted_text_in_a_config_file_stays_text(schema, default):
    """Only what came with --config is read again: a config file's quoted "4" is a string,
    and the string is refused, as the schema says."""
    config = copy.deepcopy(default)
    config["representations"]["SOAP"] = yaml.safe_load('n_max: "4"')
    with pytest.raises(ConfigError, match=r"^config key representations\.SOAP\.n_max: '4' is not allowed"):
        validate_config(config, schema)
    config, overrides = _from_command_line(default, "data={'mirror': null}")
    config["data"]["mirror"] = "null"  # the same text, from a file (the --config value was replaced)
    validate_config(config, schema, overrides={"data": {"mirror": "elsewhere"}})
    assert config["data"]["mirror"] == "null"


def test_command_line_numbers_through_the_snakefile(repo_root, tmp_path):
    """The repository's Snakefile, as README calls it, with nested numbers on the command
    line: accepted where valid, refused with the number's own range message otherwise."""
    from conftest import run_snakemake

    res = run_snakemake(tmp_path, "-n", "--config", "representations={'SOAP': {'n_max': 4}}")
    assert res.returncode == 0, res.stderr[-2000:]
    res = run_snakemake(tmp_path, "-n", "--config", "regression={'split': {'train_fraction': 2}}")
    assert res.returncode != 0
    assert (
        "Invalid configuration: config key regression.split.train_fraction: 2 is greater than or equal to the "
        "maximum of 1" in res.stderr
    )
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path / "results").exists()


@pytest.mark.slow
def test_command_line_number_reaches_the_job(repo_root, tmp_path):
    """The dataset job of a generated set gets the number of structures given with
    --config as a number, and makes that many."""
    from ase.io import read
    from conftest import run_snakemake

    res = run_snakemake(
        tmp_path,
        "--cores",
        "1",
        "data/AlNiCu-demo.extxyz",
        "--config",
        "datasets={'AlNiCu-demo': {'n_structures': 10}}",
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert len(read(tmp_path / "data/AlNiCu-demo.extxyz", index=":")) == 10


# what the regression jobs found only after the representation and CUR jobs ran


def _hyperparameters(default: dict, **change) -> dict:
    values = {"rr_lambda": 1e-3, "krr_lambda": 1e-6, "krr_gamma": 1e-2}
    return {name: dict(values, **change.get(name, {})) for name in default["representations"]}


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda c: c["regression"].update(search=False),
            "config key regression.hyperparameters.ACSF: rr_lambda, krr_lambda, krr_gamma missing and "
            "regression.search is false; give rr_lambda, krr_lambda, krr_gamma for every representation (ridge and "
            "kernel ridge run for each), or set regression.search: true",
        ),
        (
            lambda c: c["regression"].pop("search"),
            "config key regression.hyperparameters.ACSF: rr_lambda, krr_lambda, krr_gamma missing and "
            "regression.search is not set (false);",
        ),
        (
            lambda c: c["regression"].update(
                search=False, hyperparameters={k: v for k, v in _hyperparameters(c).items() if k != "MBTR"}
            ),
            "config key regression.hyperparameters.MBTR: rr_lambda, krr_lambda, krr_gamma missing",
        ),
        (
            lambda c: (
                c["regression"].update(search=False, hyperparameters=_hyperparameters(c))
                or c["regression"]["hyperparameters"]["SOAP"].pop("krr_gamma")
            ),
            "config key regression.hyperparameters.SOAP: krr_gamma missing",
        ),
        (
            lambda c: c["regression"].update(targets={"file": "targets.txt", "code": 1}),
            "config key datasets.Si-demo.e0: missing; regression.targets.file (targets.txt) gives total energies, "
            "and the cohesive energies the regression fits need the isolated-atom energy (eV) of Si; give e0: "
            "{element: energy}",
        ),
        (
            lambda c: (
                c["regression"].update(targets={"file": "targets.txt"})
                or c["datasets"]["Si-demo"].update(e0={"Si": -158.5})
            ),
            "config key datasets.AlNiCu-demo.e0: missing; regression.targets.file (targets.txt) gives total "
            "energies, and the cohesive energies the regression fits need the isolated-atom energy (eV) of Al, Ni, Cu",
        ),
        (
            lambda c: (
                c["datasets"].update(mine={"file": "mine.extxyz"})
                or c["regression"].update(datasets=["mine"], targets={"file": "targets.txt"})
            ),
            "config key datasets.mine.e0: missing; regression.targets.file (targets.txt) gives total energies, and "
            "the cohesive energies the regression fits need the isolated-atom energy (eV) of every species of the "
            "dataset",
        ),
        (
            lambda c: c["datasets"]["AlNiCu-demo"].update(e0={"Al": -3.0}),
            "config key datasets.AlNiCu-demo.e0: no isolated-atom energy for Ni, Cu (a given e0 replaces the "
            "dataset's isolated atoms, so it needs every species of AlNiCu-demo: Al, Ni, Cu)",
        ),
        (
            lambda c: c["datasets"]["Si-demo"].update(e0={"Zz": -1.0}),
            "config key datasets.Si-demo.e0: 'Zz' is not an element symbol (e0 maps each element symbol to the "
            "energy of its isolated atom, eV)",
        ),
        (
            lambda c: c["datasets"]["Si-demo"].update(e0={"Si": float("nan")}),
            "config key datasets.Si-demo.e0.Si: nan is not a finite energy (eV)",
        ),
        (
            lambda c: c["representations"]["SOAP"].update(cutoff=1e6),
            "config key representations.SOAP.cutoff: 1e+06 Å is not allowed; allowed: at most 20 Å (the "
            "representations are local: cutoffs in the literature lie between 3 and 12 Å, and a 20 Å sphere in a "
            "solid already holds about 3400 neighbours)",
        ),
        (
            lambda c: c["representations"].update(SOAP=yaml.safe_load("cutoff: 1e6")),  # text to PyYAML
            "config key representations.SOAP.cutoff: 1e+06 Å is not allowed; allowed: at most 20 Å",
        ),
        (
            lambda c: c["representations"]["CHSF"].update(multi_species={"radial_cutoff": 25.0}),
            "config key representations.CHSF.multi_species.radial_cutoff: 25 Å is not allowed; allowed: at most 20 Å",
        ),
        (
            lambda c: c["sensitivity"]["representations"]["ACE"].update(cutoff=20.5),
            "config key sensitivity.representations.ACE.cutoff: 20.5 Å is not allowed; allowed: at most 20 Å",
        ),
        (
            lambda c: c["sensitivity"]["representations"]["SOAP"].update({"class": "nowhere.py:SOAP"}),
            "config key sensitivity.representations.SOAP.class: nowhere.py: no such file",
        ),
        (
            lambda c: c["sensitivity"]["representations"].update(SOAPY={}),
            "config key sensitivity.representations.SOAPY: representation 'SOAPY' is not in 'representations'",
        ),
    ],
    ids=[
        "search-false",
        "search-not-set",
        "one-representation-without",
        "one-value-missing",
        "targets-file-without-e0",
        "targets-file-second-dataset",
        "targets-file-file-dataset",
        "e0-without-a-species",
        "e0-not-an-element",
        "e0-not-finite",
        "cutoff-1e6",
        "cutoff-1e6-as-yaml-reads-it",
        "cutoff-in-multi-species",
        "cutoff-in-sensitivity",
        "sensitivity-class",
        "sensitivity-unknown-name",
    ],
)
def test_config_only_errors_before_any_job(schema, default, mutate, message):
    config = copy.deepcopy(default)
    mutate(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config, schema)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_what_the_regression_needs_when_it_is_there(schema, default):
    """The same checks let through what the regression can run with."""
    for mutate in (
        lambda c: c["regression"].update(search=False, hyperparameters=_hyperparameters(c)),
        lambda c: c["regression"].update(search=False, datasets=[]),  # no regression, nothing needed
        lambda c: (
            c["regression"].update(targets={"file": "t.txt"})
            or c["datasets"]["Si-demo"].update(e0={"Si": -158.5})
            or c["datasets"]["AlNiCu-demo"].update(e0={"Al": -3.0, "Ni": -1.0, "Cu": -2.0})
        ),
        lambda c: c["datasets"].update(mine={"file": "m.extxyz", "e0": {"C": -1.0}}),  # species known with the file
        lambda c: c["representations"]["SOAP"].update(cutoff=20.0),
    ):
        config = copy.deepcopy(default)
        mutate(config)
        validate_config(config, schema)


def test_search_off_stops_the_snakefile_before_any_job(repo_root, tmp_path):
    from conftest import run_snakemake

    res = run_snakemake(tmp_path, "-n", "--config", "regression={'search': false}")
    assert res.returncode != 0
    assert (
        "Invalid configuration: config key regression.hyperparameters.ACSF: rr_lambda, krr_lambda, krr_gamma "
        "missing and regression.search is false" in res.stderr
    )
    assert not (tmp_path / "data").exists() and not (tmp_path / "results").exists()
