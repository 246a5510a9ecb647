"""Stages of ``workflow/rules/datasets.smk``: one dataset, fetched or generated and
checked (rule ``dataset``), and a pinned single file (rule ``pinned_file``)."""

from __future__ import annotations

from pathlib import Path

from ..datasets import build_dataset
from ..datasets.remote import fetch_pinned_file
from ..jobs import DatasetJob, PinnedFileJob


def make_dataset(job: DatasetJob) -> None:
    """Rule ``dataset``: the dataset of config entry ``job.spec`` (with its ``name``) to
    ``job.out``, checked (:func:`.datasets.build_dataset`)."""
    build_dataset(
        job.spec, Path(job.out), mirror=job.mirror, cache_dir=Path(job.cache), require_energy=bool(job.require_energy)
    )


def pinned_file(job: PinnedFileJob) -> None:
    """Rule ``pinned_file``: the pinned file ``<group>/<name>.txt``, from the mirror, checked."""
    fetch_pinned_file(f"{job.group}/{job.name}.txt", job.out, job.mirror)
