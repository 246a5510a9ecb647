"""SevenNet-0's per-atom invariant features: the 128 scalars its energy head reads.

SevenNet-0 (Park et al., J. Chem. Theory Comput. 20, 4857 (2024); the checkpoints ship
inside the ``sevenn`` wheel) is a NequIP-type message-passing potential trained on MPtrj:
cutoff 5 Å, 128 channels, l ≤ 2, five interaction blocks, 89 elements.  Its model is an
``AtomGraphSequential`` of named modules, run in this order:

* ``edge_embedding`` (Bessel radial basis × polynomial cutoff, spherical harmonics of the
  edge vectors), ``onehot_idx_to_onehot``, ``onehot_to_feature_x`` (species → 128x0e);
* five interaction blocks ``i_self_connection_intro``, ``i_self_interaction_1``,
  ``i_convolution``, ``i_self_interaction_2``, ``i_self_connection_outro``,
  ``i_equivariant_gate`` (i = 0…4); blocks 0-3 output 128x0e+64x1e+32x2e, block 4
  outputs 128x0e only (the checkpoint's ``irreps_manual`` ends with "128x0e");
* the readout: ``reduce_input_to_hidden`` (linear 128x0e → 64x0e), ``reduce_hidden_to_energy``
  (linear 64x0e → 1x0e), ``rescale_atomic_energy`` (per-species scale and shift),
  ``reduce_total_enegy`` (sum over atoms), ``force_output`` (gradients).

The representation is the node feature ``x`` (``sevenn._keys.NODE_FEATURE``) as it leaves
``4_equivariant_gate``, the last interaction block: 128 scalars (irreps 128x0e) per atom,
exactly the tensor ``reduce_input_to_hidden`` reads.  Everything the model knows about an
atom's environment reaches the energy through this row and nothing else: the two readout
layers are linear (e3nn ``Linear`` on scalars), without bias and without an activation
between them, so an atom's energy is ``E_i = scale_Z · (w · x_i) + shift_Z``, an affine
function of the row (the tests continue our forward pass through the readout and get the
calculator's energy).  We run
the modules of the sequential one by one up to that point, on the graph sevenn's
calculator builds (``unlabeled_atoms_to_graph(atoms, cutoff)``, no cell shifts), and stop
there: no readout, no forces.

Precision: SevenNet-0 was trained and ships in float32; we run it in float64.  The model
is rebuilt from the checkpoint's config with float64 as torch's default dtype, so that
e3nn computes its Clebsch-Gordan constants in float64, and the trained float32 weights are
copied in (exact); the graph (positions, edge vectors) is made float64 from sevenn's NumPy
arrays (sevenn's own ``from_numpy_dict`` rounds them to float32).  Rows are then rotation,
translation and permutation invariant to float64 round-off: the largest relative row
change measured (three rotations, translations and permutations each of four structures:
the contract suite's periodic Al-Cu cell and Al-Cu cluster, a rattled 64-atom Si cell and
a random Al-Cu-Ni cluster) is 5e-15, so ``relative_precision`` is None.  Upcasting the
float32 model instead keeps float32-rounded Clebsch-Gordan constants: 1.7e-10 under
rotation.  The float64 rows differ from the float32 model's by ~6e-7 of their norm, and
the energy read from them from the calculator's by 1e-8 to 4e-8 relative.

Symmetry: the checkpoint has ``is_parity = False``: the model is SO(3)-, not O(3)-
equivariant, and its "0e" scalars include pseudoscalar-like combinations.  Rows are
invariant under proper rotations; a mirror image or an inversion changes them (by 2e-3
of their norm on a rattled 64-atom Si cell, up to 8e-2 on a random cluster; the Si cell's
energy by 1e-6 relative).

Clusters: sevenn's graph builder (matscipy's neighbour list, else ASE's) replaces the cell
rows of non-periodic directions by a box much larger than the structure, so a structure
with ``pbc = False`` sees no images.  Species: SevenNet-0 has parameters for 89 elements
(:data:`ELEMENTS`); any other is a SpeciesError when the representation is built.

Recorded beside every matrix (``describe()["params"]``): the model name, the checkpoint
(its directory in the wheel, which carries the release date, and the sevenn version that
wrote it; the file itself stores no date or hash), its sha256, the sevenn version, the
tapped tensor and the dtype.  The model is loaded once per process (a few seconds) and
cached; a 64-atom Si cell then takes ~0.5 s on one thread, ~0.7 GB peak memory.
``reach()`` is None: five interaction blocks of a 5 Å cutoff let atoms up to 25 Å away
(five hops) change a row.
"""

from __future__ import annotations

import threading
import warnings
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

# absolute imports: the module also loads as a file (``class: .../sevennet_features.py:SevenNetFeatures``)
from descriptor_study.checksums import file_sha256
from descriptor_study.errors import ConfigError, RepresentationError, SpeciesError
from descriptor_study.representations.base import Representation
from descriptor_study.representations.spec import Param
from descriptor_study.versions import package_versions

