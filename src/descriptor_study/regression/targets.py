"""The regression's targets: cohesive energies E − Σ_atoms E0[species], with E0 from the
dataset's isolated atoms, the config or a targets file's energies."""

from __future__ import annotations

import numpy as np

from ..errors import DatasetError


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
