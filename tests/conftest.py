"""Shared fixtures.

``shared_datasets`` points at ``../shared/datasets`` beside the checkout (CI has it);
tests that need it skip cleanly where it is absent.

Test workers: where pytest-xdist is loaded and no ``-n`` is given, the suite runs on
``-n auto`` workers, at most four (``pytest_cmdline_main`` below); ``-n 0`` or
``-p no:xdist`` runs it in one process.  Each worker's own BLAS runs on one thread (the
workers already fill the cores; two BLAS threads in each of two workers on two cores made
the textbook CUR reference 10-15 times slower); the workflow runs the tests start are not
limited, and a test that needs more threads sets them itself (``threadpool_limits``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
SHARED_PUBLISHED = REPO.parent / "shared" / "published" / "results"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """``-n auto --maxprocesses 4`` unless ``-n`` was given or xdist is not loaded (runs
    before xdist's own hook, which turns the worker count into its executors)."""
    if (
        config.pluginmanager.hasplugin("xdist")
        and getattr(config.option, "numprocesses", 0) is None
        and "PYTEST_XDIST_WORKER" not in os.environ
    ):
        config.option.numprocesses = "auto"
        config.option.maxprocesses = config.option.maxprocesses or 4
        # tests marked xdist_group(name) run on one worker, so they share its session fixtures
        # (one real run of config/ci.yaml serves every report-card test)
        config.option.dist = "loadgroup"
    elif getattr(config, "workerinput", {}).get("loadgroup"):
        # a worker reads --dist from the command line, not from here: without this it
        # reports no groups and the controller spreads a group over every worker
        config.option.loadgroup = True


def pytest_configure(config):
    """One BLAS thread in each xdist worker (module docstring); kept for the session."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        from threadpoolctl import threadpool_limits

        config._blas_one_thread = threadpool_limits(limits=1, user_api="blas")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Tells each xdist worker that the controller schedules by group (above)."""
    node.workerinput["loadgroup"] = node.config.option.dist == "loadgroup"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """A worker names each test marked ``xdist_group(name)`` ``<nodeid>@<name>``, the name the
    controller's loadgroup scheduling groups by.  pytest-xdist 3.8 sets it on an attribute
    that pytest 9 no longer reads (``_nodeid``; the id is ``_id`` now), so without this
    every test was its own group and each worker made its own copy of a shared run."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = {m.args[0] if m.args else m.kwargs.get("name", "default") for m in item.iter_markers("xdist_group")}
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(map(str, names)))}")


def snakemake_env(front: str = "", **extra: str) -> dict[str, str]:
    """The environment of a workflow run: this checkout's package first on ``PYTHONPATH``
    (after ``front``), no pytest-xdist variables, ``extra`` added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    path = [front, str(REPO / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
    return {**env, **extra}


def snakemake_command(directory: Path, *args: str) -> list[str]:
    """The repository's Snakefile with ``directory`` as working directory, called from the
    repository as the README calls it (``snakemake ... --directory <dir>``)."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(directory),
        *args,
    ]


def run_snakemake(
    directory: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    """:func:`snakemake_command` run to its end, output captured (the one runner of the tests)."""
    return subprocess.run(
        snakemake_command(directory, *args),
        cwd=REPO,
        env=env or snakemake_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def job_output(text: str) -> str:
    """A run's output without what a failed run prints at its end (the Snakefile's onerror:
    `Failed: <job> (log: ...):` and the job's line again, read from its log)."""
    end = re.search(r"^Failed: ", text, re.M)
    return text if end is None else text[: end.start()]


@pytest.fixture(scope="session")
def snakemake():
    """:func:`run_snakemake`: ``snakemake(directory, *args, env=None, timeout=900)``."""
    return run_snakemake


@pytest.fixture(scope="session")
def ci_run(tmp_path_factory, snakemake):
    """config/ci.yaml run to its end in a scratch directory (every stage, three
    representations, MBTR outside the sensitivity study), shared by the report cards' tests:
    none changes its results.  They share one xdist group ("ci_cards"), so it is made once."""
    workdir = tmp_path_factory.mktemp("ci-cards")
    run = snakemake(workdir, "--cores", "2", "--configfile", str(REPO / "config/ci.yaml"))
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir


@pytest.fixture(scope="session")
def sensitivity_jobs(tmp_path_factory):
    """The sensitivity job's curves, each computed once in the session
    (``sensitivity_jobs.SensitivityJobs``): tests that read the same curve share one xdist
    group ("sensitivity_jobs"), so one worker computes it."""
    from sensitivity_jobs import SensitivityJobs

    return SensitivityJobs(tmp_path_factory.mktemp("sensitivity-jobs"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip("../shared/datasets is not beside the checkout (offline dataset copies absent)")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def published_dir() -> Path:
    """The authors' published result files (offline copy of the pinned commit's results/)."""
    if not (SHARED_PUBLISHED / "CUR_results.json").is_file():
        pytest.skip("../shared/published/results is not beside the checkout (published results absent)")
    return SHARED_PUBLISHED


def published_files(directory: Path | None) -> list[str]:
    """The published result files in ``directory`` as a job spec names them (its
    ``published`` input; the stage reads their folder), none for None."""
    from descriptor_study.pins import PUBLISHED_FILES

    return [str(Path(directory) / name) for name in PUBLISHED_FILES] if directory else []


@pytest.fixture(scope="session")
def alnicu_path(shared_datasets: Path) -> Path:
    path = shared_datasets / "AlNiCu" / "dataset_AlNiCu.extxyz"
    if not path.is_file():
        pytest.skip(f"{path.name} missing from ../shared/datasets")
    return path


def rattled_multispecies_cell(seed: int = 0) -> Atoms:
    """A periodic fcc Al-Ni-Cu cell with every species present, rattled off symmetry."""
    from ase.build import bulk

    rng = np.random.default_rng(seed)
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((2, 2, 2))
    symbols = np.array(["Al", "Ni", "Cu"])[rng.integers(0, 3, len(atoms))]
    symbols[:3] = ["Al", "Ni", "Cu"]
    atoms.set_chemical_symbols(list(symbols))
    atoms.positions += rng.normal(scale=0.1, size=atoms.positions.shape)
    return atoms


@pytest.fixture
def rattled_cell() -> Atoms:
    return rattled_multispecies_cell()


@pytest.fixture(scope="session")
def schema(repo_root):
    """The workflow's config schema, as the Snakefile loads it."""
    import yaml

    return yaml.safe_load((repo_root / "workflow/schemas/config.schema.yaml").read_text())


@pytest.fixture(scope="session")
def default(repo_root):
    """The embedded default config (config/config.yaml)."""
    import yaml

    return yaml.safe_load((repo_root / "config/config.yaml").read_text())


@pytest.fixture
def captured(monkeypatch):
    """The figures the plotting modules make, kept instead of written (and closed afterwards)."""
    import matplotlib.pyplot as plt

    from descriptor_study.plotting import dimensionality, regression, sensitivity

    figures = []

    def keep(fig, stem):
        figures.append(fig)
        return []

    for module in (dimensionality, sensitivity, regression):
        monkeypatch.setattr(module, "save", keep)
    yield figures
    for fig in figures:
        plt.close(fig)
