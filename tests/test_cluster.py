"""Opt-in: the tiny study (tests/cluster/tiny.yaml) through profiles/slurm on a real Slurm
cluster, every job COMPLETED in sacct and every CSV equal to a local run's; and a job
cancelled with scancel ends the run with an error instead of hanging it.

Runs only where `sbatch` exists and DESCRIPTOR_STUDY_CLUSTER=1 is set (docs/cluster.md):

    DESCRIPTOR_STUDY_CLUSTER=1 .venv/bin/pytest -m cluster tests/test_cluster.py

tests/cluster/setup_slurm.sh makes a single-node cluster with accounting on this machine
(as root, Debian or Ubuntu). The two tests take about 8 and 5 minutes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

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
