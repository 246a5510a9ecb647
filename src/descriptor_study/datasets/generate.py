"""Embedded demo datasets, generated without network, seeded and deterministic.

They exercise every stage of the workflow on a laptop in minutes. Energies come from
classical potentials, so they are demo data, not the paper's:

- ``si_demo``: diamond Si (strained, rattled), a vacancy, β-Sn, a (100) slab, liquid
  frames from a short Langevin run, and the isolated atom (E0); Stillinger–Weber energies
  through quippy's ``IP SW`` with the published parameters.
- ``alnicu_demo``: random fcc/bcc Al–Ni–Cu cells, strained and rattled, plus the three
  isolated atoms; ASE's EMT energies.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

#: Stillinger & Weber, Phys. Rev. B 31, 5262 (1985), in QUIP's XML form
SW_PARAMS = """<SW_params n_types="1" label="PRB_31_plus_H">
<comment> Stillinger and Weber, Phys. Rev. B 31 p 5262 (1985) </comment>
<per_type_data type="1" atomic_num="14" />
<per_pair_data atnum_i="14" atnum_j="14" AA="7.049556277" BB="0.6022245584"
      p="4" q="0" a="1.80" sigma="2.0951" eps="2.1683" />
<per_triplet_data atnum_c="14" atnum_j="14" atnum_k="14"
      lambda="21.0" gamma="1.20" eps="2.1683" />
</SW_params>"""

#: diamond Si lattice constant of the SW potential (Å)
SW_A0 = 5.431


def stillinger_weber():
    """quippy's Stillinger–Weber calculator for Si."""
    from quippy.potential import Potential

    return Potential("IP SW", param_str=SW_PARAMS)


def _strain(atoms: Atoms, rng: np.random.Generator, amplitude: float) -> Atoms:
    eps = rng.uniform(-amplitude, amplitude, size=(3, 3))
    eps = 0.5 * (eps + eps.T)
    atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
    return atoms


def _rattle(atoms: Atoms, rng: np.random.Generator, sigma: float) -> Atoms:
    atoms.positions += rng.normal(scale=sigma, size=atoms.positions.shape)
    return atoms


def _labelled(atoms: Atoms, config_type: str, calc) -> Atoms:
    atoms.calc = calc
    energy = float(atoms.get_potential_energy())
    out = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
    out.info["energy"] = energy
    out.info["config_type"] = config_type
    return out


def _beta_sn(a: float = 4.686, c: float = 2.585) -> Atoms:
    frac = np.array([[0, 0, 0], [0, 0.5, 0.25], [0.5, 0.5, 0.5], [0.5, 0, 0.75]])
    return Atoms("Si4", scaled_positions=frac, cell=[a, a, c], pbc=True).repeat((1, 1, 2))


def _isolated(symbol: str) -> Atoms:
    return Atoms(symbol, positions=[[10.0, 10.0, 10.0]], cell=[20.0, 20.0, 20.0], pbc=False)


