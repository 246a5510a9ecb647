"""Reading and writing extxyz datasets, checking every structure on the way in.

Every structure returned by ``read_structures`` has its energy (eV) in
``atoms.info["energy"]`` and no calculator; a problem ends with one ``DatasetError``
naming the file and the 0-based structure index.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols
from ase.neighborlist import neighbor_list

from ..errors import DatasetError, SpeciesError

log = logging.getLogger(__name__)

#: two atoms closer than this (Å) overlap: an error (a broken or duplicated structure).
#: Not larger: the published AlNiCu set holds about 2300 structures whose positions look
#: like fractional coordinates written as Cartesian (closest pairs 0.077 Å apart); the
#: paper's Table I counts include them, so they are kept, with a warning.
MIN_DISTANCE = 0.05
#: a structure with atoms closer than this (Å) is reported in the log as suspicious
SUSPICIOUS_DISTANCE = 0.5

_ENERGY_KEYS = ("energy", "Energy", "total_energy", "free_energy", "dft_energy", "nomad_total_energy")


def read_structures(
    path: str | os.PathLike,
    energy_key: str | None = None,
    require_energy: bool = True,
) -> list[Atoms]:
    """Read every structure of an extxyz file and check it.

    ``energy_key`` names the ``info`` key holding the energy; by default ``energy`` or
    the calculator's energy (what ASE makes of an ``energy=`` comment field), then the
    other usual keys.
    """
    from ase.io import read

    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        structures = read(path, index=":", format="extxyz")
    except Exception as exc:  # ASE raises many types for broken text
        raise DatasetError(f"{path}: not a readable extxyz file ({type(exc).__name__}: {exc})") from None
    if not structures:
        raise DatasetError(f"{path}: holds no structure")
    out = []
    suspicious = []
    for index, atoms in enumerate(structures):
        out.append(_check(atoms, index, path, energy_key, require_energy))
        if len(atoms) > 1 and len(neighbor_list("i", out[-1], SUSPICIOUS_DISTANCE)):
            suspicious.append(index)
    if suspicious:
        log.warning(
            "%s: %d structures have atoms closer than %.2f Å (first: structure %d); kept as they are",
            path, len(suspicious), SUSPICIOUS_DISTANCE, suspicious[0],
        )
    return out


def _energy_of(atoms: Atoms, energy_key: str | None) -> float | None:
    if energy_key is not None:
        if energy_key in atoms.info:
            return atoms.info[energy_key]
        if energy_key == "energy" and atoms.calc is not None:
            return atoms.calc.results.get("energy")
        return None
    if "energy" in atoms.info:
        return atoms.info["energy"]
    if atoms.calc is not None and "energy" in atoms.calc.results:
        return atoms.calc.results["energy"]
    for key in _ENERGY_KEYS:
        if key in atoms.info:
            return atoms.info[key]
    return None


def _check(atoms: Atoms, index: int, path: Path, energy_key: str | None, require_energy: bool) -> Atoms:
    where = f"{path}: structure {index}"
    if len(atoms) == 0:
        raise DatasetError(f"{where}: has no atoms")
    energy = _energy_of(atoms, energy_key)
    if energy is None and require_energy:
        key = energy_key or "energy"
        raise DatasetError(f"{where}: has no energy (looked for info key {key!r} and a calculator energy)")
    if energy is not None:
        try:
            energy = float(energy)
        except (TypeError, ValueError):
            raise DatasetError(f"{where}: energy {energy!r} is not a number") from None
        if not math.isfinite(energy):
            raise DatasetError(f"{where}: energy is {energy}")
    positions = atoms.get_positions()
    if not np.all(np.isfinite(positions)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(positions), axis=1))[0])
        raise DatasetError(f"{where}: atom {bad} has a non-finite position {positions[bad].tolist()}")
    if np.all(atoms.pbc) and abs(atoms.cell.volume) < 1e-8:
        raise DatasetError(f"{where}: periodic but its cell has zero volume")
    if len(atoms) > 1:
        i, j, d = neighbor_list("ijd", atoms, MIN_DISTANCE, self_interaction=False)
        if len(d):
            raise DatasetError(
                f"{where}: atoms {int(i[0])} and {int(j[0])} overlap ({float(d[0]):.3g} Å apart, "
                f"less than {MIN_DISTANCE} Å)"
            )
    clean = Atoms(
        numbers=atoms.numbers,
        positions=positions,
        cell=atoms.cell,
        pbc=atoms.pbc,
    )
    clean.info = {k: v for k, v in atoms.info.items() if k != energy_key and k not in _ENERGY_KEYS}
    if energy is not None:
        clean.info["energy"] = energy
    return clean


def check_species(structures: Iterable[Atoms], species: Sequence[str], path: str | os.PathLike) -> None:
    """Raise ``SpeciesError`` naming the first structure with an element outside ``species``."""
    allowed = set(species)
    for index, atoms in enumerate(structures):
        extra = sorted(set(atoms.get_chemical_symbols()) - allowed)
        if extra:
            raise SpeciesError(
                f"{path}: structure {index} contains {extra}, not in the species list {sorted(allowed)}"
            )


def dataset_species(structures: Iterable[Atoms]) -> list[str]:
    """Elements present, sorted by atomic number."""
    numbers = sorted({int(z) for atoms in structures for z in atoms.numbers})
    return [chemical_symbols[z] for z in numbers]


def write_structures(path: str | os.PathLike, structures: Sequence[Atoms]) -> None:
    """Write extxyz atomically, the energy under the one key ``energy``."""
    from ase.io import write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    out = []
    for atoms in structures:
        a = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        a.info = dict(atoms.info)
        out.append(a)
    try:
        write(tmp, out, format="extxyz")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
