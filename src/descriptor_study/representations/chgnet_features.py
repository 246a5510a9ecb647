"""CHGNet 0.3.0's per-atom features: the 64 numbers per atom its energy head reads.

CHGNet (Deng et al., Nat. Mach. Intell. 5, 1031 (2023)) is a message-passing network
trained on the Materials Project trajectories (MPtrj).  Its pretrained 0.3.0 weights ship
inside the ``chgnet`` wheel (``chgnet/pretrained/0.3.0/chgnet_0.3.0_e29f68s314m37.pth.tar``):
nothing is downloaded.  Each ``.h5`` records the model ("CHGNet 0.3.0"), the chgnet
version and the sha256 of that weight file.

Which tensor.  In ``CHGNet._compute`` (chgnet 0.4.2) an atom's 64 features start as the
embedding of its element, pass four ``AtomConv`` layers (with three ``BondConv`` and
``AngleUpdate`` layers between them) and the readout ``LayerNorm``
(``CHGNet.readout_norm``); the energy MLP ``CHGNet.mlp`` then maps each row to the atom's
energy (``mlp_first``: the pretrained model sums per-atom energies).  The input of
``CHGNet.mlp`` is what ``features: energy`` (the default) returns; it is taken with a
forward pre-hook on ``CHGNet.mlp``.  It is *not* the tensor
``predict_structure(..., return_atom_feas=True)`` returns: that ``atom_fea`` is taken in
the message-passing loop at ``idx == n_conv - 2``, after three of the four ``AtomConv``
layers and without the ``LayerNorm``; it is the input of the magnetic-moment head
``CHGNet.site_wise``, and ``features: magmom`` returns it.  The tests check both identities
(the pooled energy rows are the model's ``crystal_fea``; the energy MLP of them plus the
composition reference gives the model's site energies; the magmom rows are the stock
float32 model's ``atom_fea`` to float32 round-off).

Precision: float64.  ``model.double()`` alone fails with "expected m1 and m2 to have the
same dtype" because the graph converter builds the coordinate tensors of each
``CrystalGraph`` (``atom_frac_coord``, ``lattice``, ``neighbor_image``) in its fixed
``TORCH_DTYPE = torch.float32``, and because the composition model (``AtomRef``, a linear
fit of reference energies on composition, no part of the features) casts its input to
float32 (``.float()`` in ``_assemble_graphs``).  The fix here: the whole model in float64
except ``AtomRef``, and the three coordinate tensors of each graph rebuilt in float64 from
the pymatgen Structure's float64 arrays (not cast from the float32 ones, which would keep
their rounding).  The graph itself (which pairs are neighbours) comes from pymatgen's
neighbour search, in float64 already.  The float64 rows agree with the stock float32
model's to 5e-7 of their norm (float32 round-off), and they are invariant under rotation,
translation and permutation to 1.6e-14 of their norm (the largest change of a row over 8
random rotations, translations and permutations each of a rattled 64-atom Si cell, an
8-atom Al-Cu cell and a 16-atom Si cluster, for both choices of ``features``): float64
round-off through the network, far below the sensitivity study's 1e-12 noise floor, so
``relative_precision`` is None.

Structures.  An ASE ``Atoms`` becomes a pymatgen ``Structure`` through
``AseAtomsAdaptor`` (numbers, positions, cell and pbc only).  CHGNet needs a lattice: a
cluster (no periodic direction) is put in an orthorhombic box whose faces are ``vacuum``
(default 10 Å) from its outermost atoms, and the lattice is marked non-periodic, so that
pymatgen's neighbour search sees no periodic images at all; the vacuum is kept above the
6 Å atom-graph cutoff anyway, so that a periodic reading of the box would give the same
graph.  The box therefore only frames the fractional coordinates the graph is built from:
the rows do not depend on it (the tests grow it from 6.5 to 40 Å: the rows change by
float64 round-off only).  A cluster's own cell, if any, is not used.  A partially
periodic structure keeps its cell and its pbc flags (non-periodic directions see no
images); where its cell is singular, its non-periodic directions are given ``vacuum``
around the atoms.  An atom with no neighbour within 6 Å (which CHGNet's graph converter
refuses by default) keeps a row: its features see no messages, so it is the readout
``LayerNorm`` of its element's embedding.

Reach.  Every interaction runs along an edge of the atom graph (pairs closer than 6 Å,
weighted by a polynomial envelope that is zero from 6 Å on) or of the bond graph (pairs
of bonds shorter than 3 Å sharing an atom).  Following the layers: after k ``AtomConv``
layers an atom's features can depend on atoms up to 6k Å away (each ``AtomConv`` adds a
6 Å hop; a bond's features after k ``BondConv`` layers depend on atoms within 6k + 3 Å of
either of its ends, ≤ 6(k+1) Å of the atom reading it).  So no atom farther than 24 Å
(``energy``, four ``AtomConv`` layers) or 18 Å (``magmom``, three) can change a row;
``reach`` returns that bound.  Moving a corner atom of a 1000-atom Si cluster changes rows
out to 21.7 Å (``energy``) and 16.3 Å (``magmom``) and none beyond the bound, to the last
bit; the tests check this on a 512-atom cluster.

Element coverage: CHGNet embeds elements 1 to 94 (H to Pu); a representation built for
any other element is refused at once.

Cost.  ``compute_many`` sets torch's intra-op threads to the job's ``n_jobs`` and runs the
structures in groups of at most ``batch_atoms`` atoms, one forward pass per group
(CHGNet batches graphs natively).  A rattled 64-atom Si cell takes 0.1-0.15 s on one
thread (about a fifth of it building the graph), like the stock float32 model's
``predict_structure``; batching changes that little, and a group holds about 0.4 MB per
atom of crystalline Si at its peak (the default 256 atoms: about 100 MB above the 0.4 GB
of the loaded model and libraries).
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from descriptor_study.checksums import file_sha256
from descriptor_study.errors import ConfigError, SpeciesError
from descriptor_study.representations.base import PROGRESS_EVERY, Representation
from descriptor_study.representations.spec import Param
from descriptor_study.versions import package_versions

log = logging.getLogger(__name__)

#: the pretrained model
MODEL_VERSION = "0.3.0"
#: the weight file of that model, relative to the ``chgnet`` package
WEIGHTS = "pretrained/0.3.0/chgnet_0.3.0_e29f68s314m37.pth.tar"
#: the tests check these against the loaded model
N_FEATURES = 64
ATOM_GRAPH_CUTOFF = 6.0
BOND_GRAPH_CUTOFF = 3.0
N_ATOM_CONV = 4
#: the elements CHGNet embeds (``AtomEmbedding(max_num_elements=94)``)
MAX_Z = 94

#: what each choice of ``features`` is
FEATURES = {
    "energy": "input of the energy MLP (CHGNet.mlp): after the 4th AtomConv and the readout LayerNorm",
    "magmom": "atom_fea of predict_structure(return_atom_feas=True): after the 3rd AtomConv, "
    "input of the magnetic-moment head (CHGNet.site_wise)",
}

#: weight file -> loaded float64 model, per process
_MODELS: dict[str, Any] = {}
#: weight file -> sha256, per process
_SHA256: dict[str, str] = {}


def weights_path() -> Path:
    """The weight file of CHGNet 0.3.0 inside the installed ``chgnet`` package (no import)."""
    spec = find_spec("chgnet")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "representations.CHGNet: needs the packages torch and chgnet, which are not installed "
            "(pip install torch chgnet)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / WEIGHTS


def weights_sha256(path: Path) -> str:
    key = str(path)
    if key not in _SHA256:
        _SHA256[key] = file_sha256(path)
    return _SHA256[key]


def load_model(path: Path):
    """CHGNet 0.3.0 from ``path`` in float64 (its composition reference in float32), on the
    CPU, in eval mode, isolated atoms allowed; loaded once per process."""
    key = str(path)
    if key not in _MODELS:
        import torch
        from chgnet.model import CHGNet

        with contextlib.redirect_stdout(io.StringIO()):  # CHGNet prints its parameter count
            # what CHGNet.load("0.3.0") does, from the file whose sha256 is recorded
            model = CHGNet.from_file(str(path), mlp_out_bias=False, version=MODEL_VERSION)
        model = model.to(torch.device("cpu")).double()
        if model.composition_model is not None:
            model.composition_model.float()  # AtomRef casts its input to float32
        model.graph_converter.on_isolated_atoms = "ignore"
        model.eval()
        _MODELS[key] = model
    return _MODELS[key]


def to_structure(atoms: Atoms, vacuum: float):
    """The pymatgen Structure CHGNet reads: a cluster in a non-periodic box (see the module
    docstring), a periodic structure with its cell."""
    from pymatgen.io.ase import AseAtomsAdaptor

    pbc = np.asarray(atoms.pbc, dtype=bool)
    clean = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=pbc)
    if not pbc.any():
        positions = clean.positions
        low = positions.min(axis=0) if len(clean) else np.zeros(3)
        high = positions.max(axis=0) if len(clean) else np.zeros(3)
        clean.set_cell(np.diag(high - low + 2.0 * vacuum))
        clean.positions = positions - low + vacuum
    elif not pbc.all() and abs(clean.cell.volume) < 1e-8:
        clean.center(vacuum=vacuum, axis=tuple(int(i) for i in np.flatnonzero(~pbc)))
    return AseAtomsAdaptor.get_structure(clean)


def float64_graph(model, structure):
    """CHGNet's graph of ``structure`` with its coordinate tensors in float64, built from
    the Structure's float64 arrays (the converter makes them float32)."""
    import torch

    graph = model.graph_converter(structure)
    graph.atom_frac_coord = torch.tensor(structure.frac_coords, dtype=torch.float64)
    graph.lattice = torch.tensor(structure.lattice.matrix, dtype=torch.float64)
    graph.neighbor_image = graph.neighbor_image.to(torch.float64)  # integers: exact
    return graph


