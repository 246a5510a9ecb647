"""Datasets: read and check extxyz, fetch pinned sources, generate the demo sets.

``build_dataset`` is what the workflow's ``dataset`` rule calls: whatever the source
(pinned remote, local file or generator), it ends as one checked extxyz file whose
structures carry their energy under the one key ``energy``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from .generate import GENERATORS, alnicu_demo, si_demo
from .io import check_species, dataset_species, read_structures, write_structures
from .remote import PINNED_SOURCES, fetch_dataset, git_blob_sha1, verify

__all__ = [
    "GENERATORS", "PINNED_SOURCES", "alnicu_demo", "build_dataset", "check_species", "dataset_species",
    "fetch_dataset", "git_blob_sha1", "read_structures", "si_demo", "verify", "write_structures",
]

log = logging.getLogger(__name__)


def build_dataset(
    spec: dict[str, Any],
    dest: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Make ``dest`` (extxyz, key ``energy``) from a config entry; check every structure.

    Structures without an energy are kept (the real AlNiCu set has energies for 1016 of
    its 3337 structures, and every structure counts for the representations); a stage
    that needs energies reads with ``require_energy=True`` and stops at the first one
    missing.
    """
    dest = Path(dest)
    name = spec.get("name", dest.stem)
    if "generator" in spec:
        generator = GENERATORS[spec["generator"]]
        kwargs = {k: spec[k] for k in ("seed", "n_structures") if k in spec}
        structures = generator(**kwargs)
        log.info("generated %s: %d structures", name, len(structures))
        if spec.get("species"):
            check_species(structures, spec["species"], f"generated dataset {name}")
        write_structures(dest, structures)
        return dest
    if "file" in spec:
        raw, energy_key = Path(spec["file"]), spec.get("energy_key")
        structures = read_structures(raw, energy_key=energy_key, require_energy=False)
    else:
        from .remote import resolve_spec

        resolved = resolve_spec(spec)
        energy_key = spec.get("energy_key") or resolved.get("energy_key")
        with tempfile.TemporaryDirectory(dir=dest.parent if dest.parent.exists() else None) as work:
            raw = Path(work) / f"{name}.extxyz"
            fetch_dataset(spec, raw, mirror=mirror, cache_dir=cache_dir)
            structures = read_structures(raw, energy_key=energy_key, require_energy=False)
        raw = Path(spec.get("source", name))
    if spec.get("species"):
        check_species(structures, spec["species"], raw)
    missing = sum("energy" not in a.info for a in structures)
    log.info("%s: %d structures, %d atoms, %d without energy", name, len(structures),
             sum(len(a) for a in structures), missing)
    write_structures(dest, structures)
    return dest