def si_demo(seed: int, n_structures: int = 300) -> list[Atoms]:
    """Stillinger–Weber Si demo set of ``n_structures`` structures (isolated atom included)."""
    from ase import units
    from ase.build import bulk, diamond100
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

    rng = np.random.default_rng(seed)
    sw = stillinger_weber()
    n_rest = n_structures - 1
    counts = {
        "vacancy": max(1, n_rest // 15),
        "beta_sn": max(1, n_rest // 10),
        "surface": max(1, n_rest // 12),
        "liquid": max(1, n_rest // 5),
    }
    counts["diamond"] = n_rest - sum(counts.values())
    out = [_labelled(_isolated("Si"), "isolated_atom", sw)]
    for _ in range(counts["diamond"]):
        atoms = bulk("Si", "diamond", a=SW_A0, cubic=True)
        if rng.random() < 0.2:
            atoms = atoms.repeat((2, 1, 1))
        _rattle(_strain(atoms, rng, 0.04), rng, rng.uniform(0.01, 0.15))
        out.append(_labelled(atoms, "diamond", sw))
    for _ in range(counts["vacancy"]):
        atoms = bulk("Si", "diamond", a=SW_A0, cubic=True).repeat((2, 1, 1))
        del atoms[int(rng.integers(len(atoms)))]
        _rattle(_strain(atoms, rng, 0.02), rng, rng.uniform(0.01, 0.1))
        out.append(_labelled(atoms, "vacancy", sw))
    for _ in range(counts["beta_sn"]):
        atoms = _rattle(_strain(_beta_sn(), rng, 0.04), rng, rng.uniform(0.01, 0.1))
        out.append(_labelled(atoms, "beta_sn", sw))
    for _ in range(counts["surface"]):
        atoms = diamond100("Si", size=(2, 2, 6), a=SW_A0, vacuum=6.0)
        _rattle(atoms, rng, rng.uniform(0.01, 0.1))
        out.append(_labelled(atoms, "surface_100", sw))
    # liquid frames: a 64-atom cell melted with a short Langevin run
    liquid = bulk("Si", "diamond", a=SW_A0 * 0.98, cubic=True).repeat((2, 2, 2))
    liquid.calc = sw
    MaxwellBoltzmannDistribution(liquid, temperature_K=4000, rng=np.random.RandomState(seed))
    dyn = Langevin(
        liquid, 2.0 * units.fs, temperature_K=3500, friction=0.02, fixcm=False, rng=np.random.RandomState(seed + 1)
    )
    dyn.run(300)
    for _ in range(counts["liquid"]):
        dyn.run(20)
        frame = Atoms(numbers=liquid.numbers, positions=liquid.positions, cell=liquid.cell, pbc=True)
        out.append(_labelled(frame, "liquid", sw))
    return out


#: fcc lattice constants (Å) of the elements, for a Vegard-like mixed lattice constant
_FCC_A = {"Al": 4.05, "Ni": 3.52, "Cu": 3.61}


def alnicu_demo(seed: int, n_structures: int = 200) -> list[Atoms]:
    """EMT Al–Ni–Cu demo set of ``n_structures`` structures (three isolated atoms included)."""
    from ase.build import bulk
    from ase.calculators.emt import EMT

    rng = np.random.default_rng(seed)
    emt = EMT()
    elements = list(_FCC_A)
    out = [_labelled(_isolated(s), "isolated_atom", emt) for s in elements]
    for _ in range(n_structures - len(out)):
        lattice = "fcc" if rng.random() < 0.6 else "bcc"
        n_species = int(rng.integers(1, 4))
        reps = tuple(int(r) for r in rng.integers(1, 3, size=3))
        base = bulk("Cu", lattice, a=1.0, cubic=True).repeat(reps)
        n_species = min(n_species, len(base))
        present = [str(s) for s in rng.choice(elements, size=n_species, replace=False)]
        symbols = [str(s) for s in rng.choice(present, size=len(base))]
        symbols[: len(present)] = present
        a_fcc = float(np.mean([_FCC_A[s] for s in symbols]))
        a = a_fcc if lattice == "fcc" else a_fcc / 2 ** (1 / 3)
        atoms = Atoms(symbols=symbols, scaled_positions=base.get_scaled_positions(), cell=base.cell.array * a, pbc=True)
        _rattle(_strain(atoms, rng, 0.03), rng, rng.uniform(0.02, 0.12))
        out.append(_labelled(atoms, f"{lattice}_{''.join(sorted(set(symbols)))}", emt))
    return out


GENERATORS = {"si_demo": si_demo, "alnicu_demo": alnicu_demo}
#: the elements each generator's structures hold, every one also as an isolated atom (so
#: the config check knows them before any job: the regression's E0 of every species)
SPECIES: dict[str, tuple[str, ...]] = {"si_demo": ("Si",), "alnicu_demo": tuple(_FCC_A)}