def model_rows(model, graphs: list, features: str) -> list[np.ndarray]:
    """The rows of each graph, from one forward pass over all of them."""
    import torch

    captured: list = []
    handle = model.mlp.register_forward_pre_hook(lambda module, args: captured.append(args[0].detach()))
    try:
        with torch.inference_mode():
            out = model(graphs, task="e", return_atom_feas=features == "magmom")
    finally:
        handle.remove()
    if features == "magmom":
        return [t.detach().cpu().numpy().astype(np.float64) for t in out["atom_fea"]]
    counts = [int(g.atomic_number.shape[0]) for g in graphs]
    (rows,) = captured
    return [t.cpu().numpy().astype(np.float64) for t in torch.split(rows, counts)]


class CHGNetFeatures(Representation):
    """CHGNet 0.3.0's 64 per-atom features (the input of its energy MLP), in float64."""

    name = "CHGNet"
    requires = ("torch", "chgnet")
    extra = "chgnet"
    #: float64 throughout (see the module docstring): round-off only
    relative_precision = None
    parameters = (
        Param(
            "features",
            "string",
            "energy",
            "which per-atom tensor: the input of the energy MLP (after the 4th interaction block and "
            "the readout LayerNorm), or the input of the magnetic-moment head (after the 3rd block; "
            "predict_structure's atom_fea)",
            choices=tuple(FEATURES),
        ),
        Param(
            "vacuum",
            "number",
            10.0,
            "space between a cluster's outermost atoms and the faces of the non-periodic box it is "
            "given (more than the 6 Å atom-graph cutoff; the rows do not depend on it)",
            unit="Å",
            minimum=ATOM_GRAPH_CUTOFF,
            exclusive=True,
        ),
        Param(
            "batch_atoms",
            "integer",
            256,
            "atoms per forward pass of the network: structures are grouped up to this many atoms (a larger "
            "structure goes alone); about 0.4 MB per atom of crystalline Si in float64",
            minimum=1,
        ),
    )

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        outside = [s for s in self.species if atomic_numbers[s] > MAX_Z]
        if outside:
            raise SpeciesError(
                f"{self.name}: CHGNet {MODEL_VERSION} covers the elements H to Pu (Z = 1-{MAX_Z}); not {outside}"
            )
        path = weights_path()
        if not path.is_file():
            raise ConfigError(f"representations.{self.name}: the installed chgnet has no weight file {WEIGHTS}")
        self._weights = path
        self.params.update(
            model=f"CHGNet {MODEL_VERSION}",
            chgnet_version=package_versions("chgnet")["chgnet"],
            weights=f"chgnet/{WEIGHTS}",
            weights_sha256=weights_sha256(path),
            tensor=FEATURES[self.params["features"]],
            dtype="float64",
            atom_graph_cutoff=ATOM_GRAPH_CUTOFF,
            bond_graph_cutoff=BOND_GRAPH_CUTOFF,
        )

    @property
    def n_features(self) -> int:
        return N_FEATURES

    def model(self):
        return load_model(self._weights)

    def batches(self, structures: list[Atoms]) -> list[list[Atoms]]:
        """Consecutive groups of at most ``batch_atoms`` atoms (a larger structure alone)."""
        limit, groups, size = int(self.params["batch_atoms"]), [], 0
        for atoms in structures:
            if not groups or size + len(atoms) > limit:
                groups.append([])
                size = 0
            groups[-1].append(atoms)
            size += len(atoms)
        return groups

    def _rows(self, structures: list[Atoms]) -> list[np.ndarray]:
        """All rows of each structure, one forward pass per group of ``batches``."""
        model = self.model()
        vacuum, features = float(self.params["vacuum"]), self.params["features"]
        out: list[np.ndarray] = []
        for part in self.batches(structures):
            graphs = [float64_graph(model, to_structure(atoms, vacuum)) for atoms in part]
            out.extend(model_rows(model, graphs, features))
        return out

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        (rows,) = self._rows([atoms])
        return rows if centers is None else rows[centers]

    def _compute_batch(self, structures: list[Atoms], centers: np.ndarray | None) -> list[np.ndarray]:
        rows = self._rows(structures)
        return rows if centers is None else [r[centers] for r in rows]

    def _compute_many(self, structures: list[Atoms], n_jobs: int, progress: bool) -> np.ndarray:
        import torch
        from tqdm.auto import tqdm

        torch.set_num_threads(max(1, int(n_jobs)))  # the job's threads
        rows: list[np.ndarray] = []
        start = last = time.monotonic()
        with tqdm(total=len(structures), desc=self.name, disable=not progress, unit="struct") as bar:
            for part in self.batches(structures):
                rows.extend(self._rows(part))
                bar.update(len(part))
                if progress and time.monotonic() - last >= PROGRESS_EVERY:  # the job's log, besides the bar
                    last = time.monotonic()
                    log.info("%s: %d of %d structures in %.0f s", self.name, len(rows), len(structures), last - start)
        if not rows:
            return np.zeros((0, self.n_features))
        return np.vstack(rows)

    def reach(self) -> float:
        """6 Å per interaction block that the features have passed (module docstring)."""
        blocks = N_ATOM_CONV if self.params["features"] == "energy" else N_ATOM_CONV - 1
        return ATOM_GRAPH_CUTOFF * blocks

    def library_versions(self) -> dict[str, str]:
        return package_versions("chgnet", "torch")
