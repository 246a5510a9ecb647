"""The sensitivity study (docs/paper-settings.md, the paper's Figures 3–5).

A reference crystal (diamond Si, a = 5.43 Å, 4×4×4 cubic cells, periodic), perturbation
paths built on it, the change dV(t) = ‖V(t) − V(0)‖ / ‖V(0)‖ of a representation along a
path, and the slope k of log dV against log t as t → 0 (k = 1: linearly stable).

Atom-centred descriptors are evaluated only where the metric needs them: the centre
atom for the radial and tangential paths; for the mixed path only the atoms within the
representation's reach of the moved atom (``Representation.reach``: their rows are the
only ones that change; ‖V(0)‖ is taken once over all atoms; a representation that does
not state its reach has every row computed).  Global representations (one row per structure) are evaluated on the whole
structure.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import RepresentationError
from .vocabulary import PANELS

if TYPE_CHECKING:
    from ase import Atoms

log = logging.getLogger(__name__)

A_SI = 5.43
#: the authors' random tangential direction (Figure 5c, 5d), projected ⊥ the bond before use
AUTHORS_DIRECTION = (0.079, 1.396, 0.1999)
#: relative dV below this is treated as round-off.  The paper used 10⁻⁸, the precision of
#: its least precise code; on these paths our differences are at round-off (~1e-15)
#: where the change is zero, and Figure 3 stays below 1e-10 for every representation.
NOISE_FLOOR = 1e-12

#: the slope the paper reports as t → 0
EXPECTED_SLOPE = {"fig4": 1.0, "fig5a": 1.0, "fig5b": 2.0, "fig5c": 1.0, "fig5d": 1.0}


def reference_crystal(repeat: int = 4, a: float = A_SI) -> tuple[Atoms, int]:
    """Periodic diamond Si, ``repeat``³ cubic cells, and the index of the centre atom."""
    from ase.build import bulk

    atoms = bulk("Si", "diamond", a=a, cubic=True).repeat((repeat, repeat, repeat))
    centre = int(np.argmin(np.linalg.norm(atoms.positions - atoms.cell.sum(axis=0) / 2, axis=1)))
    return atoms, centre


def neighbour_shells(atoms: Atoms, centre: int, cutoff: float = 6.5, decimals: int = 2):
    """Neighbours of ``centre`` within ``cutoff`` grouped by distance.

    Returns a list of (distance, [(atom index, displacement vector from the centre), ...]),
    shells by distance and each shell's members by atom index (then displacement, for an
    atom seen through two images).  The order is fixed by the structure alone: ASE's
    neighbour list orders the pairs of one atom with numpy's default (unstable) sort, whose
    order among equal keys depends on the CPU's vector instructions, and the tangential
    paths take a shell's first member and hand out the pre-perturbation's random draws in
    this order.
    """
    from ase.neighborlist import neighbor_list

    i, j, d, D = neighbor_list("ijdD", atoms, cutoff)
    keep = i == centre
    shells: dict[float, list] = {}
    for jj, dd, vec in zip(j[keep], d[keep], D[keep]):
        shells.setdefault(round(float(dd), decimals), []).append((int(jj), vec))
    return [(r, sorted(members, key=lambda m: (m[0], tuple(m[1])))) for r, members in sorted(shells.items())]


# --- paths ---------------------------------------------------------------------------


@dataclass
class Path_:
    """A perturbation path: structures along t and what the metric looks at."""

    panel: str
    t: np.ndarray
    make: Callable[[float], Atoms]  # t -> structure
    reference: Atoms  # V(0) is computed on this
    metric_atoms: np.ndarray | None  # rows entering dV (None: all)
    moved: list[int] = field(default_factory=list)  # atoms that move along the path
    unit: str = "Å"


def log_grid(lo: float, hi: float, step: float = 0.2) -> np.ndarray:
    n = int(round((hi - lo) / step)) + 1
    return 10.0 ** np.linspace(lo, hi, n)


def _rotation_matrix(axis: str, theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rotation_path(axis: str = "y", degrees: Sequence[float] = tuple(range(0, 91))) -> Path_:
    """Figure 3: a 2×2×2 c-Si cluster in a 200 Å box, one atom at the origin, rotated."""
    from ase.build import bulk

    cluster = bulk("Si", "diamond", a=A_SI, cubic=True).repeat((2, 2, 2))
    cluster.positions -= cluster.positions[0]
    cluster.set_cell([200.0, 200.0, 200.0])
    cluster.pbc = False

    def make(theta_deg: float) -> Atoms:
        out = cluster.copy()
        out.positions = cluster.positions @ _rotation_matrix(axis, math.radians(theta_deg)).T
        return out

    return Path_("fig3", np.asarray(degrees, dtype=float), make, cluster, None, list(range(len(cluster))), "degree")


def mixed_path(direction: str = "x", t: np.ndarray | None = None) -> Path_:
    """Figure 4: the centre atom of the periodic crystal moved by dx along +x (or [111])."""
    atoms, centre = reference_crystal()
    t = log_grid(-8, -1) if t is None else t
    u = np.array([1.0, 0.0, 0.0]) if direction == "x" else np.ones(3)  # authors' Julia path: (dx, dx, dx)

    def make(dx: float) -> Atoms:
        out = atoms.copy()
        out.positions[centre] += dx * u
        return out

    return Path_("fig4", t, make, atoms, None, [centre])


def _neighbour(atoms: Atoms, centre: int, shell: int, prefer: np.ndarray | None = None):
    """(index, displacement) of a neighbour in the given shell (0-based): the one closest to
    ``prefer``, else the shell's lowest atom index."""
    shells = neighbour_shells(atoms, centre)
    members = shells[shell][1]
    if prefer is None:
        return members[0]
    return min(members, key=lambda m: np.linalg.norm(m[1] - prefer))


