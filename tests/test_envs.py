"""The conda environments of the rules (envs/<kind>.yaml, for --software-deployment-method
conda) pin exactly the versions installed here, the tested ones; each pins everything its
packages require; every rule names an existing one; envs/constraints.txt agrees; the
post-deploy script installs this package from the checkout without dependencies.

A failure of the version checks means this environment is not the pinned one: install with
`pip install -e ".[test]" -c envs/constraints.txt`, or re-pin with `python envs/pin.py`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "envs"))
import pin  # noqa: E402  (envs/pin.py: what the constraints are written from)

sys.path.remove(str(REPO / "envs"))
#: the rules' environments (julia.yaml is created by hand, with the package's `julia` extra)
ENVS = sorted(p for p in (REPO / "envs").glob("*.yaml") if p.name != "julia.yaml")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;=]+)$")


def pip_pins(env: Path) -> dict[str, str]:
    deps = yaml.safe_load(env.read_text())["dependencies"]
    (pip,) = [d["pip"] for d in deps if isinstance(d, dict)]
    pins = {}
    for line in pip:
        m = PIN.match(line)
        assert m, f"{env.name}: {line!r} is not an exact pin name==version"
        pins[canonicalize_name(m[1])] = m[2]
    return pins


def installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def test_the_rules_have_environments():
    assert {p.stem for p in ENVS} == {"data", "representations", "analysis"}


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.stem)
def test_env_pins_the_tested_versions(env):
    spec = yaml.safe_load(env.read_text())
    assert spec["channels"] == ["conda-forge"]
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    assert f"python={sys.version_info.major}.{sys.version_info.minor}" in conda
    assert "pip" in conda
    pins = pip_pins(env)
    assert "descriptor-study" not in pins  # installed from the checkout by the post-deploy script
    wrong = {n: (v, installed(n)) for n, v in pins.items() if installed(n) != v}
    assert not wrong, f"{env.name} pins (pinned, installed here): {wrong}"


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.stem)
def test_env_pins_everything_its_packages_require(env):
    """pip has nothing left to choose: every requirement of a pinned package (markers
    evaluated for this platform, no extras) is pinned too, at a version it accepts."""
    pins = pip_pins(env)
    missing, rejected = [], []
    for name in pins:
        for spec in distribution(name).requires or []:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            dep = canonicalize_name(req.name)
            if dep not in pins:
                missing.append(f"{name} -> {spec}")
            elif not req.specifier.contains(pins[dep], prereleases=True):
                rejected.append(f"{name} -> {spec} (pinned {pins[dep]})")
    assert not missing and not rejected, (missing, rejected)


def test_constraints_agree_with_the_envs_and_this_environment():
    constraints = {}
    for line in (REPO / "envs/constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            m = PIN.match(line)
            assert m, line
            constraints[canonicalize_name(m[1])] = m[2]
    for tool in ["snakemake", "pytest", "ruff", "snakefmt"]:
        assert tool in constraints
    # Constraints apply to what this package and its extras require, as far as installed
    # (`.[test]` alone leaves out the `slurm` and `beyond2020` extras' packages).  What the
    # venv brought by itself and nothing here requires (setuptools 65.5.0 of
    # `python3.11 -m venv`, beside the 84.2.1 the beyond2020 extra pulls in) is not checked.
    required = pin.closure(pin.CONSTRAINT_ROOTS, absent_ok=True)
    wrong = {n: (v, required[n]) for n, v in constraints.items() if n in required and required[n] != v}
    assert not wrong, f"envs/constraints.txt (pinned, installed here): {wrong}"
    for env in ENVS:
        differ = {n: (v, constraints.get(n)) for n, v in pip_pins(env).items() if constraints.get(n) != v}
        assert not differ, f"{env.name} and constraints.txt: {differ}"


def test_every_rule_with_a_script_names_an_existing_env():
    """`snakemake --lint` asks for a conda directive; this checks where it points."""
    seen = set()
    for smk in sorted((REPO / "workflow/rules").glob("*.smk")):
        for block in re.split(r"\n(?=[ \t]*rule \w+:)", smk.read_text())[1:]:
            rule = re.match(r"\s*rule (\w+):", block)[1]
            if "script:" not in block:
                continue
            m = re.search(r"conda:\s*\n\s*\"([^\"]+)\"", block)
            assert m, f"{smk.name}: rule {rule} has no conda: environment"
            path = (smk.parent / m[1]).resolve()
            assert path in ENVS, f"{smk.name}: rule {rule} names {m[1]}, not one of envs/"
            seen.add(path)
    assert seen == set(ENVS)


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.stem)
def test_post_deploy_installs_the_checkout_without_dependencies(env, tmp_path):
    """Snakemake runs envs/<kind>.post-deploy.sh in the new environment; `python` there is
    the environment's.  A stand-in python records the command."""
    script = env.with_name(f"{env.stem}.post-deploy.sh")
    assert os.access(script, os.X_OK)
    (tmp_path / "python").write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/called\n')
    (tmp_path / "python").chmod(0o755)
    path = f"{tmp_path}:{os.environ['PATH']}"
    run = subprocess.run(
        [str(script)], env={"PATH": path, "DESCRIPTOR_STUDY_SOURCE": str(REPO)}, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "called").read_text().split() == ["-m", "pip", "install", "--no-deps", "-e", str(REPO)]
    # without the variable the Snakefile sets, it stops and says which one
    (tmp_path / "called").unlink()
    run = subprocess.run([str(script)], env={"PATH": path}, capture_output=True, text=True)
    assert run.returncode != 0 and "DESCRIPTOR_STUDY_SOURCE" in run.stderr
    assert not (tmp_path / "called").exists()