#: the elements SevenNet-0 has parameters for (its checkpoint's ``chemical_species``)
ELEMENTS = (
    "Ac", "Ag", "Al", "Ar", "As", "Au", "B", "Ba", "Be", "Bi", "Br", "C", "Ca", "Cd", "Ce",
    "Cl", "Co", "Cr", "Cs", "Cu", "Dy", "Er", "Eu", "F", "Fe", "Ga", "Gd", "Ge", "H", "He",
    "Hf", "Hg", "Ho", "I", "In", "Ir", "K", "Kr", "La", "Li", "Lu", "Mg", "Mn", "Mo", "N",
    "Na", "Nb", "Nd", "Ne", "Ni", "Np", "O", "Os", "P", "Pa", "Pb", "Pd", "Pm", "Pr", "Pt",
    "Pu", "Rb", "Re", "Rh", "Ru", "S", "Sb", "Sc", "Se", "Si", "Sm", "Sn", "Sr", "Ta", "Tb",
    "Tc", "Te", "Th", "Ti", "Tl", "Tm", "U", "V", "W", "Xe", "Y", "Yb", "Zn", "Zr",
)  # fmt: skip

#: model name (sevenn's) → (checkpoint directory in sevenn's ``pretrained_potentials``,
#: file name, release date, sevenn version recorded in the checkpoint's config)
CHECKPOINTS = {
    "7net-0": ("SevenNet_0__11Jul2024", "checkpoint_sevennet_0.pth", "2024-07-11", "0.9.1"),
    "7net-0_22may2024": ("SevenNet_0__22May2024", "checkpoint_sevennet_0.pth", "2024-05-22", "0.9.1"),
}

#: the readout module whose input is the representation, and the module before it
READOUT = "reduce_input_to_hidden"
TAPPED = "4_equivariant_gate"
#: what the tapped tensor is, in words (recorded)
TAPPED_TENSOR = f"node feature x (128x0e) leaving {TAPPED}, the input of {READOUT}"
N_FEATURES = 128

_LOCK = threading.Lock()
#: model name → (float64 model, names of the modules run, cutoff): one load per process
_MODELS: dict[str, tuple[Any, tuple[str, ...], float]] = {}
#: checkpoint path → sha256
_SHA256: dict[str, str] = {}


def checkpoint_path(model: str) -> Path:
    """The checkpoint file of ``model`` inside the installed sevenn package (found without
    importing sevenn, which imports torch)."""
    spec = find_spec("sevenn")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"representations.SevenNet: sevenn is not installed (needed for {model})")
    directory, file, _, _ = CHECKPOINTS[model]
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained_potentials" / directory / file


def sha256(path: Path) -> str:
    key = str(path)
    if key not in _SHA256:
        _SHA256[key] = file_sha256(path)
    return _SHA256[key]


def load_model(model: str):
    """(float64 model, names of the modules to run, cutoff) of ``model``, cached per process.

    The float32 model is built as sevenn's calculator builds it (``build_model``, which
    also patches the state dicts of older checkpoints); the float64 model is built from the
    same config under float64 as the default dtype (e3nn's constants in float64) and given
    the float32 model's parameters.  Its buffers (Clebsch-Gordan constants, masks) must
    agree with the float32 model's to float32 round-off, else this is not the same model.
    """
    with _LOCK:
        if model not in _MODELS:
            with warnings.catch_warnings():  # e3nn's and sevenn's torch.jit.script, deprecated in torch 2.13
                warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
                _MODELS[model] = _build(model)
        return _MODELS[model]