def radial_path(variant: str = "radial", t: np.ndarray | None = None) -> Path_:
    """Figure 5a: the 4th-shell neighbour at (0, 0, a) moved along its bond (or the authors' direction)."""
    atoms, centre = reference_crystal()
    j, bond = _neighbour(atoms, centre, 3, prefer=np.array([0.0, 0.0, A_SI]))
    t = log_grid(-8, -1) if t is None else t
    u = bond / np.linalg.norm(bond) if variant == "radial" else np.array([1.0, -1.0, -1.0]) / math.sqrt(3)

    def make(dx: float) -> Atoms:
        out = atoms.copy()
        out.positions[j] += dx * u
        return out

    return Path_("fig5a", t, make, atoms, np.array([centre]), [j])


def radial_preperturbation(atoms: Atoms, centre: int, seed: int, amplitude: float = 0.02, cutoff: float = 6.5) -> Atoms:
    """Every neighbour within ``cutoff`` scaled along its bond by 1 + 2·amplitude·(ξ − 0.5)."""
    rng = np.random.default_rng(seed)
    out = atoms.copy()
    for _, members in neighbour_shells(atoms, centre, cutoff):
        for j, vec in members:
            xi = rng.uniform()
            out.positions[j] = out.positions[centre] + vec * (1.0 + 2.0 * amplitude * (xi - 0.5))
    return out


def tangential_path(panel: str, direction: str = "authors", seed: int = 0, t: np.ndarray | None = None) -> Path_:
    """Figures 5b–d: one neighbour moved on its sphere, R(t) = (R0 + tU)·‖R0‖/‖R0 + tU‖."""
    atoms, centre = reference_crystal()
    t = log_grid(-6, 0) if t is None else t
    if panel == "fig5b":
        shell, u = 0, np.array([0.0, 1.0, -1.0])
        base = atoms
        j, _ = _neighbour(atoms, centre, shell, prefer=np.array([1.0, 1.0, 1.0]) * A_SI / 4)
    else:
        shell = 0 if panel == "fig5c" else 1
        base = radial_preperturbation(atoms, centre, seed)
        if direction == "authors":
            u = np.array(AUTHORS_DIRECTION)
        else:
            u = np.random.default_rng(seed + 1).normal(size=3)
        j, _ = _neighbour(atoms, centre, shell)
    R0 = base.positions[j] - base.positions[centre]
    U = u - (u @ R0) / (R0 @ R0) * R0
    U /= np.linalg.norm(U)
    r0 = np.linalg.norm(R0)

    def make(step: float) -> Atoms:
        out = base.copy()
        R = R0 + step * U
        out.positions[j] = base.positions[centre] + R * r0 / np.linalg.norm(R)
        return out

    return Path_(panel, t, make, base, np.array([centre]), [j])


