"""The contract every representation keeps, as checks a user can run on their own class.

``descriptor-study check my_reps.py:MyRep`` (:mod:`descriptor_study.cli`) runs every check
below on a class and prints one line per check; ``tests/test_representation_contract.py``
runs the same functions on every registered representation and the worked example.

Each check is a function of a :class:`Subject` (the representation under test, built with
species Al and Cu) and, where it looks at rows, of a structure kind (``cell``: a rattled
periodic Al-Cu cell; ``cluster``: a rattled Al-Cu octahedron).  A check returns when the
class keeps the contract and raises :class:`ContractError` with one sentence naming the
check, the structure, the worst row and by how much when it does not; :class:`NotApplicable`
when the check does not apply (centre rows of a global representation).

What is checked: the feature count the class announces; finite, non-zero rows; rotation,
translation and permutation invariance to 1e-9 relative to each row's norm (per-atom rows
permute along with the atoms; a global row stays as it is); rows for chosen centres are the
full evaluation's rows; ``reach()``: an atom moved just outside the declared reach of a
centre leaves that centre's row unchanged; a species outside the representation's list is
one SpeciesError line naming it; the ``.h5`` round trip keeps matrix and offsets exactly
and records the resolved parameters; ``describe()`` records every declared parameter; a
misspelt key and every bad value are one ConfigError line naming representation and key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from .contract_structures import (
    KINDS,
    NAMED,
    SPECIES,
    STRUCTURES,
    cluster,
    periodic_cell,
    permutation,
    rotation,
    row_changes,
    translated,
)
from .errors import ConfigError, SpeciesError, StudyError

#: a species no representation is built for (the test structures hold SPECIES)
OUTSIDER = "Fe"
#: the invariance tolerance, relative to each row's norm
TOL = 1e-9
#: how far (Å) beyond the declared reach the reach check puts an atom, and how far it moves it
REACH_GAP = 0.02
REACH_MOVE = 1.0


class ContractError(AssertionError):
    """A representation breaks the contract: one sentence naming the check and what is wrong."""


class NotApplicable(Exception):
    """The check does not apply to this representation (the reason is the message)."""


# --- the representation under test ---------------------------------------------------------


class Subject:
    """Representation ``name`` with config entry ``entry`` (which may carry ``class:``),
    built for :data:`SPECIES`; its rows of the test structures computed once."""

    def __init__(self, name: str, entry: dict[str, Any] | None = None) -> None:
        from .representations import registry

        self.name = name
        self.entry = dict(entry or {})
        self.cls = registry.split_params(name, self.entry)[0]
        self._rep = None
        self._references: dict[str, np.ndarray] = {}

    @property
    def rep(self):
        if self._rep is None:
            from .representations import registry

            self._rep = registry.build(self.name, SPECIES, self.entry)
        return self._rep

    def given(self) -> dict[str, Any]:
        """The parameters the entry gives (without ``class:``)."""
        from .representations.registry import CLASS_KEY

        return {k: v for k, v in self.entry.items() if k != CLASS_KEY}

    def tolerance(self) -> float:
        """TOL, or the class's declared ``relative_precision`` where that is coarser (a float32
        model); never finer than what the class states."""
        return max(TOL, self.rep.relative_precision or 0.0)

    def reference(self, kind: str) -> np.ndarray:
        if kind not in self._references:
            self._references[kind] = self.rows(STRUCTURES[kind](), NAMED[kind])
        return self._references[kind]

    def rows(self, atoms: Atoms, what: str, centers=None) -> np.ndarray:
        """The rows of ``atoms``; a representation that breaks the contract while computing
        them (wrong shape, non-finite values) fails with its one line."""
        try:
            return self.rep.compute(atoms, centers=centers)
        except StudyError as exc:
            raise ContractError(f"{self.name} on {what}: {exc}") from None


def rows_agree(a: np.ndarray, b: np.ndarray, check: str, tol: float = TOL) -> None:
    """Every row of ``b`` equals the row of ``a`` to ``tol`` relative to that row's norm;
    else one sentence: ``check``, the worst row, by how much, and what is allowed."""
    if a.shape != b.shape:
        got, expected = f"{b.shape[0]} rows of {b.shape[1]} columns", f"{a.shape[0]} of {a.shape[1]}"
        raise ContractError(f"{check}: {got}, expected {expected}")
    diff, norm, relative = row_changes(a, b)
    worst = int(np.argmax(relative))
    if not np.all(diff <= tol * norm):
        raise ContractError(
            f"{check}: row {worst} changed by {relative[worst]:.2g} of its norm "
            f"(|dV| = {diff[worst]:.3g}, |V| = {norm[worst]:.3g}); allowed: {tol:g}"
        )


def _require(condition: bool, sentence: str) -> None:
    if not condition:
        raise ContractError(sentence)


# --- features ---------------------------------------------------------------------------


def check_feature_count(s: Subject, kind: str) -> None:
    """One row per atom (per structure when global) of ``n_features`` float64 columns."""
    atoms = STRUCTURES[kind]()
    X = s.reference(kind)
    rows = 1 if s.rep.per_structure else len(atoms)
    if X.shape != (rows, s.rep.n_features):
        raise ContractError(
            f"{s.name} on {NAMED[kind]}: {X.shape[0]} rows of {X.shape[1]} columns; "
            f"expected {rows} of {s.rep.n_features}"
        )
    _require(X.dtype == np.float64, f"{s.name} on {NAMED[kind]}: rows of type {X.dtype}, expected float64")


def check_finite_and_not_empty(s: Subject, kind: str) -> None:
    X = s.reference(kind)
    if not np.isfinite(X).all():
        row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        raise ContractError(
            f"{s.name} on {NAMED[kind]}: row {row} has {int((~np.isfinite(X[row])).sum())} non-finite values"
        )
    empty = np.flatnonzero(np.linalg.norm(X, axis=1) == 0)
    if len(empty):
        raise ContractError(
            f"{s.name} on {NAMED[kind]}: row {int(empty[0])} is all zeros (the atom's neighbours were not seen)"
        )


# --- invariances ------------------------------------------------------------------------


def check_rotation_invariance(s: Subject, kind: str) -> None:
    atoms = STRUCTURES[kind]()
    rot = rotation()
    turned = atoms.copy()
    if atoms.pbc.any():
        turned.set_cell(atoms.cell.array @ rot.T, scale_atoms=False)
    turned.positions = atoms.positions @ rot.T
    what = f"rotation invariance of {s.name} on {NAMED[kind]}"
    rows_agree(s.reference(kind), s.rows(turned, NAMED[kind]), what, s.tolerance())


def check_translation_invariance(s: Subject, kind: str) -> None:
    atoms = STRUCTURES[kind]()
    moved = translated(atoms)
    what = f"translation invariance of {s.name} on {NAMED[kind]}"
    rows_agree(s.reference(kind), s.rows(moved, NAMED[kind]), what, s.tolerance())


def check_permutation_invariance(s: Subject, kind: str) -> None:
    atoms = STRUCTURES[kind]()
    perm = permutation(len(atoms))
    X, Y = s.reference(kind), s.rows(atoms[perm], NAMED[kind])
    # per-atom rows follow their atoms; a global row stays as it is
    what = f"permutation invariance of {s.name} on {NAMED[kind]} (rows follow their atoms)"
    rows_agree(X if s.rep.per_structure else X[perm], Y, what, s.tolerance())


def check_centre_rows(s: Subject, kind: str) -> None:
    """Rows of chosen centres are the full evaluation's rows; a global representation
    refuses centres with a ValueError saying it is global."""
    atoms = STRUCTURES[kind]()
    if s.rep.per_structure:
        try:
            s.rep.compute(atoms, centers=[0])
        except ValueError as exc:
            _require("global" in str(exc), f"{s.name}: centres given to a global representation: {exc}")
            return
        raise ContractError(f"{s.name} is global (per_structure) but computed rows for centres [0]")
    centres = [4, 0, 2]
    what = f"rows of {s.name} for centres {centres} of {NAMED[kind]} against the full evaluation's"
    rows_agree(s.reference(kind)[centres], s.rows(atoms, NAMED[kind], centres), what, s.tolerance())


# --- reach ------------------------------------------------------------------------------


def reach_structures(reach: float, kind: str) -> tuple[Atoms, Atoms]:
    """Centre atom 0 (Cu) with two neighbours (Al, Cu) within 2.6 Å, and an Al atom on the far
    side at ``reach`` + REACH_GAP; then the same with that atom REACH_MOVE further out.  Both
    places are outside the reach, so the centre's row must be the same.  ``cell``: in a cubic
    periodic box large enough that no periodic image comes within reach of the centre."""
    direction = -np.array([1.0, 0.6, 0.45]) / np.linalg.norm([1.0, 0.6, 0.45])
    near = np.array([[0.0, 0.0, 0.0], [2.45, 0.12, -0.08], [0.15, 2.55, 0.3]])
    structures = []
    for distance in (reach + REACH_GAP, reach + REACH_GAP + REACH_MOVE):
        positions = np.vstack([near, distance * direction])
        atoms = Atoms("CuAlCuAl", positions=positions, pbc=False)
        if kind == "cell":
            side = 2 * (reach + REACH_GAP + REACH_MOVE) + 8.0
            atoms.set_cell(np.eye(3) * side)
            atoms.pbc = True
            atoms.positions += side / 2
        structures.append(atoms)
    return structures[0], structures[1]


def check_reach(s: Subject, kind: str) -> None:
    """``reach()`` is at least the distance at which an atom can change a centre's row: an atom
    moved from just outside the declared reach of a centre to further out leaves that
    centre's row unchanged (to the invariance tolerance).  The sensitivity study (Figure 4)
    computes only the rows within reach of the moved atom: a reach too short changes its
    curves without a word."""
    rep = s.rep
    if rep.per_structure:
        raise NotApplicable("a global representation: no centre rows")
    reach = rep.reach()
    if reach is None:
        raise NotApplicable("reach() is None: the sensitivity study computes every row")
    reach = float(reach)
    _require(np.isfinite(reach) and reach > 0, f"{s.name}.reach() gave {reach!r}; expected a positive distance in Å")
    before, after = reach_structures(reach, kind)
    where = "a periodic box" if kind == "cell" else "a cluster"
    what = (
        f"reach of {s.name} on {where}: an atom moved from {reach + REACH_GAP:.3g} Å to "
        f"{reach + REACH_GAP + REACH_MOVE:.3g} Å of a centre (reach() = {reach:g} Å) changed that centre's row"
    )
    rows_agree(s.rows(before, where, [0]), s.rows(after, where, [0]), what, s.tolerance())


# --- species ----------------------------------------------------------------------------


def check_outside_species(s: Subject) -> None:
    """A structure with a species outside the list: one SpeciesError line naming it (and, from
    ``compute_many``, naming the file and the structure)."""
    atoms = periodic_cell()
    atoms[3].symbol = OUTSIDER
    calls = (
        ("compute", lambda: s.rep.compute(atoms)),
        ("compute_many", lambda: s.rep.compute_many([periodic_cell(), atoms], progress=False, source="set.extxyz")),
    )
    for method, call in calls:
        try:
            call()
        except SpeciesError as exc:
            message = str(exc)
        except Exception as exc:
            raise ContractError(
                f"{s.name}.{method} of a structure holding {OUTSIDER} raised {type(exc).__name__}: {exc}; "
                "expected a SpeciesError"
            ) from None
        else:
            raise ContractError(f"{s.name}.{method} computed rows of a structure holding {OUTSIDER}, not in {SPECIES}")
        _require(
            OUTSIDER in message and "\n" not in message,
            f"{s.name}.{method}: the SpeciesError is not one line naming {OUTSIDER}: {message!r}",
        )
    _require(
        "set.extxyz" in message and "structure 1" in message,
        f"{s.name}.compute_many: the SpeciesError does not name the file and structure: {message!r}",
    )


# --- storage and recorded parameters ------------------------------------------------------


def _jsonable(value: Any) -> Any:
    from . import storage

    return json.loads(json.dumps(value, default=storage._jsonable))


def check_h5_round_trip(s: Subject, workdir: Path) -> None:
    """``represent_dataset`` and ``storage.read`` keep matrix and offsets exactly, the batched
    rows are each structure's own, and the stored parameters are ``describe()``'s."""
    from ase.io import write

    from . import storage
    from .datasets import read_structures
    from .stages.representations import represent_dataset

    workdir = Path(workdir)
    path = workdir / "two.extxyz"
    write(path, [periodic_cell(), cluster()], format="extxyz")
    structures = read_structures(path, require_energy=False)
    out = workdir / "rep.h5"
    try:
        data = represent_dataset(
            dataset_path=path,
            out_path=out,
            representation=s.name,
            dataset="two",
            params=s.entry,
            species=SPECIES,
            n_jobs=2,
            progress=False,
        )
    except StudyError as exc:
        raise ContractError(f"{s.name}: writing the .h5 of two structures: {exc}") from None
    stored = storage.read(out)
    r = s.rep
    what = f"{s.name}: the .h5 round trip"
    _require(np.array_equal(stored.matrix, data.matrix), f"{what} changed the matrix")
    _require(stored.matrix.dtype == np.float64, f"{what}: matrix of type {stored.matrix.dtype}, expected float64")
    _require(np.array_equal(stored.offsets, data.offsets), f"{what} changed the offsets")
    _require(stored.offsets.dtype == np.int64, f"{what}: offsets of type {stored.offsets.dtype}, expected int64")
    rows = [1 if r.per_structure else len(a) for a in structures]
    expected = [0, rows[0], rows[0] + rows[1]]
    _require(stored.offsets.tolist() == expected, f"{what}: offsets {stored.offsets.tolist()}, expected {expected}")
    _require(stored.n_atoms.tolist() == [len(a) for a in structures], f"{what}: n_atoms {stored.n_atoms.tolist()}")
    _require(
        stored.representation == s.name and stored.dataset == "two",
        f"{what}: stored as {stored.representation!r} of {stored.dataset!r}, expected {s.name!r} of 'two'",
    )
    _require(stored.per_structure == r.per_structure, f"{what}: per_structure {stored.per_structure}")
    _require(stored.species == SPECIES, f"{what}: species {stored.species}, expected {SPECIES}")
    # the batched evaluation gives each structure's own rows
    for k, atoms in enumerate(structures):
        check = f"{s.name}: the stored rows of structure {k} against its own evaluation"
        rows_agree(r.compute(atoms), stored.matrix[stored.offsets[k] : stored.offsets[k + 1]], check, 1e-10)
    # the resolved parameters, as the representation records them
    _require(stored.params == _jsonable(r.describe()["params"]), f"{what}: the stored params are not describe()'s")
    _require(stored.derived == _jsonable(r.describe()["derived"]), f"{what}: the stored derived are not describe()'s")


def check_resolved_parameters(s: Subject) -> None:
    """describe() records every parameter: the given value, else the default, else (a null
    or symbolic default the class resolves) an allowed value that rebuilds the same rows."""
    from . import storage
    from .representations import registry

    cls, name, given = s.cls, s.name, s.given()
    described = s.rep.describe()
    _require(
        described["name"] == name and described["species"] == SPECIES,
        f"{name}: describe() gives name {described['name']!r} and species {described['species']}",
    )
    params = described["params"]
    _require(bool(cls.parameters), f"{name} declares no parameters")
    # declared parameters apart from what the class derives from them
    _require(set(params) == {p.name for p in cls.parameters}, f"{name}: params holds more than its declared parameters")
    _require(not set(described["derived"]) & set(params), f"{name}: a derived entry shadows a parameter")
    derived = []
    for p in cls.parameters:
        _require(p.name in params, f"{name}: parameter {p.name} not recorded")
        expected = given.get(p.name, p.default)
        if params[p.name] != expected:
            _require(p.name not in given, f"{name}.{p.name}: given {expected!r}, recorded {params[p.name]!r}")
            try:
                p.coerce(params[p.name], f"representations.{name}")  # the recorded value is an allowed one
            except ConfigError as exc:
                raise ContractError(f"{name}.{p.name}: the recorded value is not allowed: {exc}") from None
            derived.append(p.name)
    if derived:  # the record alone rebuilds the representation
        record = {p.name: params[p.name] for p in cls.parameters}
        again = registry.build(
            name, SPECIES, {**{k: v for k, v in s.entry.items() if k == registry.CLASS_KEY}, **record}
        )
        for kind in KINDS:
            what = f"{name} rebuilt from its recorded parameters, on {NAMED[kind]}"
            rows_agree(s.reference(kind), again.compute(STRUCTURES[kind]()), what, 1e-12)
    try:
        json.dumps(params, default=storage._jsonable)  # the record is JSON: it is stored beside the matrix
    except (TypeError, ValueError) as exc:
        raise ContractError(f"{name}: describe()['params'] is not JSON: {exc}") from None


# --- invalid parameters ---------------------------------------------------------------------


def typo(s: Subject) -> str:
    """A misspelling of the representation's first parameter (its last letter doubled)."""
    cls = s.cls
    known = {p.name for p in cls.parameters} | {a for p in cls.parameters for a in p.aliases}
    typo = cls.parameters[0].name + cls.parameters[0].name[-1]
    assert typo not in known
    return typo


