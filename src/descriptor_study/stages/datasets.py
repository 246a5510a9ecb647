"""Stages of ``workflow/rules/datasets.smk``: one dataset, fetched or generated and
checked (rule ``dataset``), and a pinned single file (rule ``pinned_file``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..datasets import build_dataset
from ..datasets.remote import fetch_pinned_file


def make_dataset(
    spec: dict[str, Any], out: str | Path, mirror=None, cache: str | Path = "data/cache", require_energy: bool = False
) -> None:
    """Rule ``dataset``: the dataset of config entry ``spec`` (with its ``name``) to ``out``,
    checked (:func:`.datasets.build_dataset`)."""
    build_dataset(spec, Path(out), mirror=mirror, cache_dir=Path(cache), require_energy=bool(require_energy))


def pinned_file(group: str, name: str, out: str | Path, mirror=None) -> None:
    """Rule ``pinned_file``: the pinned file ``<group>/<name>.txt``, from the mirror, checked."""
    fetch_pinned_file(f"{group}/{name}.txt", out, mirror)
