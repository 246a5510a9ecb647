"""Opt-in: the tiny study (tests/cluster/tiny.yaml) through profiles/slurm on a real Slurm
cluster, every job COMPLETED in sacct and every CSV equal to a local run's; a job
cancelled with scancel ends the run with an error instead of hanging it; and a job whose
class raises ends the run with the job's one line, read from the rule's log.

Runs only where `sbatch` exists and DESCRIPTOR_STUDY_CLUSTER=1 is set (docs/cluster.md):

    DESCRIPTOR_STUDY_CLUSTER=1 .venv/bin/pytest -m cluster tests/test_cluster.py

tests/cluster/setup_slurm.sh makes a single-node cluster with accounting on this machine
(as root, Debian or Ubuntu). The three tests take about 8, 5 and 2 minutes. Under the
suite's default `-n auto` (tests/conftest.py) they run two at a time, on two workers: on a
2-CPU node their Slurm jobs and local runs share its CPUs and each takes longer; `-n0` runs
them one after the other.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_snakemake

OPT_IN = "DESCRIPTOR_STUDY_CLUSTER"

pytestmark = [
    pytest.mark.cluster,  # registered in pyproject.toml's markers
    pytest.mark.skipif(
        os.environ.get(OPT_IN) != "1",
        reason=f"opt-in: set {OPT_IN}=1 to run the workflow on a real Slurm cluster (docs/cluster.md)",
    ),
    pytest.mark.skipif(
        shutil.which("sbatch") is None,
        reason="no Slurm here: sbatch not found (tests/cluster/setup_slurm.sh makes a single-node cluster)",
    ),
]


def run_script(script: str, *args: str, repo_root: Path, timeout: float, **env_extra: str):
    """Run a script of tests/cluster; on timeout stop it and the Snakemake it started."""
    env = dict(os.environ, **env_extra)
    venv = Path(sys.executable).parent.parent
    if (venv / "bin" / "snakemake").is_file():
        env.setdefault("VENV", str(venv))
    proc = subprocess.Popen(
        ["bash", str(repo_root / "tests/cluster" / script), *args],
        cwd=repo_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, Snakemake included
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{script} took more than {timeout} s:\n{(out + err)[-6000:]}")
    return proc.returncode, out, out + err


def test_tiny_study_through_the_slurm_profile(repo_root: Path, tmp_path: Path) -> None:
    rc, stdout, out = run_script("run_workflow.sh", str(tmp_path / "run"), repo_root=repo_root, timeout=3600)
    assert rc == 0, out[-6000:]
    assert "every job COMPLETED; every CSV equals the local run's" in stdout, out[-6000:]
    assert " COMPLETED" in stdout and "FAILED" not in stdout


def test_a_cancelled_job_ends_the_run(repo_root: Path, tmp_path: Path) -> None:
    """scancel of a running represent job: sacct says `CANCELLED by <uid>`, which plugin
    2.8.0 took for a running job (the run hung); the profile's squeue status command
    reports it failed and the run ends within CANCEL_TIMEOUT of the scancel."""
    rc, stdout, out = run_script(
        "cancel_job.sh", str(tmp_path / "run"), repo_root=repo_root, timeout=1800, CANCEL_TIMEOUT="600"
    )
    assert rc == 0, out[-6000:]
    assert "SLURM status is: 'CANCELLED'" in stdout, out[-6000:]
    assert "the cancelled job was reported failed and the run ended" in stdout, out[-6000:]


BOOM = """\
import numpy as np

from descriptor_study.representations import Param, Representation


class Boom(Representation):
    name = "Boom"
    parameters = (Param("n", "integer", 2, "columns", minimum=1),)

    @property
    def n_features(self):
        return self.params["n"]

    def _compute(self, atoms, centers):
        raise RuntimeError("Boom raises, as a user's class may")
"""


def test_a_failing_job_ends_the_run_with_its_line(repo_root: Path, tmp_path: Path) -> None:
    """A class that raises, run through the profile: the plugin says only `SLURM-job '<id>'
    failed, SLURM status is: 'FAILED'` and two log paths; the run ends with the job's one
    line, which the Snakefile's onerror reads from the rule's log on the shared file system."""
    work = tmp_path / "run"
    work.mkdir()
    (work / "boom.py").write_text(BOOM)
    (work / "config.yaml").write_text(
        "data: {mirror: null, cache: data/cache}\n"
        "datasets:\n  Si-demo: {generator: si_demo, seed: 7, n_structures: 10}\n"
        "representations:\n  Boom: {class: boom.py:Boom}\nthreads: 1\n"
    )
    node_mem = min(
        int(m.rstrip("+"))
        for m in subprocess.run(
            ["sinfo", "-h", "-p", "compute", "-o", "%m"], capture_output=True, text=True
        ).stdout.split()
    )
    log = "logs/representations/Si-demo/Boom.log"
    res = run_snakemake(
        work,
        "results/representations/Si-demo/Boom.h5",
        "--profile",
        "profiles/slurm",
        "--resources",
        f"mem_mb={min(node_mem, 8000)}",
        "--configfile",
        str(work / "config.yaml"),
        timeout=1800,
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-6000:]
    assert "SLURM status is: 'FAILED'" in out, out[-6000:]
    line = f"represent Si-demo/Boom failed: RuntimeError: Boom raises, as a user's class may (traceback in {log})"
    assert line in (work / log).read_text()
    assert res.stderr.rstrip().splitlines()[-2:] == [f"Failed: represent Si-demo/Boom (log: {log}):", f"  {line}"], out[
        -6000:
    ]