def resolve_settings(
    settings: dict[str, Any] | None, representation, panel: str | None = None, classes=None
) -> dict[str, Any]:
    """The ``authors`` values → what the authors' code did for this representation (and panel),
    read from its facts (``authors_code``, ``authors_python_run`` in ``facts.yaml``):

    - ``mixed_direction``: (1, 1, 1) for a representation their Julia code computed, x for
      one of their Python run;
    - ``radial_variant``: along the bond for a Figure 5a curve of their Python run, else
      (1, −1, −1)/√3 as in their Julia code;
    - ``normalisation``: absolute for the curves of their Python run, relative otherwise.

    A representation the paper did not study (``authors_code`` None) gets x, along the bond
    and relative.  ``representation`` is a name (looked up in ``classes``, then the
    registry) or a class.
    """
    from . import facts

    cls = _class_of(representation, classes)
    authors_code = facts.of(cls, "authors_code")
    in_paper = authors_code is not None
    python_run = tuple(facts.of(cls, "authors_python_run"))
    s = dict(settings or {})
    if s.get("mixed_direction") == "authors":
        s["mixed_direction"] = "111" if authors_code == "julia" else "x"
    if s.get("radial_variant") == "authors" and (not in_paper or "fig5a" in python_run):
        s["radial_variant"] = "radial"
    if s.get("normalisation") == "authors":
        s["normalisation"] = "absolute" if (in_paper and panel is not None and panel in python_run) else "relative"
    return s


def _class_of(representation, classes=None):
    """A representation's class from its name (``classes`` first, then the registry)."""
    if isinstance(representation, type):
        return representation
    if classes and representation in classes:
        return classes[representation]
    from .representations import get_class

    return get_class(representation)


#: the settings a config may leave out, and what a curve then takes
SETTING_DEFAULTS = {
    "rotation_axis": "y",
    "mixed_direction": "x",
    "radial_variant": "radial",
    "tangential_direction": "authors",
    "seed": 0,
    "normalisation": "relative",
}


def build_path(panel: str, settings: dict[str, Any] | None = None, t: np.ndarray | None = None) -> Path_:
    s = {**SETTING_DEFAULTS, **(settings or {})}
    if panel == "fig3":
        return rotation_path(s["rotation_axis"])
    if panel == "fig4":
        return mixed_path(str(s["mixed_direction"]), t)
    if panel == "fig5a":
        return radial_path(s["radial_variant"], t)
    if panel in ("fig5b", "fig5c", "fig5d"):
        return tangential_path(panel, s["tangential_direction"], int(s["seed"]), t)
    raise ValueError(f"unknown panel {panel!r}")


# --- curves --------------------------------------------------------------------------


def _rows(rep, structures: Sequence[Atoms], centres: np.ndarray | None, source: str) -> list[np.ndarray]:
    """The rows of ``centres`` (all atoms when None; the structure's row for a global
    representation) of each structure, in one batched call (``source`` names them in errors)."""
    if rep.per_structure:
        return rep.compute_batch(structures, source=source)
    return rep.compute_batch(structures, centers=None if centres is None else list(map(int, centres)), source=source)


def affected_atoms(path: Path_, reach: float, structures: Sequence[Atoms] = ()) -> np.ndarray:
    """Atoms whose row can change along the path: those within ``reach`` (the
    representation's, :meth:`Representation.reach`) of a moved atom at some point of the
    path, that is within ``reach`` plus the moved atoms' largest displacement in
    ``structures`` of their reference positions."""
    atoms = path.reference
    if not np.all(atoms.pbc):
        return np.arange(len(atoms))
    from ase.neighborlist import neighbor_list

    moved = np.asarray(path.moved, dtype=int)
    shift = max(
        (float(np.max(np.linalg.norm(s.positions[moved] - atoms.positions[moved], axis=1))) for s in structures),
        default=0.0,
    )
    i, j = neighbor_list("ij", atoms, reach + shift + 1e-6)
    near = set(path.moved)
    for m in path.moved:
        near.update(j[i == m].tolist())
    return np.array(sorted(near))


