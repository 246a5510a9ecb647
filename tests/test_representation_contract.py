"""The contract every representation keeps: one parametrized suite over every registered
representation (the built-ins, installed plugins) and the worked example loaded through
the config's ``class:`` form (``examples/lmbtr.py``).

For each: the feature count equals what the class announces; rotation, translation and
permutation invariance to 1e-9 relative to each row's norm (per-atom rows permute along
with the atoms; a global row stays as it is); rows for chosen centres are the full
evaluation's rows; an atom moved outside ``reach()`` of a centre leaves its row unchanged;
finite output; a species outside the representation's list is one
SpeciesError line naming it; the ``.h5`` round trip keeps matrix and offsets exactly and
records the resolved parameters; a misspelt key and every bad value are one ConfigError
line naming representation and key.

The checks themselves live in :mod:`descriptor_study.contract`, so that a user runs them on
their own class with ``descriptor-study check file.py:Class`` (``tests/test_cli.py``); the
suite here runs them on every registered class.  ``DESCRIPTOR_STUDY_CONTRACT="Name=file.py:Class"
pytest tests/test_representation_contract.py`` adds a class to it (several separated by
commas; ``module:Class`` works too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from descriptor_study import contract
from descriptor_study.contract import KINDS, SPECIES, ContractError, Subject, cluster
from descriptor_study.contract import periodic_cell as periodic_cell  # other tests take it from here
from descriptor_study.representations import Param, Representation, registry

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "lmbtr.py"


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
SUBJECTS: dict[str, Subject] = {}


def subject(name: str) -> Subject:
    """The representation under test, built once (its reference rows computed once)."""
    if name not in SUBJECTS:
        SUBJECTS[name] = Subject(name, CASES[name])
    return SUBJECTS[name]


def _run(check, *args) -> None:
    """Run a check of :mod:`descriptor_study.contract`: a broken contract fails the test with
    its one sentence alone (no assertion dump); a check that does not apply is skipped."""
    try:
        check(*args)
    except ContractError as exc:
        broken = str(exc)
    except contract.NotApplicable as exc:
        pytest.skip(str(exc))
    else:
        return
    pytest.fail(broken, pytrace=False)  # outside the except: no "during handling" second report


# --- features ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_feature_count_is_what_the_class_announces(name, kind):
    _run(contract.check_feature_count, subject(name), kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_output_is_finite_and_not_empty(name, kind):
    _run(contract.check_finite_and_not_empty, subject(name), kind)


# --- invariances ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_rotation_invariance(name, kind):
    _run(contract.check_rotation_invariance, subject(name), kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_translation_invariance(name, kind):
    _run(contract.check_translation_invariance, subject(name), kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_permutation_invariance(name, kind):
    _run(contract.check_permutation_invariance, subject(name), kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_rows_of_chosen_centres_are_rows_of_the_full_evaluation(name, kind):
    _run(contract.check_centre_rows, subject(name), kind)


# --- reach --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_an_atom_outside_the_reach_does_not_change_the_centre_row(name, kind):
    """reach() is what the sensitivity study trusts to leave rows out: an atom moved just
    outside it leaves the centre's row as it is (global ones and reach() None: not applicable)."""
    _run(contract.check_reach, subject(name), kind)


# --- species ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_species_outside_the_list_is_one_error_line_naming_it(name):
    _run(contract.check_outside_species, subject(name))


# --- storage and recorded parameters ------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_h5_round_trip_keeps_matrix_offsets_and_parameters(name, tmp_path):
    _run(contract.check_h5_round_trip, subject(name), tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_resolved_parameters_are_recorded(name):
    """describe() records every parameter: the given value, else the default, else (a null
    or symbolic default the class resolves) an allowed value that rebuilds the same rows."""
    _run(contract.check_resolved_parameters, subject(name))


# --- invalid parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_misspelt_parameter_is_one_config_error_line(name):
    _run(contract.check_misspelt_parameter, subject(name))


BAD = [(name, key) for name in NAMES for key in contract.bad_value_keys(subject(name))]


@pytest.mark.parametrize("name, key", BAD, ids=[f"{n}.{k}" for n, k in BAD])
def test_a_bad_value_is_one_config_error_line(name, key):
    _run(contract.check_bad_value, subject(name), key)


@pytest.mark.parametrize("name", NAMES)
def test_every_representation_has_a_bad_value_test(name):
    """Each representation has at least one parameter whose wrong values are tried above."""
    assert any(n == name for n, _ in BAD)
    _run(contract.check_has_bad_value_test, subject(name))


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
    with pytest.raises(ContractError, match=r"^translation invariance of Positions: row \d+ changed by "):
        contract.rows_agree(r.compute(atoms), r.compute(moved), "translation invariance of Positions")
    contract.rows_agree(r.compute(atoms), r.compute(atoms), "translation invariance of Positions")


def _short_reach(base: str, reach) -> Subject:
    """Built-in ``base`` whose reach() is ``reach(self)`` instead of its own."""
    cls = registry.get_class(base)
    short = type(f"Short{cls.__name__}", (cls,), {"reach": reach, "__module__": __name__})
    s = Subject(base)
    s.cls, s._rep = short, short(SPECIES)
    return s


@pytest.mark.parametrize("kind", KINDS)
def test_the_reach_check_fails_a_reach_shorter_than_the_cutoff(kind):
    """ACSF's rows depend on atoms up to its hard cutoff (6.5 Å): a reach() of 6 Å drops an
    atom that changes the row, and the check says which centre and by how much."""
    s = _short_reach("ACSF", lambda self: float(self.params["cutoff"]) - 0.5)
    with pytest.raises(ContractError, match=r"^reach of ACSF on a (periodic box|cluster): an atom moved from 6\.02 Å"):
        contract.check_reach(s, kind)
    contract.check_reach(_short_reach("ACSF", lambda self: float(self.params["cutoff"])), kind)


def test_the_reach_check_fails_soaplite_without_its_density_padding():
    """SOAPlite's Gaussian densities reach past its cutoff by DScribe's padding (3.7 sigma):
    a reach() of the cutoff alone is the too-short reach that changed Figure 4's curve
    without a word; the check fails it."""
    s = _short_reach("SOAPlite", lambda self: float(self.params["cutoff"]))
    with pytest.raises(ContractError, match=r"^reach of SOAPlite on a cluster: .* changed that centre's row: row 0 "):
        contract.check_reach(s, "cluster")
    contract.check_reach(subject("SOAPlite"), "cluster")
