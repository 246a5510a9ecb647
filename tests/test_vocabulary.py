"""The vocabulary (``descriptor_study.vocabulary``) is the one place of the study's names and
defaults: the config schema's enums, keys and defaults equal it, the tables keyed by its
names have exactly its names, and the plan falls back on its defaults."""

from __future__ import annotations

import re

import pytest
import yaml

from descriptor_study import vocabulary as v


@pytest.fixture
def config(repo_root) -> dict:
    return yaml.safe_load((repo_root / "config/config.yaml").read_text())


def _description(node) -> str:
    return " ".join(str(node.get("description", "")).split())


def _enums(node, where: str = "") -> dict[str, list]:
    """Every ``enum`` of a schema, by its dotted place (``<entry>`` for a map's entries,
    ``[]`` for a list's items, ``<key>`` for a map's keys)."""
    found = {}
    if isinstance(node, dict):
        if "enum" in node:
            found[where] = node["enum"]
        for name, child in (node.get("properties") or {}).items():
            found.update(_enums(child, f"{where}.{name}" if where else name))
        for key, suffix in (("additionalProperties", ".<entry>"), ("items", "[]"), ("propertyNames", ".<key>")):
            if isinstance(node.get(key), dict):
                found.update(_enums(node[key], where + suffix))
        for key in ("oneOf", "anyOf", "allOf"):
            for child in node.get(key) or []:
                found.update(_enums(child, where))
    return found


def test_the_schema_s_enums_are_the_vocabulary_s(schema):
    """Every enum the schema states is the vocabulary's (or, for the sensitivity settings and
    the search, holds the value the code defaults to); an enum added to the schema fails
    here until it is accounted for."""
    from descriptor_study.datasets.generate import GENERATORS
    from descriptor_study.sensitivity import SETTING_DEFAULTS

    enums = _enums(schema)
    assert enums.pop("dimensionality.methods[]") == list(v.METHODS)
    assert enums.pop("datasets.<entry>.compare_as") == [*v.PUBLISHED_DATASETS, None]
    assert enums.pop("published.not_run.<key>") == list(v.PUBLISHED_DATASETS)
    assert enums.pop("datasets.<entry>.generator") == list(GENERATORS)
    assert enums.pop("regression.search") == ["every_size"]
    settings = {k: enums.pop(f"sensitivity.{k}") for k in list(SETTING_DEFAULTS) if f"sensitivity.{k}" in enums}
    assert set(settings) == set(SETTING_DEFAULTS) - {"seed"}
    for key, values in settings.items():
        assert SETTING_DEFAULTS[key] in values, key
    assert enums == {}, f"enums of the schema this test does not know: {sorted(enums)}"


def test_the_schema_s_keys_and_defaults_are_the_vocabulary_s(schema):
    props = schema["properties"]
    entry = props["datasets"]["additionalProperties"]["properties"]
    assert f"({', '.join(v.PUBLISHED_DATASETS)})" in _description(entry["source"])
    regression = props["regression"]["properties"]
    hyper = regression["hyperparameters"]["additionalProperties"]["properties"]
    assert list(hyper) == list(v.HYPERPARAMETERS)
    assert f"(default {v.N_TOP})" in _description(regression["n_top"])
    assert f"default {v.THREADS} when absent" in _description(props["threads"])


def test_the_plan_falls_back_on_the_vocabulary_s_defaults(config):
    from descriptor_study.plan import Plan
    from descriptor_study.representations import registry

    config = {k: val for k, val in config.items() if k != "threads"}
    config["regression"] = {k: val for k, val in (config.get("regression") or {}).items() if k != "n_top"}
    plan = Plan(config, registry.classes_of(config["representations"]))
    assert (plan.threads, plan.n_top) == (v.THREADS, v.N_TOP) == (1, 65)
    assert Plan({**config, "threads": 3}, plan.classes).threads == 3


def test_every_table_keyed_by_a_vocabulary_name_has_exactly_its_names():
    from descriptor_study import pins, sensitivity
    from descriptor_study.plotting.style import DATASET_COLOURS
    from descriptor_study.published import files, names, regression
    from descriptor_study.published import sensitivity as published_sensitivity

    assert list(published_sensitivity.SENSITIVITY_PANELS) == list(v.PANELS)
    assert set(sensitivity.EXPECTED_SLOPE) == set(v.PANELS) - {"fig3"}  # Figure 3 has no slope
    assert tuple(files.METHOD_FILES) == v.METHODS
    assert tuple(regression.MODEL_KEYS) == v.MODELS
    assert names.DATASETS == v.PUBLISHED_DATASETS
    assert tuple(pins.PINNED_SOURCES) == v.PUBLISHED_DATASETS
    for name, source in pins.PINNED_SOURCES.items():  # each URL names its dataset
        assert f"{name}/" in source["url"], name
    assert list(DATASET_COLOURS)[:4] == list(v.PUBLISHED_DATASETS)


@pytest.mark.parametrize(
    "main, override, expected",
    [
        (None, None, {}),
        ({"cutoff": 6.5, "n_max": 8}, None, {"cutoff": 6.5, "n_max": 8}),
        ({"cutoff": 6.5, "n_max": 8}, {"n_max": 4, "sigma": 0.3}, {"cutoff": 6.5, "n_max": 4, "sigma": 0.3}),
        (None, {"n_max": 4}, {"n_max": 4}),
    ],
)
def test_a_section_s_parameters_override_the_main_ones(main, override, expected):
    merged = v.section_params(main, override)
    assert merged == expected and list(merged) == list(expected)
    assert main is None or "sigma" not in main  # the main entry is left as it was


def test_the_plan_and_the_config_check_merge_a_section_through_the_vocabulary(config):
    """The sensitivity jobs' parameters (``Plan.rep_params``) are the main entry with the
    section's own replacing those it names, as the config check resolves them."""
    from descriptor_study.plan import Plan
    from descriptor_study.representations import registry

    config = {**config, "representations": {"SOAP": {"n_max": 8, "l_max": 6}}}
    config["sensitivity"] = {**(config.get("sensitivity") or {}), "representations": {"SOAP": {"n_max": 4}}}
    plan = Plan(config, registry.classes_of(config["representations"]))
    assert plan.rep_params("SOAP", "sensitivity") == {"n_max": 4, "l_max": 6}
    assert plan.rep_params("SOAP") == {"n_max": 8, "l_max": 6}


def test_each_name_list_is_written_once_in_the_library(repo_root):
    """The lists themselves appear nowhere in ``src/`` but the vocabulary (a name alone, as a
    key of its own facts or in a branch, is no list)."""
    lists = [
        r'"fig3",\s*"fig4",\s*"fig5a"',
        r'"cur",\s*"fps",\s*"pca"',
        r'"rr",\s*"krr"',
        r'"rr_lambda",\s*"krr_lambda"',
        r'"Si",\s*"CHON",\s*"AlNiCu"',
        r"\b65\b",
    ]
    for path in sorted((repo_root / "src/descriptor_study").rglob("*.py")):
        if path.name == "vocabulary.py":
            continue
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        for pattern in lists:
            assert not re.search(pattern, text), f"{path.relative_to(repo_root)}: {pattern}"
