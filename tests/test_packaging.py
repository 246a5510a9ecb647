"""Packaging: the library imports without Snakemake, and pyproject's extras are as documented.

The library (``src/descriptor_study``) needs only its runtime dependencies; Snakemake and its
executor plugins are the ``workflow`` and ``slurm`` extras, scikit-learn and scikit-matter
(used only by the tests and benchmarks) are in the ``test`` extra, which also pulls in
``workflow`` since the tests run the workflow.
"""

from __future__ import annotations

import ast
import os
import pkgutil
import re
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "descriptor_study"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# A sitecustomize that makes `snakemake` (and every submodule) unimportable, as in an
# environment where only the library's dependencies are installed.
BLOCKER = textwrap.dedent(
    """
    import importlib.abc
    import sys


    class _NoSnakemake(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "snakemake" or name.startswith("snakemake."):
                raise ImportError(f"No module named {name!r} (blocked by test_packaging)")
            return None


    sys.meta_path.insert(0, _NoSnakemake())
    """
)


def _req_name(requirement: str) -> str:
    """Normalised distribution name of a PEP 508 requirement (extras kept apart)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_req_name(r) for r in requirements}


def _library_modules() -> list[str]:
    """Every importable module of the package (``__main__`` entry points excepted)."""
    mods = ["descriptor_study"]
    for info in pkgutil.walk_packages([str(SRC)], prefix="descriptor_study."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            mods.append(info.name)
    return mods


def test_library_imports_without_snakemake(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    modules = _library_modules()
    # the modules the workflow's scripts and users touch first must be among them
    for name in (
        "descriptor_study.stages.representations",
        "descriptor_study.representations",
        "descriptor_study.config",
        "descriptor_study.storage",
    ):
        assert name in modules
    code = textwrap.dedent(
        f"""
        import importlib, sys
        try:
            import snakemake
        except ImportError:
            pass
        else:
            raise SystemExit("the blocker did not work: snakemake is importable")
        for name in {modules!r}:
            importlib.import_module(name)
        from descriptor_study.representations import build
        build("ACSF-X", ["Si"], {{}})
        leaked = sorted(m for m in sys.modules if m == "snakemake" or m.startswith("snakemake."))
        if leaked:
            raise SystemExit(f"snakemake modules loaded: {{leaked}}")
        print("ok", len({modules!r}))
        """
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT / "src")])
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok"), proc.stdout + proc.stderr


def test_runtime_dependencies_exclude_workflow_and_test_tools():
    runtime = _names(PYPROJECT["project"]["dependencies"])
    for name in ("snakemake", "snakemake-executor-plugin-slurm", "scikit-learn", "skmatter", "pytest", "hypothesis"):
        assert name not in runtime, f"{name} should not be a runtime dependency"
    for name in (
        "numpy",
        "scipy",
        "ase",
        "dscribe",
        "quippy-ase",
        "ace-jax",
        "pandas",
        "matplotlib",
        "h5py",
        "pooch",
        "jsonschema",
        "pyyaml",
    ):
        assert name in runtime, f"{name} missing from the runtime dependencies"
    # the pin and its reason stay
    assert any(r.startswith("ase") and "<3.27" in r for r in PYPROJECT["project"]["dependencies"])


def test_extras():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"workflow", "slurm", "test", "julia"} <= set(extras)
    assert "snakemake" in _names(extras["workflow"])
    slurm = extras["slurm"]
    assert "snakemake-executor-plugin-slurm" in _names(slurm)
    assert "descriptor-study[workflow]" in [r.replace(" ", "") for r in slurm]
    test = extras["test"]
    # the README's quick start installs `.[test]` and then runs .venv/bin/snakemake
    assert "descriptor-study[workflow]" in [r.replace(" ", "") for r in test]
    assert {"pytest", "hypothesis", "skmatter", "scikit-learn"} <= _names(test)
    assert "juliacall" in _names(extras["julia"])


def test_cluster_marker_registered():
    markers = PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]
    names = {m.split(":", 1)[0].strip() for m in markers}
    assert {"slow", "cluster"} <= names
    assert any(m.startswith("cluster:") and "DESCRIPTOR_STUDY_CLUSTER=1" in m for m in markers)


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level third-party modules imported anywhere in src (lazy imports included)."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".", 1)[0]
                if top in sys.stdlib_module_names or top in ("descriptor_study", "__future__"):
                    continue
                found.setdefault(top, set()).add(str(path.relative_to(SRC)))
    return found


#: import name → distribution, for an optional module whose two names differ
OTHER_DISTRIBUTION = {"metatensor": "metatensor-core"}


def test_every_library_import_is_declared():
    """Each third-party module src/ imports comes from a runtime dependency or from the extra
    of an optional backend (juliacall: `julia`; the representations of today: `featomic`,
    `chgnet`, `sevennet`); none of them is Snakemake, scikit-learn or scikit-matter."""
    declared = _names(PYPROJECT["project"]["dependencies"])
    extras = PYPROJECT["project"]["optional-dependencies"]
    optional = set().union(*(_names(extras[e]) for e in ("julia", "featomic", "chgnet", "sevennet")))
    dists = metadata.packages_distributions()
    missing = {}
    for module, files in sorted(_third_party_imports().items()):
        assert module not in ("snakemake", "sklearn", "skmatter"), (module, files)
        # an optional backend may be absent here: its import name is its distribution name,
        # or the one OTHER_DISTRIBUTION gives
        provided = {_req_name(d) for d in dists.get(module, [OTHER_DISTRIBUTION.get(module, module)])}
        if not provided & (declared | optional):
            missing[module] = (sorted(provided), sorted(files))
    assert not missing, f"imported by src/ but not declared in pyproject.toml: {missing}"


@pytest.mark.parametrize("options", [["-p", "no:xdist"], ["-n", "0"], []])
def test_suite_runs_with_and_without_xdist(options):
    """The suite's options do not require pytest-xdist: ``-p no:xdist`` runs it in one
    process, as ``-n 0`` does; without either it runs on xdist's workers."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *options,
            "-q",
            "tests/test_splits.py",
            "-k",
            "random_split",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
        timeout=600,
    )
    assert proc.returncode == 0, f"pytest {' '.join(options)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    workers = "bringing up nodes" in proc.stdout  # what xdist prints as it starts its workers
    assert workers == (not options), f"pytest {' '.join(options)}: workers {workers}:\n{proc.stdout}"
