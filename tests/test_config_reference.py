"""Every config key is described in the schema, and docs/config-reference.md is generated
from it (``python -m descriptor_study.config_reference``)."""

from __future__ import annotations

import copy
import inspect
import re
import subprocess
import sys

import yaml


def _undescribed(node, where: str = "") -> list[str]:
    """The keys of a schema (at every depth: properties, a map's entries, branches) that have
    no ``description``."""
    found = []
    if isinstance(node, dict):
        for name, child in (node.get("properties") or {}).items():
            if not isinstance(child, dict) or not str(child.get("description", "")).strip():
                found.append(f"{where}{name}")
            found += _undescribed(child, f"{where}{name}.")
        entry = node.get("additionalProperties")
        if isinstance(entry, dict):
            if "properties" in entry and not str(entry.get("description", "")).strip():
                found.append(f"{where}<entry>")
            found += _undescribed(entry, f"{where}<entry>.")
        for key in ("$defs", "items"):
            value = node.get(key)
            if isinstance(value, dict):
                children = value.values() if key == "$defs" else [value]
                for child in children:
                    found += _undescribed(child, where)
        for key in ("oneOf", "anyOf", "allOf"):
            for child in node.get(key) or []:
                found += _undescribed(child, where)
    return found


def test_every_config_key_is_described(schema):
    """Before: 39 keys had no description (``regression.n_top`` among them)."""
    assert _undescribed(schema) == []
    assert "65" in schema["properties"]["regression"]["properties"]["n_top"]["description"]


def test_the_check_finds_a_key_without_description(schema):
    schema = copy.deepcopy(schema)
    schema["properties"]["regression"]["properties"]["hyperparameters"]["additionalProperties"]["properties"][
        "krr_gamma"
    ].pop("description")
    assert _undescribed(schema) == ["regression.hyperparameters.<entry>.krr_gamma"]


def _description(schema, dotted: str) -> str:
    node = schema
    for part in dotted.split("."):
        node = node["additionalProperties"] if part == "<entry>" else node["properties"][part]
    return " ".join(node["description"].split())


def test_the_defaults_the_descriptions_give_are_the_code_s(schema, repo_root):
    from descriptor_study import splits, vocabulary
    from descriptor_study.datasets.generate import GENERATORS
    from descriptor_study.regression.sweep import sweep_sizes
    from descriptor_study.sensitivity import SETTING_DEFAULTS

    n_top = inspect.signature(sweep_sizes).parameters["n_top"].default
    assert f"(default {n_top})" in _description(schema, "regression.n_top")
    assert n_top == vocabulary.N_TOP  # the rules read Plan.n_top, which falls back on N_TOP
    assert f"(default {splits.DEFAULT_TRAIN_FRACTION:g})" in _description(schema, "regression.split.train_fraction")
    counts = {name: inspect.signature(f).parameters["n_structures"].default for name, f in GENERATORS.items()}
    assert f"default {counts['si_demo']} for si_demo, {counts['alnicu_demo']} for alnicu_demo" in _description(
        schema, "datasets.<entry>.n_structures"
    )
    assert f"default {vocabulary.THREADS} when absent" in _description(schema, "threads")
    assert f"default {SETTING_DEFAULTS['seed']}" in _description(schema, "sensitivity.seed")
    assert f"default {SETTING_DEFAULTS['rotation_axis']}" in _description(schema, "sensitivity.rotation_axis")
    for key in ("mixed_direction", "radial_variant", "normalisation", "tangential_direction"):
        assert re.search(rf"\b{SETTING_DEFAULTS[key]}\b[^;]*the default", _description(schema, f"sensitivity.{key}"))


def test_config_reference_in_docs_is_generated_from_the_schema(repo_root, schema):
    """docs/config-reference.md is what `python -m descriptor_study.config_reference` prints,
    and names every key of the schema."""
    from descriptor_study.config_reference import keys

    out = subprocess.run(
        [sys.executable, "-m", "descriptor_study.config_reference"],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo_root,
    ).stdout
    assert out == (repo_root / "docs/config-reference.md").read_text()
    dotted = [k for k, _ in keys(schema)]
    assert "regression.n_top" in dotted and "datasets.<dataset>.energy_key" in dotted
    for key in dotted:
        assert f"`{key}`" in out, key
    with open(repo_root / "workflow/schemas/config.schema.yaml") as fh:
        assert yaml.safe_load(fh) == schema


def test_the_docs_point_to_the_config_reference(repo_root):
    assert "(config-reference.md)" in (repo_root / "docs/README.md").read_text()
    tutorial = (repo_root / "docs/tutorial.md").read_text()
    assert "config-reference.md" in tutorial
