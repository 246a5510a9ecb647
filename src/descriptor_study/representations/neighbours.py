"""Neighbour pairs of the atom-centred representations, and the one place that chooses the search.

Two searches, both following ``atoms.pbc`` and listing periodic images:

* :func:`pairs_all`: ASE's ``neighbor_list`` of every atom of the cell (binned), as
  :func:`ase_neighbor_list` computes it: ASE's arrays bit for bit, in ASE's order, about
  twice as fast on the small periodic cells of the datasets;
* :func:`pairs_for_centres`: the images around the requested centres only, enumerated
  here (cost proportional to the number of centres times the atoms of the cell, no full
  list): tens of times faster than ASE's list on small periodic cells, and what lets the
  sensitivity study evaluate the one or two centres of a path on a 512-atom cell.

:func:`centre_pairs` makes the choice between them for ACSF-X, ACE and CHSF.  The three
state their policy in the call, and the policies differ, because the pairs reach each
representation's sums in the order and with the rounding of the search that found them:
ASE lists a centre's neighbours in the order of its (unstable) sort and computes a
vector as ``r_j - r_i + S·cell``; the enumeration lists them by neighbour, then lattice
shift, from the wrapped difference plus the shift.  The same rows computed through the
other search agree to round-off, not bit for bit, and the recorded results were made
with these policies:

* CHSF (``per_centre="always"``, ``small_cells=True``): requested centres are always
  enumerated (with duplicates, one row each); all atoms are enumerated in a cell of up
  to :data:`SMALL_CELL` atoms, else come from ASE's list;
* ACE (``per_centre="few"``): the requested centres are enumerated (with duplicates)
  when they are few (:func:`few_centres`); otherwise, and for all atoms, ASE's list;
* ACSF-X (``per_centre="few"``, ``unique=True``, ``distances=True``): as ACE, but each
  distinct atom among the centres is enumerated once (its rows are gathered by atom
  index afterwards), and the distances come with the pairs: ASE's own on its list,
  ``sqrt(D·D)`` on the enumeration.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from ase import Atoms

#: up to this many atoms, the neighbours of every atom may come from the per-centre image
#: enumeration (tens of times faster than ASE's binned list on small periodic cells)
SMALL_CELL = 100


class CentrePairs(NamedTuple):
    """Neighbour pairs and how they were found.

    ``row``: per pair, its centre: the position in ``listed`` when the centres were
    enumerated, else (ASE's list of every atom) the centre's atom index.  ``listed``: the
    atom indices whose neighbours were enumerated, or None for ASE's list.  ``vec``: the
    vector centre → neighbour; ``d``: its length (None unless asked for).
    """

    row: np.ndarray
    j: np.ndarray
    vec: np.ndarray
    listed: np.ndarray | None
    d: np.ndarray | None = None


def few_centres(n_centres: int, n_atoms: int) -> bool:
    """True when enumerating the neighbours of the requested centres alone beats a full
    neighbour list of the cell (a few centres of a large cell: the sensitivity paths)."""
    return n_atoms > 64 and 4 * n_centres <= n_atoms


def centre_pairs(
    atoms: Atoms,
    cutoff: float,
    centres: np.ndarray | None = None,
    *,
    per_centre: str = "few",
    small_cells: bool = False,
    unique: bool = False,
    distances: bool = False,
) -> CentrePairs:
    """The neighbour pairs within ``cutoff`` of ``centres`` (every atom when None).

    Requested centres are enumerated (:func:`pairs_for_centres`) when ``per_centre`` is
    "always", or "few" and :func:`few_centres` holds; ``unique`` then enumerates each
    distinct atom (index modulo the cell) once, in increasing order.  Every atom is
    enumerated when ``centres`` is None, ``small_cells`` is set and the cell has at most
    :data:`SMALL_CELL` atoms.  Otherwise the pairs are ASE's list of every atom (requested
    centres included; the caller picks theirs).  ``distances``: also the pair distances.
    See the module docstring for why the three callers choose differently.
    """
    if per_centre not in ("few", "always"):
        raise ValueError(f"per_centre: {per_centre!r}; allowed: 'few', 'always'")
    if centres is None:
        listed = np.arange(len(atoms)) if small_cells and len(atoms) <= SMALL_CELL else None
    elif per_centre == "always" or few_centres(len(centres), len(atoms)):
        listed = np.asarray(centres, dtype=int)
        if unique:
            listed = np.unique(listed % len(atoms))
    else:
        listed = None
    if listed is None:
        if distances:
            i, j, vec, d = pairs_all(atoms, cutoff, distances=True)
            return CentrePairs(i, j, vec, None, d)
        return CentrePairs(*pairs_all(atoms, cutoff), None)
    row, j, vec = pairs_for_centres(atoms, listed, cutoff)
    d = np.sqrt(np.einsum("ij,ij->i", vec, vec)) if distances else None
    return CentrePairs(row, j, vec, listed, d)


def pairs_all(atoms: Atoms, cutoff: float, *, distances: bool = False) -> tuple[np.ndarray, ...]:
    """(centre index, neighbour index, vector centre->neighbour[, distance]) for every atom:
    ASE's ``neighbor_list``, as computed by :func:`ase_neighbor_list`."""
    i, j, d, vec = ase_neighbor_list(atoms, cutoff)
    if distances:
        return i, j, vec, d
    return i, j, vec


