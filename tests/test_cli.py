"""``descriptor-study check``: the representation contract on a user's class, run as a user
runs it (the installed console script, in a subprocess).  One line per check, passed or
FAILED with the reason; exit 0 when all pass, 1 when any fails."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: a radial distribution of each atom's neighbours, smoothly cut off: it keeps the contract
RADIAL_SOURCE = """\
import numpy as np
from ase.neighborlist import neighbor_list

from descriptor_study.representations import Param, Representation


class Radial(Representation):
    name = "Radial"
    parameters = (
        Param("cutoff", "number", 5.0, "neighbours within this distance", unit="Å", minimum=0, exclusive=True),
        Param("n_grid", "integer", 8, "grid points from 1 Å to the cutoff", minimum=2),
    )

    @property
    def n_features(self):
        return len(self.species) * self.params["n_grid"]

    def _compute(self, atoms, centers):
        cutoff, n = self.params["cutoff"], self.params["n_grid"]
        grid = np.linspace(1.0, cutoff, n)
        i, j, d = neighbor_list("ijd", atoms, cutoff)
        block = np.array([self.species.index(s) for s in atoms.get_chemical_symbols()])[j]
        weight = 0.5 * (np.cos(np.pi * d / cutoff) + 1.0)
        rows = np.zeros((len(atoms), len(self.species), n))
        np.add.at(rows, (i, block), weight[:, None] * np.exp(-((d[:, None] - grid) ** 2) / 0.5))
        rows = rows.reshape(len(atoms), -1)
        return rows if centers is None else rows[centers]

    def reach(self):
        return float(self.params["cutoff"])
"""

#: the same with a reach() of half its cutoff: Figure 4 would drop rows that change
SHORT_REACH_SOURCE = RADIAL_SOURCE.replace(
    'return float(self.params["cutoff"])', 'return 0.5 * float(self.params["cutoff"])'
)


def _command() -> str:
    """The console script installed with the package (beside this interpreter)."""
    script = Path(sys.executable).parent / "descriptor-study"
    found = str(script) if script.exists() else shutil.which("descriptor-study")
    assert found, "the descriptor-study console script is not installed (pip install -e .)"
    return found


def _check(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([_command(), "check", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def _lines(text: str, word: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(rf"^\s*\d+/\d+ {word} ", line)]


@pytest.mark.slow
def test_the_worked_example_keeps_the_contract():
    res = _check("examples/lmbtr.py:LMBTR")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    passed = _lines(res.stdout, "passed")
    titles = [line.split("passed", 1)[1].strip() for line in passed]
    for title in (
        "feature count on the periodic Al-Cu cell",
        "rotation invariance on the Al-Cu cluster",
        "translation invariance on the periodic Al-Cu cell",
        "permutation invariance on the Al-Cu cluster",
        "rows of chosen centres on the periodic Al-Cu cell",
        "a species outside the list",
        ".h5 round trip",
        "resolved parameters recorded",
        "a misspelt parameter",
        "a bad value of n_grid",
        "reach() in a periodic box",  # LMBTR states its reach (the cutoff): checked, and it holds
        "reach() in a cluster",
    ):
        assert title in titles, res.stdout
    assert not _lines(res.stdout, "FAILED|skipped")
    n = len(passed)
    assert all(re.match(rf"^\s*\d+/{n} ", line) for line in passed)
    assert res.stdout.splitlines()[-1] == f"LMBTR: {n} passed, 0 failed"
    assert "Warning" not in res.stderr, res.stderr  # DScribe's known FutureWarning is left out, as in a job


@pytest.mark.slow
def test_a_class_without_reach_is_told_why_its_reach_check_does_not_apply(tmp_path):
    source = RADIAL_SOURCE.split("    def reach(self):")[0]
    assert "reach" not in source
    (tmp_path / "radial.py").write_text(source)
    res = _check(str(tmp_path / "radial.py") + ":Radial")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    skipped = _lines(res.stdout, "skipped")
    assert len(skipped) == 2 and all("reach() is None" in line for line in skipped), res.stdout
    passed = _lines(res.stdout, "passed")
    assert not _lines(res.stdout, "FAILED")
    n = len(passed) + len(skipped)
    assert all(re.match(rf"^\s*\d+/{n} ", line) for line in passed + skipped)
    assert res.stdout.splitlines()[-1] == f"Radial: {len(passed)} passed, 0 failed, 2 not applicable"


@pytest.mark.slow
def test_a_reach_too_short_fails_its_check_and_the_command(tmp_path):
    (tmp_path / "radial.py").write_text(SHORT_REACH_SOURCE)
    res = _check(str(tmp_path / "radial.py") + ":Radial")
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-3000:]
    failed = _lines(res.stdout, "FAILED")
    assert len(failed) == 2, res.stdout
    for line, where in zip(failed, ("periodic box", "cluster")):
        assert re.fullmatch(
            rf"\s*\d+/\d+ FAILED   reach\(\) in a {where}: reach of Radial on a {where}: an atom moved "
            r"from 2\.52 Å to 3\.52 Å of a centre \(reach\(\) = 2\.5 Å\) changed that centre's row: row 0 changed by "
            r"[0-9.e+-]+ of its norm .*; allowed: 1e-09",
            line,
        ), line
    assert "rotation invariance on the Al-Cu cluster" in res.stdout.split("FAILED")[0]  # the others passed
    assert res.stdout.splitlines()[-1].startswith("Radial: ") and ", 2 failed" in res.stdout.splitlines()[-1]


@pytest.mark.slow
def test_the_module_form_and_a_class_that_keeps_the_contract(tmp_path):
    """``module:Class`` from the working directory, as a config's ``class:`` takes it."""
    (tmp_path / "myreps.py").write_text(RADIAL_SOURCE)
    res = _check("myreps:Radial", cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert len(_lines(res.stdout, "passed")) >= 20 and not _lines(res.stdout, "FAILED|skipped")


def test_a_class_that_is_not_there_is_one_line(tmp_path):
    (tmp_path / "radial.py").write_text(RADIAL_SOURCE)
    res = _check(str(tmp_path / "radial.py") + ":Radia")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"descriptor-study check: check {tmp_path / 'radial.py'}:Radia: no class Radia in "
        f"{tmp_path / 'radial.py'} (it defines: Radial)"
    ]
