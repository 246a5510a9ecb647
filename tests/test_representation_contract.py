"""The contract every representation keeps: one parametrized suite over every registered
representation (the built-ins, installed plugins) and the worked example loaded through
the config's ``class:`` form (``examples/lmbtr.py``).

For each: the feature count equals what the class announces; rotation, translation and
permutation invariance to 1e-9 relative to each row's norm (per-atom rows permute along
with the atoms; a global row stays as it is); rows for chosen centres are the full
evaluation's rows; finite output; a species outside the representation's list is one
SpeciesError line naming it; the ``.h5`` round trip keeps matrix and offsets exactly and
records the resolved parameters; a misspelt key and every bad value are one ConfigError
line naming representation and key.

A user's class is checked the same way with
``DESCRIPTOR_STUDY_CONTRACT="Name=file.py:Class" pytest tests/test_representation_contract.py``
(several separated by commas; ``module:Class`` works too).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from descriptor_study import storage
from descriptor_study.datasets import read_structures
from descriptor_study.errors import ConfigError, SpeciesError, StudyError
from descriptor_study.representations import Param, Representation, registry
from descriptor_study.stages.representations import represent_dataset

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "lmbtr.py"

#: the two species of the test structures, and one no representation is built for
SPECIES = ["Al", "Cu"]
OUTSIDER = "Fe"
TOL = 1e-9


def _cases() -> dict[str, dict[str, Any]]:
    """name → config entry (``class:`` for a local class) of every representation under test:
    the paper's settings (they are fast on these small structures), the example with one
    value given (to see it recorded)."""
    cases: dict[str, dict[str, Any]] = {name: {} for name in registry.names()}
    cases["LMBTR"] = {registry.CLASS_KEY: f"{EXAMPLE}:LMBTR", "n_grid": 20}
    for item in filter(None, os.environ.get("DESCRIPTOR_STUDY_CONTRACT", "").split(",")):
        name, _, target = item.strip().partition("=")
        cases[name] = {registry.CLASS_KEY: target}
    return cases


CASES = _cases()
NAMES = list(CASES)
KINDS = ["cell", "cluster"]


def _class(name: str):
    return registry.split_params(name, CASES[name])[0]


# --- structures --------------------------------------------------------------------------


def periodic_cell() -> Atoms:
    """A rattled periodic Al-Cu cell (8 atoms, oblique fcc primitive cell repeated)."""
    rng = np.random.default_rng(11)
    atoms = bulk("Cu", "fcc", a=3.8).repeat((2, 2, 2))
    atoms.set_chemical_symbols(["Al", "Cu", "Cu", "Al", "Cu", "Al", "Al", "Cu"])
    atoms.positions += rng.normal(scale=0.12, size=atoms.positions.shape)
    return atoms


def cluster() -> Atoms:
    """A rattled Al-Cu octahedron with a centre atom (no cell, no periodicity)."""
    rng = np.random.default_rng(12)
    axes = np.vstack([np.eye(3), -np.eye(3)])
    positions = np.vstack([[0.0, 0.0, 0.0], 2.6 * axes]) + rng.normal(scale=0.15, size=(7, 3))
    return Atoms("CuAl2CuAlCuAl", positions=positions, pbc=False)


STRUCTURES = {"cell": periodic_cell, "cluster": cluster}


def _rotation(seed: int = 3) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q * np.sign(np.linalg.det(q))


@cache
def rep(name: str):
    return registry.build(name, SPECIES, CASES[name])


@cache
def _reference(name: str, kind: str) -> np.ndarray:
    return rep(name).compute(STRUCTURES[kind]())


def reference(name: str, kind: str) -> np.ndarray:
    try:
        return _reference(name, kind)
    except StudyError as exc:
        _fail(f"{name} on {NAMED[kind]}: {exc}")


#: how the structures are named in the suite's sentences
NAMED = {"cell": "the periodic Al-Cu cell", "cluster": "the Al-Cu cluster"}


def tolerance(name: str) -> float:
    """The invariance tolerance of ``name``: TOL, or its declared ``relative_precision`` where
    that is coarser (a float32 model); never finer than what the class states."""
    return max(TOL, rep(name).relative_precision or 0.0)


def _rows_agree(a: np.ndarray, b: np.ndarray, check: str, tol: float = TOL) -> None:
    """Every row of ``b`` equals the row of ``a`` to ``tol`` relative to that row's norm;
    else one sentence: ``check``, the worst row, by how much, and what is allowed."""
    if a.shape != b.shape:
        _fail(f"{check}: {b.shape[0]} rows of {b.shape[1]} columns, expected {a.shape[0]} of {a.shape[1]}")
    diff = np.linalg.norm(a - b, axis=1)
    norm = np.linalg.norm(a, axis=1)
    relative = diff / np.where(norm > 0, norm, 1.0)
    worst = int(np.argmax(relative))
    if not np.all(diff <= tol * norm):
        _fail(
            f"{check}: row {worst} changed by {relative[worst]:.2g} of its norm "
            f"(|dV| = {diff[worst]:.3g}, |V| = {norm[worst]:.3g}); allowed: {tol:g}"
        )


def _fail(sentence: str) -> None:
    """Fail the test with ``sentence`` alone (no assertion dump)."""
    pytest.fail(sentence, pytrace=False)


def _rows(name: str, atoms: Atoms, what: str, centers=None) -> np.ndarray:
    """``name``'s rows of ``atoms``; a representation that breaks the contract while
    computing them (wrong shape, non-finite values) fails with its one line."""
    try:
        return rep(name).compute(atoms, centers=centers)
    except StudyError as exc:
        _fail(f"{name} on {what}: {exc}")


# --- features ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_feature_count_is_what_the_class_announces(name, kind):
    r = rep(name)
    atoms = STRUCTURES[kind]()
    X = reference(name, kind)
    rows = 1 if r.per_structure else len(atoms)
    if X.shape != (rows, r.n_features):
        _fail(f"{name} on {NAMED[kind]}: {X.shape[0]} rows of {X.shape[1]} columns; expected {rows} of {r.n_features}")
    if X.dtype != np.float64:
        _fail(f"{name} on {NAMED[kind]}: rows of type {X.dtype}, expected float64")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_output_is_finite_and_not_empty(name, kind):
    X = reference(name, kind)
    if not np.isfinite(X).all():
        row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        _fail(f"{name} on {NAMED[kind]}: row {row} has {int((~np.isfinite(X[row])).sum())} non-finite values")
    empty = np.flatnonzero(np.linalg.norm(X, axis=1) == 0)
    if len(empty):
        _fail(f"{name} on {NAMED[kind]}: row {int(empty[0])} is all zeros (the atom's neighbours were not seen)")


# --- invariances ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_rotation_invariance(name, kind):
    atoms = STRUCTURES[kind]()
    rot = _rotation()
    turned = atoms.copy()
    if atoms.pbc.any():
        turned.set_cell(atoms.cell.array @ rot.T, scale_atoms=False)
    turned.positions = atoms.positions @ rot.T
    what = f"rotation invariance of {name} on {NAMED[kind]}"
    _rows_agree(reference(name, kind), _rows(name, turned, NAMED[kind]), what, tolerance(name))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_translation_invariance(name, kind):
    atoms = STRUCTURES[kind]()
    moved = atoms.copy()
    moved.positions += np.array([0.37, -1.21, 2.9])
    if atoms.pbc.any():
        moved.wrap()  # the same crystal, atoms put back into the cell
    what = f"translation invariance of {name} on {NAMED[kind]}"
    _rows_agree(reference(name, kind), _rows(name, moved, NAMED[kind]), what, tolerance(name))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_permutation_invariance(name, kind):
    atoms = STRUCTURES[kind]()
    perm = np.random.default_rng(5).permutation(len(atoms))
    assert not np.array_equal(perm, np.arange(len(atoms)))
    X, Y = reference(name, kind), _rows(name, atoms[perm], NAMED[kind])
    # per-atom rows follow their atoms; a global row stays as it is
    what = f"permutation invariance of {name} on {NAMED[kind]} (rows follow their atoms)"
    _rows_agree(X if rep(name).per_structure else X[perm], Y, what, tolerance(name))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_rows_of_chosen_centres_are_rows_of_the_full_evaluation(name, kind):
    r = rep(name)
    atoms = STRUCTURES[kind]()
    if r.per_structure:
        with pytest.raises(ValueError, match="global"):
            r.compute(atoms, centers=[0])
        return
    centres = [4, 0, 2]
    what = f"rows of {name} for centres {centres} of {NAMED[kind]} against the full evaluation's"
    _rows_agree(reference(name, kind)[centres], _rows(name, atoms, NAMED[kind], centres), what, tolerance(name))


# --- species ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_species_outside_the_list_is_one_error_line_naming_it(name):
    atoms = periodic_cell()
    atoms[3].symbol = OUTSIDER
    for call in (
        lambda: rep(name).compute(atoms),
        lambda: rep(name).compute_many([periodic_cell(), atoms], progress=False, source="set.extxyz"),
    ):
        with pytest.raises(SpeciesError) as info:
            call()
        message = str(info.value)
        assert OUTSIDER in message and "\n" not in message
    assert "set.extxyz" in message and "structure 1" in message


# --- storage and recorded parameters ------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=storage._jsonable))


@pytest.mark.parametrize("name", NAMES)
def test_h5_round_trip_keeps_matrix_offsets_and_parameters(name, tmp_path):
    from ase.io import write

    path = tmp_path / "two.extxyz"
    write(path, [periodic_cell(), cluster()], format="extxyz")
    structures = read_structures(path, require_energy=False)
    out = tmp_path / "rep.h5"
    data = represent_dataset(
        dataset_path=path,
        out_path=out,
        representation=name,
        dataset="two",
        params=CASES[name],
        species=SPECIES,
        n_jobs=2,
        progress=False,
    )
    stored = storage.read(out)
    assert np.array_equal(stored.matrix, data.matrix) and stored.matrix.dtype == np.float64
    assert np.array_equal(stored.offsets, data.offsets) and stored.offsets.dtype == np.int64
    r = rep(name)
    rows = [1 if r.per_structure else len(a) for a in structures]
    assert stored.offsets.tolist() == [0, rows[0], rows[0] + rows[1]]
    assert stored.n_atoms.tolist() == [len(a) for a in structures]
    assert stored.representation == name and stored.dataset == "two"
    assert stored.per_structure == r.per_structure
    assert stored.species == SPECIES
    # the batched evaluation gives each structure's own rows
    for k, atoms in enumerate(structures):
        what = f"{name}: the stored rows of structure {k} against its own evaluation"
        _rows_agree(r.compute(atoms), stored.matrix[stored.offsets[k] : stored.offsets[k + 1]], what, 1e-10)
    # the resolved parameters, as the representation records them
    assert stored.params == _jsonable(r.describe()["params"])
    assert stored.derived == _jsonable(r.describe()["derived"])


@pytest.mark.parametrize("name", NAMES)
def test_resolved_parameters_are_recorded(name):
    """describe() records every parameter: the given value, else the default, else (a null
    or symbolic default the class resolves) an allowed value that rebuilds the same rows."""
    cls = _class(name)
    given = {k: v for k, v in CASES[name].items() if k != registry.CLASS_KEY}
    described = rep(name).describe()
    assert described["name"] == name and described["species"] == SPECIES
    params = described["params"]
    assert cls.parameters, f"{name} declares no parameters"
    # declared parameters apart from what the class derives from them
    assert set(params) == {p.name for p in cls.parameters}, f"{name}: params holds more than its declared parameters"
    assert not set(described["derived"]) & set(params), f"{name}: a derived entry shadows a parameter"
    derived = []
    for p in cls.parameters:
        assert p.name in params, f"{name}: parameter {p.name} not recorded"
        expected = given.get(p.name, p.default)
        if params[p.name] != expected:
            assert p.name not in given, f"{name}.{p.name}: given {expected!r}, recorded {params[p.name]!r}"
            p.coerce(params[p.name], f"representations.{name}")  # the recorded value is an allowed one
            derived.append(p.name)
    if derived:  # the record alone rebuilds the representation
        record = {p.name: params[p.name] for p in cls.parameters}
        again = registry.build(
            name, SPECIES, {**{k: v for k, v in CASES[name].items() if k == registry.CLASS_KEY}, **record}
        )
        for kind in KINDS:
            what = f"{name} rebuilt from its recorded parameters, on {NAMED[kind]}"
            _rows_agree(reference(name, kind), again.compute(STRUCTURES[kind]()), what, 1e-12)
    json.dumps(params, default=storage._jsonable)  # the record is JSON: it is stored beside the matrix


# --- invalid parameters ---------------------------------------------------------------------


def _typo(name: str) -> str:
    """A misspelling of the representation's first parameter (its last letter doubled)."""
    cls = _class(name)
    known = {p.name for p in cls.parameters} | {a for p in cls.parameters for a in p.aliases}
    typo = cls.parameters[0].name + cls.parameters[0].name[-1]
    assert typo not in known
    return typo