def sensitivity_curve(
    rep, path: Path_, reduced: bool = True, progress: bool = False, normalisation: str = "relative"
) -> pd.DataFrame:
    """dV(t) = ‖V(t) − V(0)‖/‖V(0)‖ along ``path`` (columns t, dV); ``normalisation="absolute"``
    leaves out the division by ‖V(0)‖."""
    if normalisation not in ("relative", "absolute"):
        raise ValueError(f"normalisation must be relative or absolute, got {normalisation!r}")
    structures = [path.make(float(t)) for t in path.t]
    reach = None if rep.per_structure else rep.reach()
    if rep.per_structure:
        rows, norm_rows = None, None
    elif path.metric_atoms is not None:
        rows, norm_rows = path.metric_atoms, path.metric_atoms
    elif reduced and path.panel != "fig3" and reach is not None:
        rows, norm_rows = affected_atoms(path, reach, structures), None
    else:
        rows, norm_rows = None, None
    # V(0) once: the reference's rows, and the norm from them when they are the norm's rows
    if progress:
        log.info("%s %s: %d structures", rep.name, path.panel, len(structures))
    same = rows is norm_rows or (rows is not None and norm_rows is not None and np.array_equal(rows, norm_rows))
    reference, moved = f"the reference of the {path.panel} path", f"the {path.panel} path"
    if normalisation == "relative" and not same:
        v0, v0_full = (
            _rows(rep, [path.reference], rows, reference)[0],
            _rows(rep, [path.reference], norm_rows, reference)[0],
        )
        v0_norm = np.linalg.norm(v0_full)
    else:
        v0 = _rows(rep, [path.reference], rows, reference)[0]
        v0_norm = np.linalg.norm(v0) if normalisation == "relative" else 1.0
    if normalisation == "relative" and not (np.isfinite(v0_norm) and v0_norm > 0):
        raise RepresentationError(
            f"{rep.name} {path.panel}: ‖V(0)‖ = {v0_norm:g}, so the relative change dV = ‖V(t) − V(0)‖/‖V(0)‖ "
            "is not defined (no neighbour within the cutoff of the atoms it describes?); nothing written"
        )
    out = np.asarray([np.linalg.norm(v - v0) / v0_norm for v in _rows(rep, structures, rows, moved)])
    if not np.all(np.isfinite(out)):  # finite rows whose difference overflows
        k = int(np.flatnonzero(~np.isfinite(out))[0])
        raise RepresentationError(f"{rep.name} {path.panel}: dV is {out[k]} at t = {path.t[k]:g}; nothing written")
    return pd.DataFrame({"t": path.t, "dV": out})