def _build(model: str) -> tuple[Any, tuple[str, ...], float]:
    import sevenn._keys as KEY
    import sevenn.atom_graph_data  # forward's modules, imported where their warnings are silenced
    import sevenn.train.dataload
    import sevenn.util
    import torch
    from sevenn.model_build import build_E3_equivariant_model

    path = Path(sevenn.util.pretrained_name_to_path(model))
    expected = checkpoint_path(model)
    if path.resolve() != expected.resolve():
        raise RepresentationError(f"SevenNet: sevenn loads {model} from {path}, not {expected}")
    cp = sevenn.util.load_checkpoint(str(path))
    config = cp.config
    if tuple(sorted(config[KEY.CHEMICAL_SPECIES])) != tuple(sorted(ELEMENTS)):
        raise RepresentationError(f"SevenNet: the elements of {path.name} are not SevenNet-0's 89")
    if str(config.get("version")) != CHECKPOINTS[model][3]:
        raise RepresentationError(
            f"SevenNet: {path.name} was written by sevenn {config.get('version')}, "
            f"not {CHECKPOINTS[model][3]}: not the SevenNet-0 checkpoint this class describes"
        )
    config["_flash_lammps"] = False
    config[KEY.USE_OEQ] = False
    reference = cp.build_model()
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        net = build_E3_equivariant_model(config)
    finally:
        torch.set_default_dtype(default)
    params = dict(reference.named_parameters())
    buffers = dict(reference.named_buffers())
    own_params, own_buffers = dict(net.named_parameters()), dict(net.named_buffers())
    if own_params.keys() != params.keys() or own_buffers.keys() != buffers.keys():
        raise RepresentationError(f"SevenNet: the float64 rebuild of {model} has other tensors than sevenn's model")
    with torch.no_grad():
        for name, p in own_params.items():
            p.copy_(params[name])
    for name, b in own_buffers.items():
        if b.shape != buffers[name].shape or not torch.allclose(b, buffers[name].to(b.dtype), rtol=1e-6, atol=1e-6):
            raise RepresentationError(f"SevenNet: buffer {name} of the float64 rebuild differs from sevenn's")
    net = net.double()
    net.set_is_batch_data(False)
    net.eval()
    names = list(net._modules)
    if READOUT not in names or names.index(READOUT) == 0 or names[names.index(READOUT) - 1] != TAPPED:
        raise RepresentationError(f"SevenNet: {model} has no module {TAPPED} followed by {READOUT}")
    readout = net._modules[READOUT]
    irreps = str(getattr(readout, "irreps_in", ""))
    if readout.key_input != KEY.NODE_FEATURE or irreps != f"{N_FEATURES}x0e":
        raise RepresentationError(f"SevenNet: {READOUT} reads {readout.key_input} ({irreps}), not x (128x0e)")
    return net, tuple(names[: names.index(READOUT)]), float(config[KEY.CUTOFF])


def forward(net, names, cutoff: float, atoms: Atoms):
    """Sevenn's graph of ``atoms`` in float64 after running ``names`` (the data dict)."""
    import sevenn.util
    import torch
    from sevenn.atom_graph_data import AtomGraphData
    from sevenn.train.dataload import unlabeled_atoms_to_graph

    graph = unlabeled_atoms_to_graph(atoms, cutoff, with_shift=False)
    data = AtomGraphData(**{k: sevenn.util.dtype_correct(v, float_dtype=torch.float64) for k, v in graph.items()})
    with torch.no_grad():
        data = net._preprocess(data)
        for name in names:
            data = net._modules[name](data)
            for key, value in list(data.items()):  # the one-hot embedding is made float32
                if isinstance(value, torch.Tensor) and value.dtype == torch.float32:
                    data[key] = value.double()
    return data


class SevenNetFeatures(Representation):
    """SevenNet-0's 128 per-atom scalars entering its energy readout (float64)."""

    name = "SevenNet"
    requires = ("torch", "sevenn")
    extra = "sevennet"
    relative_precision = None
    parameters = (
        Param(
            "model",
            "string",
            "7net-0",
            "SevenNet-0 checkpoint shipped with sevenn: 7net-0 (the 11 Jul 2024 release) or "
            "7net-0_22may2024 (the first release)",
            choices=tuple(CHECKPOINTS),
        ),
    )

    def __init__(self, species, **params) -> None:
        super().__init__(species, **params)
        outside = [s for s in self.species if s not in ELEMENTS]
        if outside:
            raise SpeciesError(
                f"{self.name}: SevenNet-0 has no parameters for {outside} (it covers {len(ELEMENTS)} elements)"
            )
        model = self.params["model"]
        path = checkpoint_path(model)
        if not path.is_file():
            raise ConfigError(f"representations.{self.name}.model: {model}: no checkpoint file {path}")
        directory, _, date, written_by = CHECKPOINTS[model]
        self.params.update(
            model_name="SevenNet-0",
            checkpoint=directory,
            checkpoint_date=date,
            checkpoint_written_by_sevenn=written_by,
            checkpoint_sha256=sha256(path),
            sevenn_version=package_versions("sevenn")["sevenn"],
            tensor=TAPPED_TENSOR,
            dtype="float64",
        )

    @property
    def n_features(self) -> int:
        return N_FEATURES

    def _model(self):
        return load_model(self.params["model"])

    def node_features(self, atoms: Atoms) -> np.ndarray:
        """The rows of every atom of ``atoms`` (float64, atom order)."""
        net, names, cutoff = self._model()
        import sevenn._keys as KEY

        return forward(net, names, cutoff, atoms)[KEY.NODE_FEATURE].detach().numpy().astype(np.float64, copy=True)

    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        rows = self.node_features(atoms)
        return rows if centers is None else rows[centers]

    def _compute_many(self, structures: list[Atoms], n_jobs: int, progress: bool) -> np.ndarray:
        import torch

        torch.set_num_threads(max(1, int(n_jobs)))
        return super()._compute_many(structures, n_jobs, progress)

    def reach(self) -> float | None:
        return None  # message passing: five hops of the 5 Å cutoff

    def library_versions(self) -> dict[str, str]:
        return package_versions("sevenn", "torch", "e3nn")
