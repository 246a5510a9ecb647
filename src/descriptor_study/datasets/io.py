"""Reading and writing extxyz datasets, checking every structure on the way in.

Every structure returned by ``read_structures`` has its energy (eV) in
``atoms.info["energy"]`` and no calculator; a problem ends with one ``DatasetError``
naming the file, the 0-based structure index (and the frame's ``source_file`` where it
has one) and the fix where there is an obvious one.  Checked: text that the extxyz
reader can read (else the line where it breaks), at least one atom, no dummy atoms
(``X``, atomic number 0), finite positions and energy, a cell with a non-zero vector along
every direction of a periodic structure, an ``energy_key`` that some structure of the
file has, a number density that matter can have (``MAX_DENSITY``) and no overlapping
atoms.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from ..errors import DatasetError, SpeciesError

log = logging.getLogger(__name__)

#: two atoms closer than this (Å) overlap: an error (a broken or duplicated structure).
#: Not larger: the published AlNiCu set holds about 2300 structures whose positions look
#: like fractional coordinates written as Cartesian (closest pairs 0.077 Å apart); the
#: paper's Table I counts include them, so they are kept, with a warning.
MIN_DISTANCE = 0.05
#: a structure with atoms closer than this (Å) is reported in the log as suspicious
SUSPICIOUS_DISTANCE = 0.5
#: atoms of one structure further apart than this (Å) along any axis: not a structure
#: (wrong units or a broken coordinate); the representations' neighbour searches would
#: bin that extent and run out of memory or crash
MAX_EXTENT = 1000.0
#: diamond's number density (atoms/Å³): 8 atoms in a cube of 3.567 Å, the densest
#: elemental solid at ambient pressure (beryllium 0.124, boron 0.137, osmium 0.072)
DIAMOND_DENSITY = 8 / 3.567**3
#: a structure denser than this (atoms/Å³) is not matter: 5.7 times diamond, above even
#: hydrogen compressed to about 500 GPa (roughly 0.8 atoms/Å³), so a wrong cell or wrong
#: units (a cell in nm read as Å).  Its atoms would see thousands of neighbours within a
#: 6.5 Å cutoff, and the representation job would run for hours; the dataset step stops
#: unless the config allows it (``datasets.<name>.allow_dense``).
MAX_DENSITY = 1.0
#: along a non-periodic direction a structure's volume is the atoms' extent plus this much
#: (Å) on each side (about a covalent radius), so a molecule or an isolated atom has one
DENSITY_MARGIN = 1.0

_ENERGY_KEYS = ("energy", "Energy", "total_energy", "free_energy", "dft_energy", "nomad_total_energy")


def read_structures(
    path: str | os.PathLike,
    energy_key: str | None = None,
    require_energy: bool = True,
    *,
    dataset: str | None = None,
    needed_by: str | None = None,
    label: str | None = None,
    warn_close_atoms: bool = True,
    allow_dense: bool = False,
) -> list[Atoms]:
    """Read every structure of an extxyz file and check it.

    ``energy_key`` names the ``info`` key (or calculator result) holding the energy; by
    default ``energy`` or the calculator's energy (what ASE makes of an ``energy=``
    comment field), then the other usual keys.  A key that no structure of the file has
    is an error (a misspelt key would otherwise drop every energy).  ``dataset`` names
    the config entry in messages (``datasets.<dataset>.energy_key``), ``needed_by`` what
    needs the energies when ``require_energy`` is set, ``label`` the file in messages
    (default ``path``).

    A source file is scanned for what only makes it suspicious or slow: atoms closer than
    ``SUSPICIOUS_DISTANCE`` (a warning naming the structures with the closest pairs) and
    structures denser than ``MAX_DENSITY`` (an error naming the densest, unless
    ``allow_dense``: config ``datasets.<dataset>.allow_dense``); atoms closer than
    ``MIN_DISTANCE`` are an error.  ``warn_close_atoms=False`` skips all three scans: the
    workflow's jobs read the dataset file its dataset step wrote, which that step scanned
    (with the dataset's ``allow_dense``).  The distance scan is most of a read's time (a
    neighbour list per structure: on TiO2's 7815 structures several times ASE's parse).
    """
    from ase.io import read

    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    _check_atom_counts(path)
    try:
        structures = read(path, index=":", format="extxyz")
    except Exception as exc:  # ASE raises many types for broken text
        raise DatasetError(f"{path}: not a readable extxyz file: {_where_unreadable(path, exc)}") from None
    if not structures:
        raise DatasetError(f"{path}: holds no structure")
    shown = label or path
    key_name = f"datasets.{dataset}.energy_key" if dataset else "energy_key"
    if energy_key is not None and not any(_energy_of(a, energy_key) is not None for a in structures):
        raise DatasetError(
            f"{shown}: no structure has the energy key {energy_key!r} ({key_name}); energy-like keys "
            f"in the file: {_energy_like_keys(structures)}"
        )
    out = [_check(a, k, shown, energy_key, require_energy, key_name, needed_by) for k, a in enumerate(structures)]
    if warn_close_atoms:  # the density before any neighbour list: a structure this dense makes those slow too
        _check_density(out, shown, f"datasets.{dataset}.allow_dense" if dataset else "allow_dense", allow_dense)
        _check_distances(out, shown)
    return out


def _check_distances(structures: Sequence[Atoms], shown) -> None:
    """Stop on atoms closer than ``MIN_DISTANCE``; warn once on structures with atoms closer
    than ``SUSPICIOUS_DISTANCE``, naming the closest."""
    close = []  # (closest distance, structure) below SUSPICIOUS_DISTANCE
    for index, atoms in enumerate(structures):
        pair = _closest_pair(atoms, SUSPICIOUS_DISTANCE)
        if pair is None:
            continue
        distance, i, j = pair
        if distance < MIN_DISTANCE:
            raise DatasetError(
                f"{_frame(atoms, index, shown)}: atoms {i} and {j} overlap ({distance:.3g} Å apart, less than "
                f"{MIN_DISTANCE} Å)"
            )
        close.append((distance, index))
    if close:
        close.sort()
        then = ", ".join(f"{k} ({d:.3g} Å)" for d, k in close[1:4]) + (", ..." if len(close) > 4 else "")
        log.warning(
            "%s: %d structures have atoms closer than %.2f Å (closest: structure %d, %.3g Å%s); kept as they are",
            shown,
            len(close),
            SUSPICIOUS_DISTANCE,
            close[0][1],
            close[0][0],
            f"; then {then}" if then else "",
        )


def number_density(atoms: Atoms) -> tuple[float, float, str]:
    """(atoms/Å³, volume in Å³, what the volume is) of a structure, without a neighbour list.

    A periodic structure's volume is its cell's.  Along a non-periodic direction it is the
    atoms' extent plus ``DENSITY_MARGIN`` on each side: a cluster or molecule gets the
    volume of its bounding box so widened, a slab its cell area times its widened
    thickness, a wire its period times its widened cross-section (the cell's vacuum does
    not count).
    """
    pbc = np.asarray(atoms.pbc, dtype=bool)
    cell = np.asarray(atoms.cell[:], dtype=float)
    if pbc.all():
        volume = abs(float(np.linalg.det(cell)))
        return len(atoms) / volume, volume, "its periodic cell"
    periodic = cell[pbc]
    if len(periodic):
        free = np.linalg.svd(periodic)[2][len(periodic) :]  # unit vectors across the periodic ones
        measure = float(np.sqrt(np.linalg.det(periodic @ periodic.T)))  # period (1 vector) or area (2)
        what = "its period" if len(periodic) == 1 else "its cell area"
        what += f" times its extent across, {DENSITY_MARGIN:g} Å added a side"
    else:
        free, measure = np.eye(3), 1.0
        what = f"its atoms' bounding box, {DENSITY_MARGIN:g} Å added a side"
    widths = np.ptp(atoms.positions @ free.T, axis=0) + 2 * DENSITY_MARGIN
    volume = measure * float(np.prod(widths))
    return len(atoms) / volume, volume, what


def _check_density(structures: Sequence[Atoms], shown, key: str, allow: bool) -> None:
    """Stop on structures denser than ``MAX_DENSITY`` naming the densest first (a warning
    with ``allow``)."""
    densities = [number_density(a)[0] for a in structures]
    dense = sorted(((rho, k) for k, rho in enumerate(densities) if rho > MAX_DENSITY), key=lambda t: (-t[0], t[1]))
    if not dense:
        return
    rho, k = dense[0]
    more = ", ".join(f"{j} ({r:.3g})" for r, j in dense[1:4]) + (", ..." if len(dense) > 4 else "")
    more = f"; {len(dense) - 1} more structures above it: {more}" if more else ""
    if allow:
        log.warning(
            "%s: %d structures denser than %g atoms/Å³ (densest: structure %d, %.3g atoms/Å³); kept (%s)",
            shown,
            len(dense),
            MAX_DENSITY,
            k,
            rho,
            key,
        )
        return
    _, volume, what = number_density(structures[k])
    raise DatasetError(
        f"{_frame(structures[k], k, shown)}: {len(structures[k])} atoms in {volume:.4g} Å³ ({what}) is "
        f"{rho:.3g} atoms/Å³, denser than any matter (above {MAX_DENSITY:g} atom/Å³, "
        f"{MAX_DENSITY / DIAMOND_DENSITY:.1f} times diamond, the densest elemental solid){more}; the "
        f"representations would search thousands of "
        f"neighbours per atom for hours. Check the cell (Lattice) and the units of the positions, or set "
        f"{key}: true to keep such structures"
    )


def _closest_pair(atoms: Atoms, cutoff: float) -> tuple[float, int, int] | None:
    """(distance, i, j) of the closest pair of atoms closer than ``cutoff`` (periodic images
    included), or None."""
    if len(atoms) < 2:
        return None
    i, j, d, _ = _neighbor_list()(atoms, cutoff)
    if not len(d):
        return None
    k = int(np.argmin(d))
    return float(d[k]), int(i[k]), int(j[k])


def _neighbor_list():
    """ASE's neighbour list (as the representations compute it, ``ase_neighbor_list``),
    imported when a structure is checked."""
    from ..representations.neighbours import ase_neighbor_list

    return ase_neighbor_list


def _energy_of(atoms: Atoms, energy_key: str | None) -> float | None:
    if energy_key is not None:
        if energy_key in atoms.info:
            return atoms.info[energy_key]
        if atoms.calc is not None:
            return atoms.calc.results.get(energy_key)
        return None
    if "energy" in atoms.info:
        return atoms.info["energy"]
    if atoms.calc is not None and "energy" in atoms.calc.results:
        return atoms.calc.results["energy"]
    for key in _ENERGY_KEYS:
        if key in atoms.info:
            return atoms.info[key]
    return None


def _energy_like_keys(structures: Sequence[Atoms]) -> str:
    """The keys of the file's frames that look like an energy: info keys and calculator
    results whose name holds "energ" (or, when none does, every numeric info key)."""
    info: set[str] = set()
    calc: set[str] = set()
    numeric: set[str] = set()
    for atoms in structures:
        for key, value in atoms.info.items():
            if "energ" in key.lower():
                info.add(key)
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                numeric.add(key)
        if atoms.calc is not None:
            calc.update(k for k in atoms.calc.results if "energ" in k.lower())
    parts = []
    if info or calc:
        if info:
            parts.append("info " + ", ".join(sorted(info)))
        if calc:
            parts.append("calculator results " + ", ".join(sorted(calc)))
        return "; ".join(parts)
    return "none (numeric info keys: " + (", ".join(sorted(numeric)) or "none") + ")"


def _check_atom_counts(path: Path) -> None:
    """Every frame's first line is an atom count that the lines after it can hold.

    Checked before ASE reads the file: a broken count line (say ``99999999999``) would
    otherwise make the reader loop over that many missing lines.  Where a structure is
    short (the file ends inside it, or the next structure's count line comes where an atom
    line should), the message names the line where it breaks (``_short_frame``).  Only
    stops a run (or warns): it changes nothing that is read.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    k, frame, start = 0, 0, 0
    while k < len(lines):
        text = lines[k].strip()
        try:
            n = int(text)
        except ValueError:
            shown = text[:40].decode("utf-8", "replace")
            found = f"line {k + 1}: expected the atom count of structure {frame}, found {shown!r}"
            short = _short_frame(lines, start, frame - 1) if frame else None
            raise DatasetError(f"{path}: {short} ({found})" if short else f"{path}: {found}") from None
        if n < 0 or k + 1 + n >= len(lines):
            found = (
                f"line {k + 1}: structure {frame} announces {n} atoms but only "
                f"{max(len(lines) - k - 2, 0)} lines follow its comment line"
            )
            short = _short_frame(lines, k, frame) if n >= 0 else None
            if short is not None:
                found = f"{short} ({found})"
            elif n >= 0:
                found += (
                    f": the file ends at line {len(lines)}, inside structure {frame} (a cut file, or a wrong count)"
                )
            raise DatasetError(f"{path}: {found}")
        start = k
        k += n + 2
        frame += 1
    if lines and not data.rstrip(b" \t\r").endswith(b"\n") and len(lines) - 1 > start + 1:
        # every extxyz writer ends its lines; a copy cut inside the last number still reads
        log.warning(
            "%s: the file does not end with a line break: its last line (line %d, structure %d, atom %d) may "
            "be cut short",
            path,
            len(lines),
            frame - 1,
            len(lines) - start - 3,
        )


def _short_frame(lines: list[bytes], start: int, frame: int) -> str | None:
    """Where structure ``frame`` (its count on 0-based line ``start`` of ``lines``) is short:
    its first atom line with fewer columns than its ``Properties`` need (the file was cut
    inside that line), or a line holding a lone integer where an atom line should be (the
    next structure's count line); with whether the file ends there.  None if its atom lines
    look whole.  Only builds the message of a run that stops."""
    import re  # here, not at the top: this module's imports are result-defining

    try:
        from ase.io.extxyz import key_val_str_to_dict

        n = int(lines[start].strip())
        comment = lines[start + 1].decode("utf-8", "replace").strip() if start + 1 < len(lines) else ""
        spec = (key_val_str_to_dict(comment) if comment else {}).get("Properties", "species:S:1:pos:R:3")
        needed = sum(int(c) for c in str(spec).split(":")[2::3])
    except Exception:  # a broken comment line: ASE's reader names it
        return None
    count_like = lambda k: k < len(lines) and re.fullmatch(rb"\s*\d+\s*", lines[k]) is not None  # noqa: E731
    for number in range(start + 2, min(start + 2 + n, len(lines))):
        atom = number - start - 2
        at = f"line {number + 1} (structure {frame}, atom {atom})"
        short = f"structure {frame} (line {start + 1}) is short: {atom} whole atom lines of the {n} it announces"
        if count_like(number):
            return f"{at} looks like the atom count of the next structure, not an atom line: {short}"
        columns = len(lines[number].split())
        if columns < needed:
            if number == len(lines) - 1:
                then = "the file ends there: it was cut short (an interrupted copy or download?)"
            elif count_like(number + 1):
                then = f"line {number + 2} looks like the next structure's count line"
            else:
                then = "other text follows"
            return f"{at} is cut: it has {columns} columns, Properties={spec} needs {needed}; {then}; {short}"
    return None


#: what a value of each extxyz column type must be
_COLUMN_KINDS = {"R": "a real number", "I": "an integer", "L": "T or F", "S": "text"}


def _where_unreadable(path: Path, exc: Exception) -> str:
    """Where a file whose atom counts are sound (``_check_atom_counts``) stops ASE's
    extxyz reader: the line, its structure (and atom) and what is wrong there; failing
    that, the structure ASE stopped at, with its error."""
    try:
        found = _broken_line(path)
        if found is None:
            frame, starts = _frames_read(path), _frame_starts(path)
            where = f"structure {frame} (line {starts[frame] + 1})" if frame < len(starts) else "after the last frame"
            found = f"{where}: {type(exc).__name__}: {exc}"
        return found
    except Exception:  # never hide the reader's own error behind one of this search
        return f"{type(exc).__name__}: {exc}"


def _frame_starts(path: Path) -> list[int]:
    """The 0-based line of each frame's atom count (counts checked by ``_check_atom_counts``)."""
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    starts, k = [], 0
    while k < len(lines):
        starts.append(k)
        k += int(lines[k].strip()) + 2
    return starts


def _broken_line(path: Path) -> str | None:
    """The first line ASE's extxyz reader cannot take, and why, or None.

    Each frame's comment line is parsed as ASE parses it, and each atom line is held
    against the columns of the frame's ``Properties`` (ASE's default
    ``species:S:1:pos:R:3`` where it has none): too few columns (a file cut inside a
    line) or a value of the wrong type.
    """
    from ase.io.extxyz import key_val_str_to_dict, parse_properties

    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    last = len(lines) - 1 if lines[-1].strip() else None  # the file ends inside this line
    for frame, start in enumerate(_frame_starts(path)):
        comment = lines[start + 1].decode("utf-8", "replace").strip()
        at = f"line {start + 2} (the comment line of structure {frame})"
        try:
            info = key_val_str_to_dict(comment) if comment else {}
            spec = info.get("Properties", "species:S:1:pos:R:3")
            columns = [(name, kind) for name, kind, n in zip(*[iter(spec.split(":"))] * 3) for _ in range(int(n))]
            converters = parse_properties(spec)[3]
        except Exception as err:
            return f"{at}: {type(err).__name__}: {err}"
        for atom in range(int(lines[start].strip())):
            number = start + 2 + atom
            values = lines[number].decode("utf-8", "replace").split()
            at = f"line {number + 1} (structure {frame}, atom {atom})"
            if len(values) < len(columns):
                cut = (
                    "; the file ends inside this line, so it was cut short (an interrupted copy or download?)"
                    if number == last
                    else ""
                )
                return f"{at} has {len(values)} columns, Properties={spec} needs {len(columns)}{cut}"
            for c, ((name, kind), convert, value) in enumerate(zip(columns, converters, values)):
                try:
                    convert(value)
                except (TypeError, ValueError):
                    return f"{at}: column {c + 1} ({name}) is {value!r}, not {_COLUMN_KINDS.get(kind, kind)}"
    return None


def _frames_read(path: Path) -> int:
    """How many frames ASE's extxyz reader reads from ``path`` before it fails."""
    from ase.io import iread

    count = 0
    try:
        for _ in iread(path, index=":", format="extxyz"):
            count += 1
    except Exception:
        pass
    return count


def _frame(atoms: Atoms, index: int, path) -> str:
    """``<file>: structure <index>`` and the frame's ``source_file`` where it has one."""
    where = f"{path}: structure {index}"
    source = atoms.info.get("source_file")
    return f"{where} (source_file {source})" if source is not None else where


def _check(
    atoms: Atoms,
    index: int,
    path,
    energy_key: str | None,
    require_energy: bool,
    key_name: str = "energy_key",
    needed_by: str | None = None,
) -> Atoms:
    where = _frame(atoms, index, path)
    if len(atoms) == 0:
        raise DatasetError(f"{where}: has no atoms")
    if np.any(atoms.numbers == 0):
        bad = int(np.flatnonzero(atoms.numbers == 0)[0])
        raise DatasetError(
            f"{where}: atom {bad} is a dummy atom X (atomic number 0), which no representation can "
            f"describe; remove the dummy atoms or give them their element"
        )
    energy = _energy_of(atoms, energy_key)
    if energy is None and require_energy:
        key = energy_key or "energy"
        why = f", which {needed_by} needs" if needed_by else ""
        raise DatasetError(
            f"{where}: has no energy{why} (looked for info key {key!r} and a calculator energy; "
            f"set {key_name} if the energies are under another key, or remove the structure)"
        )
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
    extent = np.ptp(positions, axis=0)
    if np.any(extent > MAX_EXTENT):
        axis = int(np.argmax(extent))
        raise DatasetError(
            f"{where}: its atoms span {extent[axis]:.3g} Å along {'xyz'[axis]} (more than {MAX_EXTENT:g} Å): "
            f"not one structure; check the units and the positions"
        )
    cell = np.asarray(atoms.cell[:], dtype=float)
    if not np.all(np.isfinite(cell)):
        raise DatasetError(f"{where}: its cell (Lattice) has non-finite entries {cell.tolist()}")
    _check_cell(atoms, where)
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


def _check_cell(atoms: Atoms, where: str) -> None:
    """A structure periodic along any direction needs three non-zero, independent cell
    vectors (the representations build periodic images from the full cell)."""
    pbc = np.asarray(atoms.pbc, dtype=bool)
    if not pbc.any():
        return
    flags = " ".join("T" if p else "F" for p in pbc)
    lengths = np.linalg.norm(np.asarray(atoms.cell[:]), axis=1)
    zero = [k for k in range(3) if lengths[k] < 1e-8]
    if zero:
        k = zero[0]
        if pbc[k]:
            along, fix = "a periodic direction", f"give cell vector {k + 1} its period"
        else:
            along, fix = "a non-periodic direction", f"give cell vector {k + 1} a length (vacuum beyond the atoms)"
        raise DatasetError(
            f"{where}: pbc {flags} with a zero cell vector {k + 1} ({along}), which the representations "
            f"cannot use; {fix} or set pbc F F F"
        )
    if abs(atoms.cell.volume) < 1e-8:
        raise DatasetError(
            f"{where}: periodic (pbc {flags}) but its cell has zero volume (the cell vectors lie in a "
            f"plane); give three independent cell vectors or set pbc F F F"
        )


def check_species(structures: Iterable[Atoms], species: Sequence[str], path: str | os.PathLike) -> None:
    """Raise ``SpeciesError`` naming the first structure with an element outside ``species``."""
    allowed = set(species)
    for index, atoms in enumerate(structures):
        extra = sorted(set(atoms.get_chemical_symbols()) - allowed)
        if extra:
            raise SpeciesError(f"{path}: structure {index} contains {extra}, not in the species list {sorted(allowed)}")


def dataset_species(structures: Iterable[Atoms]) -> list[str]:
    """Elements present, sorted by atomic number."""
    numbers = sorted({int(z) for atoms in structures for z in atoms.numbers})
    return [chemical_symbols[z] for z in numbers]


def write_structures(path: str | os.PathLike, structures: Sequence[Atoms]) -> None:
    """Write extxyz atomically, the energy under the one key ``energy``."""
    from ase.io import write

    from ..atomic import atomic_path

    out = []
    for atoms in structures:
        a = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        a.info = dict(atoms.info)
        out.append(a)
    with atomic_path(path) as tmp:
        write(tmp, out, format="extxyz")