def _one_line(exc: BaseException, name: str, key: str) -> str:
    message = str(exc)
    assert "\n" not in message, message
    assert f"representations.{name}.{key}" in message, message
    return message


@pytest.mark.parametrize("name", NAMES)
def test_a_misspelt_parameter_is_one_config_error_line(name):
    typo = _typo(name)
    entry = {**CASES[name], typo: 1}
    for call in (lambda: registry.check(name, entry), lambda: registry.build(name, SPECIES, entry)):
        with pytest.raises(ConfigError) as info:
            call()
        message = _one_line(info.value, name, typo)
        assert "unknown parameter" in message
        assert all(p.name in message for p in _class(name).parameters)  # the allowed keys are listed


def _bad_value(p: Param) -> Any:
    """A value outside what ``p`` allows (None where no such value can be written down)."""
    if p.choices is not None:
        return "not-a-choice"
    if p.kind in ("number", "integer"):
        if p.minimum is not None:
            return p.minimum if p.exclusive else p.minimum - 1
        if p.maximum is not None:
            return p.maximum + 1
        return "text" if p.kind == "number" else 2.5
    if p.kind == "boolean":
        return "yes"
    if p.kind == "string":
        return 3.5
    if p.kind in ("list", "mapping"):
        return 3.5
    return None