#: candidate pairs (offsets × bins × slot pairs) :func:`ase_neighbor_list` forms at a time
CANDIDATE_CHUNK = 1 << 21


def ase_neighbor_list(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ase.neighborlist.neighbor_list("ijdD", atoms, cutoff)``, the same arrays bit for bit,
    in the same order, in a fraction of the time on small periodic cells.

    ASE's binned search (``primitive_neighbor_list``, ASE 3.26) forms its candidate pairs
    one neighbouring-bin offset at a time, in a Python loop with three ``np.resize`` calls
    per offset: on a cell much smaller than the cutoff (one bin, 75 offsets at 6.35 Å for
    the first, 24-atom TiO2 cell) that loop is most of the time.  Here the same candidates are formed
    for many offsets at once, in the loop's order, and every later step (the shifts, the
    self-pair and non-periodic filters, the unstable sort by centre that fixes the order of
    a centre's neighbours, the vectors and the distance cut) is ASE's, on the same arrays.
    The order matters: the representations sum over neighbours in it, so another order
    changes their rows at round-off.  A test holds the result equal to ASE's on the
    datasets' and on random cells.
    """
    from ase.geometry import complete_cell

    pbc = np.asarray(atoms.pbc, dtype=bool)
    cell = np.asarray(atoms.get_cell(complete=True))
    positions = atoms.positions
    if len(positions) == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros((0, 3))
    b_c = np.linalg.pinv(cell).T
    lengths = np.linalg.norm(b_c, axis=1)
    face_dist_c = np.array([1 / ln if ln > 0 else 1 for ln in lengths])
    max_cutoff = cutoff
    bin_size = max(max_cutoff, 3)
    nbins_c = np.maximum((face_dist_c / bin_size).astype(int), [1, 1, 1])
    nbins = np.prod(nbins_c)
    while nbins > 1e6:
        nbins_c = np.maximum(nbins_c // 2, [1, 1, 1])
        nbins = np.prod(nbins_c)
    search = np.ceil(bin_size * nbins_c / face_dist_c).astype(int)
    search = [0 if nbins_c[c] == 1 and not pbc[c] else search[c] for c in range(3)]

    scaled_positions_ic = np.linalg.solve(complete_cell(cell).T, positions.T).T
    bin_index_ic = np.floor(scaled_positions_ic * nbins_c).astype(int)
    cell_shift_ic = np.zeros_like(bin_index_ic)
    for c in range(3):
        if pbc[c]:
            cell_shift_ic[:, c], bin_index_ic[:, c] = divmod(bin_index_ic[:, c], nbins_c[c])
        else:
            bin_index_ic[:, c] = np.clip(bin_index_ic[:, c], 0, nbins_c[c] - 1)
    bin_index_i = bin_index_ic[:, 0] + nbins_c[0] * (bin_index_ic[:, 1] + nbins_c[1] * bin_index_ic[:, 2])
    atom_i = np.argsort(bin_index_i)
    bin_index_i = bin_index_i[atom_i]
    max_per_bin = np.bincount(bin_index_i).max()
    atoms_in_bin_ba = -np.ones([nbins, max_per_bin], dtype=int)
    for k in range(max_per_bin):
        mask = np.append([True], bin_index_i[:-1] != bin_index_i[1:])
        atoms_in_bin_ba[bin_index_i[mask], k] = atom_i[mask]
        mask = np.logical_not(mask)
        atom_i = atom_i[mask]
        bin_index_i = bin_index_i[mask]
    slot_pairs = np.indices((max_per_bin, max_per_bin), dtype=int).reshape(2, -1)
    binz, biny, binx = np.meshgrid(np.arange(nbins_c[2]), np.arange(nbins_c[1]), np.arange(nbins_c[0]), indexing="ij")
    bins_xyz = np.stack([binx.ravel(), biny.ravel(), binz.ravel()], axis=1)  # (bins, 3), ASE's bin order
    first_bn = atoms_in_bin_ba[:, slot_pairs[0]]  # (bins, slot pairs)
    # the offsets in ASE's loop order: dz outer, then dy, dx inner
    dz, dy, dx = np.meshgrid(*(np.arange(-search[c], search[c] + 1) for c in (2, 1, 0)), indexing="ij")
    offsets = np.stack([dx.ravel(), dy.ravel(), dz.ravel()], axis=1)
    per_offset = max(1, first_bn.size)
    firsts, seconds, shifts = [], [], []
    for start in range(0, len(offsets), max(1, CANDIDATE_CHUNK // per_offset)):
        off = offsets[start : start + max(1, CANDIDATE_CHUNK // per_offset)]
        shift_obc, neigh_obc = np.divmod(bins_xyz[None, :, :] + off[:, None, :], nbins_c)
        neighbin_ob = neigh_obc[..., 0] + nbins_c[0] * (neigh_obc[..., 1] + nbins_c[1] * neigh_obc[..., 2])
        second_obn = atoms_in_bin_ba[neighbin_ob][:, :, slot_pairs[1]]
        mask = (first_bn[None] != -1) & (second_obn != -1)
        o, b, _ = np.nonzero(mask)  # C order: offset, then bin, then slot pair, as ASE concatenates
        firsts.append(np.broadcast_to(first_bn[None], mask.shape)[mask])
        seconds.append(second_obn[mask])
        shifts.append(shift_obc[o, b])
    first = np.concatenate(firsts)
    second = np.concatenate(seconds)
    shift = np.concatenate(shifts)
    shift += cell_shift_ic[first] - cell_shift_ic[second]
    m = np.logical_not(np.logical_and(first == second, (shift == 0).all(axis=1)))
    first, second, shift = first[m], second[m], shift[m]
    for c in range(3):
        if not pbc[c]:
            m = shift[:, c] == 0
            first, second, shift = first[m], second[m], shift[m]
    order = np.argsort(first)
    first, second, shift = first[order], second[order], shift[order]
    vec = positions[second] - positions[first] + shift.dot(cell)
    dist = np.sqrt(np.sum(vec * vec, axis=1))
    m = dist < max_cutoff
    return first[m], second[m], dist[m], vec[m]


def pairs_for_centres(atoms: Atoms, centres: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbours (images included) of ``centres`` only.

    Returns (position in ``centres``, neighbour index, vector).  Periodic directions are
    searched over the lattice shifts that can reach ``cutoff``; a cell that is singular
    in a periodic direction falls back to ASE's full neighbour list.
    """
    pbc = np.asarray(atoms.pbc, dtype=bool)
    cell = np.asarray(atoms.cell[:], dtype=float)
    pos = atoms.positions
    if pbc.any():
        try:
            inv = np.linalg.inv(cell)
        except np.linalg.LinAlgError:
            return filter_pairs(pairs_all(atoms, cutoff), centres)
    ranges = []
    for k in range(3):
        if pbc[k]:
            reach = cutoff * np.linalg.norm(inv[:, k]) + 0.5
            nk = int(np.ceil(reach))
            ranges.append(np.arange(-nk, nk + 1))
        else:
            ranges.append(np.zeros(1, dtype=int))
    shifts = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, 3).astype(float)
    n = len(atoms)
    out_c, out_j, out_v = [], [], []
    chunk = max(1, int(2_000_000 // max(1, n * len(shifts))))
    for start in range(0, len(centres), chunk):
        cs = centres[start : start + chunk]
        d0 = pos[None, :, :] - pos[cs][:, None, :]  # (c, n, 3)
        if pbc.any():
            frac = d0 @ inv
            wrap = -np.round(frac) * pbc  # integer shifts bringing periodic parts near 0
            base = d0 + wrap @ cell
        else:
            base = d0
        vec = base[:, :, None, :] + (shifts @ cell)[None, None, :, :]  # (c, n, s, 3)
        dist2 = np.einsum("cnsx,cnsx->cns", vec, vec)
        keep = (dist2 < cutoff * cutoff) & (dist2 > 0.0)
        ci, jj, _ = np.nonzero(keep)
        out_c.append(ci + start)
        out_j.append(jj)
        out_v.append(vec[keep])
    return np.concatenate(out_c), np.concatenate(out_j), np.concatenate(out_v)


def filter_pairs(pairs, centres: np.ndarray):
    """Restrict a full neighbour list to ``centres`` (a centre listed twice appears twice)."""
    i, j, vec = pairs
    sel = [np.flatnonzero(i == c) for c in centres]
    ci = np.concatenate([np.full(len(s), k) for k, s in enumerate(sel)] + [np.zeros(0, int)])
    sel = np.concatenate(sel + [np.zeros(0, int)])
    return ci, j[sel], vec[sel]
