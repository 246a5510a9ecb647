"""The job specs (descriptor_study.jobs): every rule passes one, built by the plan, and its
paths are the job's own input and output as Snakemake plans them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from conftest import run_snakemake

from descriptor_study import jobs
from descriptor_study.plan import Plan
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]


def planned_jobs(directory: Path, configfile: str) -> list[dict]:
    """Every job of a forced dry run of the repository's Snakefile: rule, wildcards, input
    and output, as Snakemake prints them (in the rule's order of files)."""
    res = run_snakemake(directory, "-n", "--forceall", "--configfile", str(REPO / configfile))
    assert res.returncode == 0, res.stderr[-3000:]
    found = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", res.stdout):
        head = re.match(r"(?:local)?rule (\w+):", block)
        if not head:
            continue
        job = {"rule": head[1], "input": [], "output": [], "wildcards": {}}
        for key in ("input", "output", "wildcards"):
            line = re.search(rf"^\s+{key}: (.*)$", block, re.M)
            if line and key == "wildcards":
                job[key] = dict(item.strip().split("=", 1) for item in line[1].split(","))
            elif line:
                job[key] = [item.strip() for item in line[1].split(",")]
        found.append(job)
    return found


def flat(files: dict) -> list[str]:
    return [f for v in files.values() for f in ([v] if isinstance(v, str) else v)]


@pytest.mark.parametrize("configfile", ["config/config.yaml", "config/paper.yaml"])
def test_every_jobs_spec_names_the_jobs_own_input_and_output(tmp_path, configfile):
    """The rule's input is the spec's (``unpack``/``**`` of ``spec.input``), but its output
    patterns are the rule's own: a spec that drifted from them would make the stage write
    a file Snakemake does not expect."""
    config = yaml.safe_load((REPO / configfile).read_text())
    plan = Plan(config, registry.classes_of(config["representations"]))
    planned = [j for j in planned_jobs(tmp_path, configfile) if j["rule"] != "all"]
    rules = {j["rule"] for j in planned}
    assert {"dataset", "represent", "represent_degree", "regress", "figure6", "reproduction", "cards"} <= rules
    for job in planned:
        spec = getattr(plan, f"{job['rule']}_job")(**job["wildcards"])
        assert type(spec).__module__ == "descriptor_study.jobs"
        # a tuple: Snakemake's params trigger compares its repr, which names every field
        assert isinstance(spec, tuple) and all(f"{name}=" in repr(spec) for name in spec._fields)
        assert flat(spec.input) == job["input"], job
        assert spec.outputs == job["output"], job


def test_every_rule_passes_its_job_spec_as_its_one_param():
    rules = {}
    for path in sorted((REPO / "workflow/rules").glob("*.smk")):
        for block in re.split(r"\n(?=\s*rule \w+:)", path.read_text()):
            head = re.match(r"\s*rule (\w+):", block)
            if head:
                rules[head[1]] = block
    specs = [c for c in vars(jobs).values() if isinstance(c, type) and issubclass(c, tuple) and hasattr(c, "_fields")]
    assert len(rules) == len(specs) + 1  # represent and represent_degree share one
    for name, block in rules.items():
        params = re.search(r"^( *)params:\n((?:\1 +\S.*\n)+)", block, re.M)
        assert params, f"rule {name} has no params"
        lines = [line.strip() for line in params[2].splitlines()]
        assert len(lines) == 1 and lines[0].startswith("job=") and f"PLAN.{name}_job(" in lines[0], (name, lines)


def test_the_reproduction_job_carries_the_report_inputs_by_name():
    config = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    plan = Plan(config, registry.classes_of(config["representations"]))
    job = plan.reproduction_job()
    assert (job.csv, job.md, job.table1) == (
        "results/reproduction.csv",
        "results/reproduction.md",
        "results/tables/table1.csv",
    )
    assert job.input["published"] == plan.published_input and jobs.folder(job.published) == Path("data/published")
    assert job.input["regression"] == [r["path"] for r in plan.report_regression]
    with pytest.raises(AttributeError):
        job.csv = "elsewhere.csv"
    regress = plan.regress_job("krr", "Si", "SOAP")
    assert regress.input["split"] == [config["regression"]["split"]["file"]]
    assert regress.out_csv == "results/regression/krr/Si/SOAP.csv"
    assert regress.ranking_csv == "results/dimensionality/cur/Si/SOAP.csv"


#: the most parameters a function in src/ takes: each named parameter counts (``self`` and
#: ``cls`` too), and so do ``*args`` and ``**kwargs``, one each
MAX_PARAMETERS = 8


def test_no_function_in_src_takes_more_than_eight_parameters():
    long = []
    for path in sorted((REPO / "src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                a = node.args
                n = (
                    len(a.posonlyargs)
                    + len(a.args)
                    + len(a.kwonlyargs)
                    + (a.vararg is not None)
                    + (a.kwarg is not None)
                )
                if n > MAX_PARAMETERS:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {getattr(node, 'name', 'lambda')} ({n})")
    assert long == []