BAD = [(name, p.name) for name in NAMES for p in _class(name).parameters if _bad_value(p) is not None]


@pytest.mark.parametrize("name, key", BAD, ids=[f"{n}.{k}" for n, k in BAD])
def test_a_bad_value_is_one_config_error_line(name, key):
    p = next(p for p in _class(name).parameters if p.name == key)
    bad = _bad_value(p)
    entry = {**CASES[name], key: bad}
    for call in (lambda: registry.check(name, entry), lambda: registry.build(name, SPECIES, entry)):
        with pytest.raises(ConfigError) as info:
            call()
        message = _one_line(info.value, name, key)
        assert repr(bad) in message and "allowed" in message


@pytest.mark.parametrize("name", NAMES)
def test_every_representation_has_a_bad_value_test(name):
    """Each representation has at least one parameter whose wrong values are tried above."""
    assert any(n == name for n, _ in BAD)


# --- the checks themselves ------------------------------------------------------------------


class _Positions(Representation):
    """Not a representation of environments: each row is the atom's Cartesian position."""

    name = "Positions"
    parameters = (Param("scale", "number", 1.0, "factor on the positions", minimum=0, exclusive=True),)

    @property
    def n_features(self) -> int:
        return 3

    def _compute(self, atoms, centers):
        x = self.params["scale"] * atoms.positions
        return x if centers is None else x[centers]


def test_the_invariance_check_fails_a_representation_that_is_not_invariant():
    atoms = cluster()
    r = _Positions(SPECIES)
    moved = atoms.copy()
    moved.positions += 1e-6  # far below any row norm, far above 1e-9 of it
    with pytest.raises(pytest.fail.Exception, match=r"^translation invariance of Positions: row \d+ changed by "):
        _rows_agree(r.compute(atoms), r.compute(moved), "translation invariance of Positions")
    _rows_agree(r.compute(atoms), r.compute(atoms), "translation invariance of Positions")