def local_slopes(t: np.ndarray, dV: np.ndarray) -> np.ndarray:
    """d log dV / d log t by central differences (NaN where dV is not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log10(np.where(dV > 0, dV, np.nan))
        return np.gradient(y, np.log10(t))


def asymptotic_slope(
    t: np.ndarray, dV: np.ndarray, noise_floor: float = NOISE_FLOOR, n_points: int = 8
) -> tuple[float, tuple[float, float]]:
    """Slope k of log dV against log t as t → 0, and the t range it was fitted on.

    The window: the ``n_points`` smallest t whose dV lies above ``noise_floor``
    (10⁻⁸, the paper's lower bound), that is the small-t end of the curve that is
    not round-off.
    """
    t, dV = np.asarray(t), np.asarray(dV)
    ok = np.flatnonzero(dV > noise_floor)
    if len(ok) < 2:
        return float("nan"), (float("nan"), float("nan"))
    window = ok[:n_points]
    k = np.polyfit(np.log10(t[window]), np.log10(dV[window]), 1)[0]
    return float(k), (float(t[window[0]]), float(t[window[-1]]))


#: the slope table's verdict for a curve that is exactly zero at every t (Figures 4-5): the
#: path moved no atom within the cutoff of the atoms whose rows dV is taken over (Figure 5a
#: with a 5 Å cutoff: the moved neighbour is 5.43 Å away).  A curve that is not zero but
#: stays below the noise floor keeps "below noise floor".
ZERO_VERDICT = "zero: the perturbation moved nothing within the cutoff"


def is_zero_curve(dV) -> bool:
    """Every dV exactly 0.0 (not round-off): nothing the representation sees changed along
    the path.  Such a curve has no point on a log axis and no slope."""
    dV = np.asarray(dV, dtype=float)
    return dV.size > 0 and bool(np.all(dV == 0.0))


def verdict(k: float, tol: float = 0.15) -> str:
    if not np.isfinite(k):
        return "below noise floor"
    if abs(k - 1) <= tol:
        return "linearly stable (k ≈ 1)"
    if abs(k - 2) <= tol:
        return "slope 2 (linearly unstable)"
    return f"other (k = {k:.2f})"


def dip_report(
    t: np.ndarray, dV: np.ndarray, noise_floor: float = NOISE_FLOOR, low: float = 0.5, recover: float = 1.5
) -> dict[str, Any]:
    """A blind spot: dV stalls or falls (local slope below ``low``, or dV decreasing) and
    then recovers (local slope above ``recover`` at larger t).  The smooth bend from slope
    1 to 2 is not one, nor is the flattening of a curve at the largest amplitudes."""
    t, dV = np.asarray(t), np.asarray(dV)
    s = local_slopes(t, dV)
    valid = dV > noise_floor
    stall = valid & ((s < low) | np.append(np.diff(dV) < 0, False))
    dip_at = None
    for i in np.flatnonzero(stall):
        if np.any(valid[i + 1 :] & (s[i + 1 :] > recover)):
            dip_at = i
            break
    return {
        "dip": dip_at is not None,
        "t_dip": None if dip_at is None else float(t[dip_at]),
        "min_slope": float(np.nanmin(np.where(valid, s, np.nan))) if valid.any() else float("nan"),
    }


def noise_floor(cls) -> float:
    """The dV below which a curve of representation class ``cls`` is round-off: NOISE_FLOOR,
    or the class's declared ``relative_precision`` where that is coarser (a float32 model)."""
    return max(NOISE_FLOOR, getattr(cls, "relative_precision", None) or 0.0)


def slope_table(curves: dict[tuple[str, str], pd.DataFrame], floors: Mapping[str, float] | None = None) -> pd.DataFrame:
    """k per (representation, panel) with a verdict; rotation panels report max dV instead.
    ``floors``: representation → its noise floor (:func:`noise_floor`; default NOISE_FLOOR),
    below which dV is not fitted; the table records it.

    ``zero``: dV is exactly 0 at every t.  Outside Figure 3 its verdict is
    :data:`ZERO_VERDICT`, not "below noise floor" (a curve that changes, by less than the
    floor); in Figure 3 it stays "max dV = 0.0e+00" (exactly rotation invariant)."""
    rows = []
    for (panel, rep), df in curves.items():
        zero = is_zero_curve(df["dV"])
        floor = (floors or {}).get(rep, NOISE_FLOOR)
        if panel == "fig3":
            rows.append(
                {
                    "representation": rep,
                    "panel": panel,
                    "path": PANELS[panel],
                    "k": float("nan"),
                    "t_min": float("nan"),
                    "t_max": float("nan"),
                    "expected": float("nan"),
                    "verdict": f"max dV = {df['dV'].max():.1e}",
                    "dip": False,
                    "zero": zero,
                    "noise_floor": floor,
                }
            )
            continue
        k, (lo, hi) = asymptotic_slope(df["t"].to_numpy(), df["dV"].to_numpy(), floor)
        dip = dip_report(df["t"].to_numpy(), df["dV"].to_numpy(), floor)
        rows.append(
            {
                "representation": rep,
                "panel": panel,
                "path": PANELS[panel],
                "k": round(k, 3),
                "t_min": lo,
                "t_max": hi,
                "expected": EXPECTED_SLOPE[panel],
                "verdict": ZERO_VERDICT if zero else verdict(k),
                "dip": dip["dip"],
                "zero": zero,
                "noise_floor": floor,
            }
        )
    return pd.DataFrame(rows)
