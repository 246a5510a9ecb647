"""The workflow's plan (descriptor_study.plan) built from the repository's configs directly,
without Snakemake: the paths, records and targets the rules and ``rule all`` take."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from descriptor_study import plan as paths
from descriptor_study.plan import Plan
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]


def load(name: str, **changes) -> Plan:
    config = yaml.safe_load((REPO / name).read_text())
    config.update(changes)
    return Plan(config, registry.classes_of(config["representations"]))


def test_fill_leaves_the_other_wildcards():
    assert paths.fill(paths.REPRESENTATION, rep="ACE") == "results/representations/{dataset}/ACE.h5"
    assert paths.fill(paths.SELECTION, method="cur", dataset="Si", variant="MBTR-std") == (
        "results/dimensionality/cur/Si/MBTR-std.csv"
    )
    assert paths.figure_files("figure9_Si") == ["results/figures/figure9_Si.pdf", "results/figures/figure9_Si.png"]


def test_the_default_config_asks_for_every_figure_and_table():
    plan = load("config/config.yaml")
    stems = {Path(t).name for t in plan.targets}
    figures = {f"figure{n}.{ext}" for n in (3, 4, 5, 6, 7, 8) for ext in ("pdf", "png")}
    figures |= {f"figure9_{d}.{ext}" for d in ("Si-demo", "AlNiCu-demo") for ext in ("pdf", "png")}
    tables = {
        f"{t}.{ext}"
        for t in ("table1", "sensitivity_slopes", "compressibility", "regression_best")
        for ext in ("csv", "md")
    }
    cards = {f"{r}.{ext}" for r in plan.representations for ext in ("json", "md", "png", "html")}
    cards |= {"league.csv", "league.md", "index.html"}
    assert stems == figures | tables | {"reproduction.csv", "reproduction.md"} | cards
    assert len(plan.targets) == len(set(plan.targets))


def test_records_carry_the_names_of_their_paths():
    plan = load("config/config.yaml")
    assert len(plan.sensitivity_curves) == 6 * 8
    assert {"panel": "fig5b", "rep": "SOAP", "path": "results/sensitivity/fig5b/SOAP.csv"} in plan.sensitivity_curves
    cur = plan.dimensionality_records("cur")
    assert len(cur) == 2 * 8 and cur[0] == {
        "method": "cur",
        "dataset": "Si-demo",
        "rep": "ACSF",
        "path": "results/dimensionality/cur/Si-demo/ACSF.csv",
    }
    sweeps = plan.regression_sweeps(["AlNiCu-demo"])
    assert [s["model"] for s in sweeps] == ["rr"] * 8 + ["krr"] * 8
    assert sweeps[-1]["path"] == "results/regression/krr/AlNiCu-demo/MBTR.csv"


def test_the_degree_sweep_and_the_standardised_variant_come_from_the_classes():
    plan = load("config/config.yaml")
    assert (plan.degree_rep, plan.degree_param, plan.std_rep) == ("ACE", "degree", "MBTR")
    assert [r["variant"] for r in plan.degree_records] == [f"ACE-degree{g}" for g in (6, 9, 12, 15)]
    assert plan.degree_records[0]["path"] == "results/dimensionality/cur/AlNiCu-demo/ACE-degree6.csv"
    assert plan.degree_params("9")["degree"] == 9
    assert plan.std_records == [
        {
            "method": "cur",
            "dataset": "Si-demo",
            "rep": "MBTR",
            "variant": "MBTR-std",
            "path": "results/dimensionality/cur/Si-demo/MBTR-std.csv",
        }
    ]
    assert plan.selection_input("Si-demo", "MBTR-std") == "results/representations/Si-demo/MBTR.h5"
    assert plan.selection_input("Si-demo", "ACE-degree6") == "results/representations/Si-demo/ACE-degree6.h5"
    assert plan.standardise("MBTR-std") and not plan.standardise("MBTR")
    # without ACE and MBTR there is neither
    few = load("config/config.yaml", representations={"SOAP": {}, "ACSF": {}})
    assert (few.degree_rep, few.std_rep, few.degree_records, few.std_records) == (None, None, [], [])


def test_sections_choose_the_targets():
    no_studies = load("config/config.yaml", sensitivity={}, dimensionality={}, regression={})
    cards = {f"{r}.{ext}" for r in no_studies.representations for ext in ("json", "md", "png", "html")}
    cards |= {"league.csv", "league.md", "index.html"}
    assert {Path(t).name for t in no_studies.targets} == {
        "table1.csv",
        "table1.md",
        "reproduction.csv",
        "reproduction.md",
    } | cards
    # the cards say why each study is missing, and read none of its files
    assert no_studies.card_gaps["SOAP"]["sensitivity"].startswith("not configured")
    assert no_studies.card_gaps["SOAP"]["regression Si-demo"].startswith("not configured")
    assert no_studies.card_input_files == ["results/tables/table1.csv"] + [
        e["path"] for e in no_studies.card_inputs["parts"]
    ]
    cur_only = load("config/config.yaml", dimensionality={"methods": ["cur"]})
    names = {Path(t).name for t in cur_only.dimensionality_targets}
    assert names == {"figure6.pdf", "figure6.png", "compressibility.csv", "compressibility.md"}


def test_the_report_compares_only_datasets_with_a_published_counterpart():
    plan = load("config/reproduce-offline.yaml")
    assert plan.compare and plan.comparable == ["AlNiCu", "TiO2"]
    assert plan.published_input == [f"data/published/{n}" for n in plan.published_names]
    dims = plan.report_dimensionality
    assert {(e["method"], e["dataset"]) for e in dims if e["method"] == "fps"} == {("fps", plan.fps_dataset)}
    assert {e["dataset"] for e in dims} <= set(plan.comparable)
    assert plan.report_sensitivity == plan.sensitivity_curves
    demo = load("config/config.yaml")
    assert not demo.compare and demo.published_input == [] and demo.report_dimensionality == []


def test_section_parameters_override_the_main_ones_and_class_entries_name_only_the_class():
    plan = load("examples/lmbtr.yaml")
    lmbtr = plan.config["representations"]["LMBTR"]
    assert plan.rep_params("LMBTR") == lmbtr
    assert plan.class_entries["LMBTR"] == {"class": lmbtr["class"]}
    assert all(v == {} for k, v in plan.class_entries.items() if k != "LMBTR")
    default = load("config/config.yaml")
    assert default.rep_params("SOAP", "sensitivity") == {"n_max": 6, "l_max": 6}
    assert default.rep_params("SOAP") == {}


@pytest.mark.parametrize("config", ["config/config.yaml", "config/paper.yaml", "config/reproduce-offline.yaml"])
def test_every_pattern_matches_its_wildcard_constraints(config):
    plan = load(config)
    names = set(plan.datasets)
    for record in plan.representation_files:
        assert record["dataset"] in names and re.fullmatch(plan.wildcard(plan.representations), record["rep"])


def test_min_version_of_the_snakefile_is_the_workflow_extras_bound():
    snakefile = (REPO / "Snakefile").read_text()
    declared = re.search(r'min_version\("([\d.]+)"\)', snakefile)[1]
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["workflow"]
    assert f"snakemake>={declared}" in extra


def test_no_script_reads_the_config():
    """Scripts get what they use through params and input, so the params-change trigger and
    the provenance record see it."""
    readers = [p.name for p in (REPO / "scripts").glob("*.py") if re.search(r"\.config\b", p.read_text())]
    assert readers == []


def test_every_script_calls_one_stage_function():
    """A rule's script imports one function of ``descriptor_study.stages`` (and from
    ``descriptor_study.runlog`` its wrapper and helpers, nothing else) and calls it once: the
    stage reads the files and writes the outputs, the script passes the job's values."""
    import ast

    scripts = sorted((REPO / "scripts").glob("*.py"))
    assert scripts
    for path in scripts:
        tree = ast.parse(path.read_text())
        stage, other = [], []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                other += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [alias.asname or alias.name for alias in node.names]
                if (node.module or "").startswith("descriptor_study.stages."):
                    stage += names
                elif node.module != "descriptor_study.runlog":
                    other += [f"{node.module}.{n}" for n in names]
        assert len(stage) == 1, f"{path.name}: stage functions imported: {stage}"
        assert other == [], f"{path.name}: imports besides the stage function and runlog: {other}"
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert [c.func.id for c in calls].count(stage[0]) == 1, f"{path.name}: {stage[0]} is not called once"
        main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
        # the call, or its return (a stage's record of what it ran with, for the provenance)
        assert [s for s in main.body if not isinstance(s, (ast.Expr, ast.Return))] == [], f"{path.name}: main does more"
        assert len(main.body) == 1 and main.body[0].value.func.id == stage[0], f"{path.name}: main is not the call"
