"""Opt-in: the tiny study (tests/cluster/tiny.yaml) through profiles/slurm on a real Slurm
cluster, every job COMPLETED in sacct and every CSV equal to a local run's.

Runs only where `sbatch` exists and DESCRIPTOR_STUDY_CLUSTER=1 is set (docs/cluster.md):

    DESCRIPTOR_STUDY_CLUSTER=1 .venv/bin/pytest -m cluster tests/test_cluster.py

tests/cluster/setup_slurm.sh makes a single-node cluster with accounting on this machine
(as root, Debian or Ubuntu). The run takes several minutes.
"""

from __future__ import annotations

import os
import shutil
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


def test_tiny_study_through_the_slurm_profile(repo_root: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    venv = Path(sys.executable).parent.parent
    if (venv / "bin" / "snakemake").is_file():
        env.setdefault("VENV", str(venv))
    res = subprocess.run(
        ["bash", str(repo_root / "tests/cluster/run_workflow.sh"), str(tmp_path / "run")],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-6000:]
    assert "every job COMPLETED; every CSV equals the local run's" in res.stdout, out[-6000:]
    assert " COMPLETED" in res.stdout and "FAILED" not in res.stdout