def _one_config_line(s: Subject, entry: dict[str, Any], key: str, what: str) -> str:
    """The message of the ConfigError that ``registry.check`` and ``registry.build`` raise for
    ``entry``: one line naming ``representations.<name>.<key>``."""
    from .representations import registry

    for call in (lambda: registry.check(s.name, entry), lambda: registry.build(s.name, SPECIES, entry)):
        try:
            call()
        except ConfigError as exc:
            message = str(exc)
        except Exception as exc:
            raised = f"{type(exc).__name__}: {exc}"
            raise ContractError(f"{s.name}: {what} raised {raised}; expected a ConfigError") from None
        else:
            raise ContractError(f"{s.name}: {what} was accepted; expected a ConfigError")
        _require("\n" not in message, f"{s.name}: {what}: the ConfigError is more than one line: {message!r}")
        _require(
            f"representations.{s.name}.{key}" in message,
            f"{s.name}: {what}: the ConfigError does not name representations.{s.name}.{key}: {message!r}",
        )
    return message


def check_misspelt_parameter(s: Subject) -> None:
    bad = typo(s)
    message = _one_config_line(s, {**s.entry, bad: 1}, bad, f"a misspelt parameter {bad!r}")
    _require("unknown parameter" in message, f"{s.name}: a misspelt parameter: {message!r} does not say 'unknown'")
    missing = [p.name for p in s.cls.parameters if p.name not in message]
    _require(not missing, f"{s.name}: a misspelt parameter: the allowed keys {missing} are not listed: {message!r}")


