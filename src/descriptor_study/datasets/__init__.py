"""Datasets: read and check extxyz, fetch pinned sources, generate the demo sets.

``build_dataset`` is what the workflow's ``dataset`` rule calls: whatever the source
(pinned remote, local file or generator), it ends as one checked extxyz file whose
structures carry their energy under the one key ``energy``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from ..checksums import git_blob_sha1
from .generate import GENERATORS, alnicu_demo, si_demo
from .io import check_species, dataset_species, read_structures, write_structures
from .remote import PINNED_SOURCES, fetch_dataset, verify

__all__ = [
    "GENERATORS",
    "PINNED_SOURCES",
    "alnicu_demo",
    "build_dataset",
    "check_species",
    "dataset_species",
    "fetch_dataset",
    "git_blob_sha1",
    "read_structures",
    "si_demo",
    "verify",
    "write_structures",
]

log = logging.getLogger(__name__)


def build_dataset(
    spec: dict[str, Any],
    dest: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    require_energy: bool = False,
) -> Path:
    """Make ``dest`` (extxyz, key ``energy``) from a config entry; check every structure.

    Structures without an energy are kept (the real AlNiCu set has energies for 1016 of
    its 3337 structures, and every structure counts for the representations) unless
    ``require_energy``: the workflow sets it for the datasets of ``regression.datasets``
    that take their energies from the dataset, so a missing energy stops the dataset step
    instead of the regression, after the representations ran.  A structure denser than
    matter can be (``io.MAX_DENSITY``) stops it too, unless ``spec["allow_dense"]``.
    """
    dest = Path(dest)
    name = spec.get("name", dest.stem)
    checks = {
        "require_energy": require_energy,
        "dataset": name,
        "needed_by": f"regression.datasets ({name})" if require_energy else None,
        "allow_dense": bool(spec.get("allow_dense", False)),
    }
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
        structures = read_structures(raw, energy_key=energy_key, **checks)
    else:
        from .remote import resolve_spec

        resolved = resolve_spec(spec)
        energy_key = spec.get("energy_key") or resolved.get("energy_key")
        from ..atomic import scratch_dir

        with scratch_dir(dest) as work:  # named like our temporary files: a later job removes a killed one's
            raw = Path(work) / f"{name}.extxyz"
            fetch_dataset(spec, raw, mirror=mirror, cache_dir=cache_dir)
            label = f"datasets.{name} ({resolved['url'].rsplit('/', 1)[-1]})"  # not the temporary path
            structures = read_structures(raw, energy_key=energy_key, label=label, **checks)
        raw = Path(spec.get("source", name))
    if spec.get("species"):
        check_species(structures, spec["species"], raw)
    missing = sum("energy" not in a.info for a in structures)
    log.info(
        "%s: %d structures, %d atoms, %d without energy",
        name,
        len(structures),
        sum(len(a) for a in structures),
        missing,
    )
    write_structures(dest, structures)
    return dest
