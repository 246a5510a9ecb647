"""The regression's targets: cohesive energies E − Σ_atoms E0[species], with E0 from the
dataset's isolated atoms, the config or a targets file's energies."""

from __future__ import annotations

import numpy as np

from ..datasets import dataset_species
from ..errors import ConfigError, DatasetError


def isolated_atom_energies(structures) -> dict[str, float]:
    """E0 per element from single-atom, non-periodic structures."""
    e0 = {}
    for atoms in structures:
        if len(atoms) == 1 and not np.any(atoms.pbc) and "energy" in atoms.info:
            e0.setdefault(atoms.get_chemical_symbols()[0], float(atoms.info["energy"]))
    return e0


def cohesive_targets(
    structures, e0: dict[str, float], source: str = "<dataset>", e0_key: str = "datasets.<name>.e0"
) -> np.ndarray:
    """t = E − Σ_el N_el·E0_el for every structure (all must carry an energy); ``e0_key``
    names the config key to set when an element has no E0."""
    out = []
    for k, atoms in enumerate(structures):
        if "energy" not in atoms.info:
            raise DatasetError(f"{source}: structure {k} has no energy, which the regression needs")
        symbols = atoms.get_chemical_symbols()
        missing = sorted(set(symbols) - set(e0))
        if missing:
            raise DatasetError(
                f"{source}: no isolated-atom energy E0 for {missing}; add single-atom structures or "
                f"set {e0_key} in the config"
            )
        out.append(float(atoms.info["energy"]) - sum(e0[s] for s in symbols))
    return np.asarray(out)


def targets_from_file(energies, structures, e0: dict[str, float] | None, dataset: str) -> np.ndarray:
    """Cohesive energies E − Σ_atoms E0[species] for the energies of a targets file and the
    dataset's structures they belong to (same order); E0 from config ``datasets.<dataset>.e0``.
    A species without an E0 ends in one ConfigError naming that key and the species."""
    e0 = dict(e0 or {})
    present = dataset_species(structures)
    missing = [s for s in present if s not in e0]
    if missing:
        raise ConfigError(
            f"datasets.{dataset}.e0: no isolated-atom energy for {', '.join(missing)} "
            f"(the targets-file route needs E0 of every species: {', '.join(present)})"
        )
    reference = np.array([sum(e0[s] for s in atoms.get_chemical_symbols()) for atoms in structures], dtype=float)
    return np.asarray(energies, dtype=float) - reference