def bad_value(p) -> Any:
    """A value outside what parameter ``p`` allows (None where no such value can be written down)."""
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


def bad_value_keys(s: Subject) -> list[str]:
    """The parameters whose wrong values are tried (those :func:`bad_value` can write down)."""
    return [p.name for p in s.cls.parameters if bad_value(p) is not None]


def check_bad_value(s: Subject, key: str) -> None:
    p = next(p for p in s.cls.parameters if p.name == key)
    bad = bad_value(p)
    message = _one_config_line(s, {**s.entry, key: bad}, key, f"{key}: {bad!r}")
    _require(
        repr(bad) in message and "allowed" in message,
        f"{s.name}.{key}: the ConfigError for {bad!r} does not name the value and what is allowed: {message!r}",
    )


def check_has_bad_value_test(s: Subject) -> None:
    """At least one parameter has wrong values that can be tried."""
    _require(bool(bad_value_keys(s)), f"{s.name}: no parameter has a value that can be checked as wrong")


# --- all of them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One check of one representation: what it is, and the call that runs it."""

    title: str
    run: Callable[[], None]


def checks(s: Subject, workdir: Path) -> Iterator[Check]:
    """Every check of ``s``, in the order the contract lists them (``workdir``: a scratch
    folder for the ``.h5`` round trip)."""
    per_kind = [
        ("feature count", check_feature_count),
        ("finite, non-zero rows", check_finite_and_not_empty),
        ("rotation invariance", check_rotation_invariance),
        ("translation invariance", check_translation_invariance),
        ("permutation invariance", check_permutation_invariance),
        ("rows of chosen centres", check_centre_rows),
    ]
    for title, check in per_kind:
        for kind in KINDS:
            yield Check(f"{title} on {NAMED[kind]}", lambda check=check, kind=kind: check(s, kind))
    for kind, where in (("cell", "in a periodic box"), ("cluster", "in a cluster")):
        yield Check(f"reach() {where}", lambda kind=kind: check_reach(s, kind))
    yield Check("a species outside the list", lambda: check_outside_species(s))
    yield Check(".h5 round trip", lambda: check_h5_round_trip(s, workdir))
    yield Check("resolved parameters recorded", lambda: check_resolved_parameters(s))
    yield Check("a misspelt parameter", lambda: check_misspelt_parameter(s))
    yield Check("a parameter with a checkable wrong value", lambda: check_has_bad_value_test(s))
    for key in bad_value_keys(s):
        yield Check(f"a bad value of {key}", lambda key=key: check_bad_value(s, key))
