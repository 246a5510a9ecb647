"""Faults in a user's representation, and interrupts, through the repository's Snakefile.

A representation added by config (``class: grdf.py:GRDF``) is the user's code: whatever it
gets wrong must end in one line that names what and where, leave nothing behind, and a fix
to it must rerun what it made.  ``GRDF`` below is a real descriptor (Gaussian-smeared
radial distribution of each atom's neighbours, averaged over them) with the bug a user
easily writes: the average divides by the neighbour count, which is 0 for the isolated
atom that Si-demo holds, so that row is 0/0 = NaN.

* non-finite rows stop the ``represent`` job (one line: representation, dataset,
  structure, frame, atom, columns; no file); a stored matrix with NaN (a file made
  elsewhere) is refused by the reader that every later stage uses; the sensitivity curves
  refuse non-finite rows too;
* rows of the wrong shape and a class or module that cannot be loaded end in one line;
* a bug's traceback is in the job's log, its one line on the console;
* editing the plugin's code, or a built-in's, reruns exactly the jobs that compute it
  (a comment or docstring edit reruns nothing);
* SIGINT (Ctrl-C) stops a job at once, even one whose code holds signals off as a long
  library call does, with one line, no traceback, no process left and nothing written.

The tests that run the workflow start from a copy of one folder where it has generated
Si-demo (the ``si_demo`` fixture: file times and Snakemake's records kept, so the dataset
is up to date there and no test generates it again), the three edit tests from a copy of
one where it has also made the built-ins' jobs they share (``first_run``); what each test
checks starts after that.
They share one xdist group ("faults_user_code"), so one worker makes each fixture once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from conftest import job_output, run_snakemake, snakemake_command, snakemake_env
from test_faults import _group_gone, _leftovers

from descriptor_study import storage
from descriptor_study.errors import ConfigError, DatasetError, RepresentationError
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]

GRDF_SOURCE = '''\
"""GRDF: Gaussian-smeared radial distribution of each atom's neighbours, averaged over them."""

import numpy as np
from ase.neighborlist import neighbor_list

from descriptor_study.representations import Param, Representation

WIDTH = 0.5  # Å², the Gaussians' variance


class GRDF(Representation):
    name = "GRDF"
    parameters = (
        Param("cutoff", "number", 5.0, "neighbours within this distance", unit="Å", minimum=0, exclusive=True),
        Param("n_grid", "integer", 8, "grid points from 1 Å to the cutoff", minimum=2),
    )

    @property
    def n_features(self):
        return self.params["n_grid"]

    def _compute(self, atoms, centers):
        cutoff, n = self.params["cutoff"], self.params["n_grid"]
        grid = np.linspace(1.0, cutoff, n)
        i, d = neighbor_list("id", atoms, cutoff)
        rows = np.zeros((len(atoms), n))
        np.add.at(rows, i, np.exp(-((d[:, None] - grid) ** 2) / WIDTH))
        with np.errstate(invalid="ignore"):
            rows = rows / np.bincount(i, minlength=len(atoms))[:, None]  # the mean over the neighbours
        return rows if centers is None else rows[centers]
'''

#: the fix: an atom without neighbours has an empty distribution
FIXED = GRDF_SOURCE.replace(
    "np.bincount(i, minlength=len(atoms))[:, None]", "np.maximum(np.bincount(i, minlength=len(atoms)), 1)[:, None]"
)

CONFIG = """\
data: {mirror: null, cache: data/cache}
datasets:
  Si-demo: {generator: si_demo, seed: 7, n_structures: 12}
representations:
  GRDF: {class: grdf.py:GRDF}
  ACSF: {}
  MBTR: {n_grid: 20}
sensitivity:
  representations: {GRDF: {}}
dimensionality: {methods: [pca], fps_dataset: Si-demo}
threads: 1
"""

REPRESENT_GRDF = "results/representations/Si-demo/GRDF.h5"


def _study(work: Path) -> tuple[str, ...]:
    """One core and the config of ``work`` (``work/config.yaml``)."""
    return ("--configfile", str(work / "config.yaml"), "--cores", "1")  # targets may follow


def _work(tmp_path: Path, source: str = GRDF_SOURCE, config: str = CONFIG, start: Path | None = None) -> Path:
    """``tmp_path/work`` with the class file and the config: a copy of the folder ``start``
    (file times, symlinks and Snakemake's records in ``.snakemake/`` kept), or empty."""
    work = tmp_path / "work"
    if start is None:
        work.mkdir()
    else:
        shutil.copytree(start, work, symlinks=True)
    (work / "grdf.py").write_text(source)
    (work / "config.yaml").write_text(config)
    return work


@pytest.fixture(scope="module")
def si_demo(tmp_path_factory) -> Path:
    """A folder where the workflow has generated CONFIG's Si-demo and nothing else (the
    dataset's job depends on none of the representations the tests change)."""
    work = _work(tmp_path_factory.mktemp("si-demo"), FIXED)
    res = run_snakemake(work, *_study(work), "data/Si-demo.extxyz")
    assert res.returncode == 0, res.stderr[-3000:]
    assert (work / "data/Si-demo.extxyz").is_file() and not (work / "results").exists()
    return work


def _planned(result: subprocess.CompletedProcess) -> dict[str, int]:
    """rule -> number of jobs of a dry run's job table."""
    out = result.stdout + result.stderr
    table = re.search(r"Job stats:\n(.*?)\n\n", out, re.S)
    if table is None:
        assert "Nothing to be done" in out, out[-3000:]
        return {}
    rows = [line.split() for line in table.group(1).splitlines()[2:]]
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[0] != "total"}


def _lines(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


# --- non-finite rows ---------------------------------------------------------------------


def _isolated_atom_index(work: Path) -> int:
    from ase.io import read

    frames = read(work / "data/Si-demo.extxyz", ":")
    single = [k for k, atoms in enumerate(frames) if len(atoms) == 1]
    assert single, "Si-demo holds no isolated atom"
    return single[0]


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_nan_rows_stop_the_represent_job_with_one_line_and_no_file(tmp_path, si_demo):
    work = _work(tmp_path, start=si_demo)
    res = run_snakemake(work, *_study(work), REPRESENT_GRDF)
    assert res.returncode != 0
    k = _isolated_atom_index(work)
    expected = (
        f"GRDF gave non-finite values for structure {k} of Si-demo (frame {k} of data/Si-demo.extxyz), atom 0: "
        "8 of 8 columns are NaN (1 row of 1 structure in all); nothing written"
    )
    said = _lines(job_output(res.stderr), "non-finite")
    assert len(said) == 1 and said[0].endswith(expected), res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    log = (work / "logs/representations/Si-demo/GRDF.log").read_text()
    assert expected in log
    assert not (work / REPRESENT_GRDF).exists()
    assert _leftovers(work) == []

    # the fix reruns the job (its code changed), and the rows are finite
    (work / "grdf.py").write_text(FIXED)
    res = run_snakemake(work, *_study(work), REPRESENT_GRDF)
    assert res.returncode == 0, res.stderr[-3000:]
    stored = storage.read(work / REPRESENT_GRDF)
    assert np.all(np.isfinite(stored.matrix))
    start = stored.offsets[k]
    assert np.array_equal(stored.matrix[start], np.zeros(8))  # no neighbours: an empty distribution


def _grdf_class(tmp_path: Path, source: str = GRDF_SOURCE):
    (tmp_path / "grdf_lib.py").write_text(source)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return registry.get_class("GRDF", "grdf_lib.py:GRDF")
    finally:
        os.chdir(cwd)


def _structures() -> list[Atoms]:
    crystal = bulk("Si", "diamond", a=5.43, cubic=True)
    crystal.rattle(0.05, seed=1)
    return [crystal, Atoms("Si", positions=[[0, 0, 0]]), Atoms("Si2", positions=[[0, 0, 0], [0, 0, 2.3]])]


def test_compute_many_refuses_nan_and_names_structure_atom_and_columns(tmp_path):
    rep = _grdf_class(tmp_path)(["Si"])
    with pytest.raises(RepresentationError) as exc:
        rep.compute_many(_structures(), progress=False, source="data/mine.extxyz", dataset="mine")
    assert str(exc.value) == (
        "GRDF gave non-finite values for structure 1 of mine (frame 1 of data/mine.extxyz), atom 0: "
        "8 of 8 columns are NaN (1 row of 1 structure in all); nothing written"
    )
    # the source frame of a structure converted from another file is named too
    structures = _structures()
    structures[1].info["source_file"] = "isolated.xsf"
    with pytest.raises(RepresentationError, match=r"\(frame 1 of data/mine.extxyz; source_file isolated.xsf\)"):
        rep.compute_many(structures, progress=False, source="data/mine.extxyz", dataset="mine")


def test_the_sensitivity_rows_refuse_nan_too(tmp_path):
    rep = _grdf_class(tmp_path)(["Si"])
    with pytest.raises(RepresentationError) as exc:
        rep.compute_batch(_structures(), source="the fig5a path")
    assert str(exc.value) == (
        "GRDF._compute returned non-finite values for structure 1 of the fig5a path, atom 0: 8 of 8 columns are NaN"
    )


def _stored(matrix: np.ndarray, offsets, per_structure: bool = False) -> storage.StoredRepresentation:
    offsets = np.asarray(offsets)
    return storage.StoredRepresentation(
        matrix=matrix,
        offsets=offsets,
        n_atoms=np.diff(offsets),
        representation="GRDF",
        dataset="Si-demo",
        species=["Si"],
        params={},
        versions={},
        per_structure=per_structure,
    )


@pytest.mark.parametrize(
    "bad, per_structure, where, what",
    [
        ([(7, 2, np.nan)], False, "structure 2, atom 3", "1 of 5 columns is NaN (1 row of 1 structure in all)"),
        (
            [(1, 0, np.inf), (1, 4, np.nan), (9, 1, -np.inf)],
            False,
            "structure 0, atom 1",
            "2 of 5 columns are NaN and inf (2 rows of 2 structures in all)",
        ),
        ([(4, 0, np.nan)], True, "structure 4", "1 of 5 columns is NaN (1 row of 1 structure in all)"),
    ],
    ids=["nan", "nan and inf", "global"],
)
def test_a_stored_matrix_with_nonfinite_values_is_refused_by_its_readers(tmp_path, bad, per_structure, where, what):
    """A file made elsewhere (or before the check): every stage reads it through
    ``storage.read``, which names the structure and atom and removes a workflow file."""
    matrix = np.random.default_rng(0).normal(size=(10, 5))
    for row, column, value in bad:
        matrix[row, column] = value
    offsets = np.arange(11) if per_structure else [0, 2, 4, 10]
    path = tmp_path / "results/representations/Si-demo/GRDF.h5"
    storage.write(path, _stored(matrix, offsets, per_structure))
    with pytest.raises(DatasetError) as exc:
        storage.read(path)
    assert str(exc.value) == (
        f"{path}: corrupt representation file (non-finite values at {where}: {what}); removed it: rebuild it "
        f"and everything made from it with `snakemake --forcerun {path}`"
    )
    assert not path.exists()


# --- rows of the wrong shape, classes that cannot be loaded ----------------------------------


def test_rows_of_the_wrong_shape_name_the_method_and_structure(tmp_path):
    short = GRDF_SOURCE.replace(
        "        return rows if centers is None else rows[centers]",
        "        rows = rows[:, :-1] if len(atoms) == 2 else rows\n"
        "        return rows if centers is None else rows[centers]",
    ).replace("/ np.bincount(i, minlength=len(atoms))[:, None]", "")
    rep = _grdf_class(tmp_path, short)(["Si"])
    with pytest.raises(RepresentationError) as exc:
        rep.compute_many(_structures(), progress=False, source="data/mine.extxyz", dataset="mine")
    assert str(exc.value) == (
        "GRDF._compute returned 7 columns for structure 2 of mine (frame 2 of data/mine.extxyz); n_features is 8"
    )
    with pytest.raises(RepresentationError) as exc:
        rep.compute_batch(_structures(), source="the fig4 path")
    assert str(exc.value) == "GRDF._compute returned 7 columns for structure 2 of the fig4 path; n_features is 8"


def test_a_class_that_is_not_in_the_file_lists_what_is(tmp_path, monkeypatch):
    (tmp_path / "grdf.py").write_text(GRDF_SOURCE)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as exc:
        registry.get_class("GRDF", "grdf.py:GRDFX")
    assert str(exc.value) == "representations.GRDF.class: no class GRDFX in grdf.py (it defines: GRDF)"
    with pytest.raises(ConfigError) as exc:
        registry.get_class("GRDF", "grdf.py:neighbor_list")
    assert str(exc.value) == (
        "representations.GRDF.class: neighbor_list in grdf.py is a function, not a Representation subclass"
    )


@pytest.mark.parametrize(
    "line, error",
    [
        ("WIDTH = HALF_WIDTH * 2", "NameError: name 'HALF_WIDTH' is not defined"),
        ("def broken(:", "SyntaxError: invalid syntax"),
        ("import grdf_helpers", "ModuleNotFoundError: No module named 'grdf_helpers'"),
    ],
    ids=["name", "syntax", "import"],
)
def test_a_module_that_fails_to_import_names_its_file_and_line(tmp_path, monkeypatch, line, error):
    source = GRDF_SOURCE.replace("WIDTH = 0.5  # Å², the Gaussians' variance", line)
    number = source.splitlines().index(line) + 1
    (tmp_path / "grdf.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as exc:
        registry.get_class("GRDF", "grdf.py:GRDF")
    assert str(exc.value) == f"representations.GRDF.class: cannot import 'grdf.py': grdf.py, line {number}: {error}"


@pytest.mark.slow
def test_a_config_naming_a_missing_class_stops_before_any_job(tmp_path):
    work = _work(tmp_path, config=CONFIG.replace("grdf.py:GRDF", "grdf.py:GRDFX"))
    res = run_snakemake(work, *_study(work), "-n")
    assert res.returncode != 0
    said = _lines(res.stderr, "GRDFX")
    assert len(said) == 1 and said[0].startswith("Invalid configuration: "), res.stderr[-3000:]
    assert said[0].endswith("representations.GRDF.class: no class GRDFX in grdf.py (it defines: GRDF)"), said


# --- a bug's traceback in the job's log ------------------------------------------------------


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_a_bug_is_one_line_on_the_console_and_its_traceback_in_the_log(tmp_path, si_demo):
    buggy = GRDF_SOURCE.replace(
        "        cutoff, n = self.params",
        "        assert len(atoms) > 1, 'no neighbours'\n        cutoff, n = self.params",
    )
    work = _work(tmp_path, buggy, start=si_demo)
    res = run_snakemake(work, *_study(work), REPRESENT_GRDF)
    assert res.returncode != 0
    log_path = "logs/representations/Si-demo/GRDF.log"
    said = _lines(job_output(res.stderr), "AssertionError")
    assert len(said) == 1, res.stderr[-3000:]
    k = _isolated_atom_index(work)  # the structure it fails on is named
    failed = f"represent Si-demo/GRDF failed on structure {k} of Si-demo (frame {k} of data/Si-demo.extxyz)"
    line = f"{failed}: AssertionError: no neighbours (traceback in {log_path})"
    assert said[0].endswith(line), said
    # the run ends with it again, read from the job's log, after everything Snakemake says
    assert res.stderr.rstrip().splitlines()[-2:] == [f"Failed: represent Si-demo/GRDF (log: {log_path}):", f"  {line}"]
    assert "Traceback" not in res.stderr
    log = (work / log_path).read_text()
    assert f"{failed}: AssertionError: no neighbours" in log
    assert "Traceback (most recent call last)" in log
    assert re.search(r'grdf\.py", line \d+, in _compute', log), log
    assert not (work / REPRESENT_GRDF).exists()


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_an_exception_of_a_users_class_names_the_structure_and_frame(tmp_path, si_demo):
    """A class raising on one structure of the dataset (the 15-atom cell of Si-demo's extxyz):
    the job's one line names the structure and its frame, as the NaN and shape checks do."""
    toy = FIXED.replace(
        "        cutoff, n = self.params",
        "        if len(atoms) == 15:\n            raise ValueError('toy failure on this cell')\n"
        "        cutoff, n = self.params",
    )
    work = _work(tmp_path, toy, start=si_demo)
    res = run_snakemake(work, *_study(work), REPRESENT_GRDF)
    assert res.returncode != 0
    from ase.io import read

    frames = read(work / "data/Si-demo.extxyz", ":")
    k = next(k for k, atoms in enumerate(frames) if len(atoms) == 15)  # the first the loop meets
    assert k > 0
    said = _lines(job_output(res.stderr), "toy failure")
    assert len(said) == 1, res.stderr[-3000:]
    assert said[0].endswith(
        f"represent Si-demo/GRDF failed on structure {k} of Si-demo (frame {k} of data/Si-demo.extxyz): "
        "ValueError: toy failure on this cell (traceback in logs/representations/Si-demo/GRDF.log)"
    ), said
    assert not (work / REPRESENT_GRDF).exists()


def test_a_failure_in_the_base_loop_is_named_and_in_a_loop_of_its_own_is_not(tmp_path):
    """The structure is named from the frames of the base class's per-structure loop; a class
    overriding ``_compute_many`` (a library's own loop) has none, and the failure line adds
    nothing rather than guess."""
    from descriptor_study.runlog import failed_structure

    toy = FIXED.replace(
        "        cutoff, n = self.params",
        "        if len(atoms) == 1:\n            raise ValueError('toy failure')\n        cutoff, n = self.params",
    )
    cls = _grdf_class(tmp_path, toy)

    def own_loop(self, structures, n_jobs, progress):
        return np.vstack([self._compute(atoms, None) for atoms in structures])

    looped = type("Looped", (cls,), {"_compute_many": own_loop, "__module__": cls.__module__})
    for rep, named in (
        (cls(["Si"]), " on structure 1 of mine (frame 1 of data/mine.extxyz)"),
        (looped(["Si"]), ""),
    ):
        with pytest.raises(ValueError, match="toy failure") as info:
            rep.compute_many(_structures(), progress=False, source="data/mine.extxyz", dataset="mine")
        assert failed_structure(info.value) == named


# --- code edits rerun what they change -------------------------------------------------------

#: ACSF's sensitivity curves computed too (a built-in beside the user's class)
ACSF_CURVES_CONFIG = CONFIG.replace("GRDF: {}", "GRDF: {}, ACSF: {}")


@pytest.fixture(scope="module")
def first_run(si_demo, tmp_path_factory) -> Path:
    """``si_demo`` with the built-ins' jobs that the three edit tests below run first, made
    once: the matrices of ACSF and MBTR and ACSF's sensitivity curves (ACSF_CURVES_CONFIG).
    Each test writes its class file and config over a copy and runs its targets to the end
    first, where those are up to date; GRDF's jobs run in each copy (the class file's path
    is one of their parameters, and each copy has its own)."""
    work = _work(tmp_path_factory.mktemp("first-run"), FIXED, ACSF_CURVES_CONFIG, start=si_demo)
    targets = [f"results/representations/Si-demo/{r}.h5" for r in ("ACSF", "MBTR")]
    res = run_snakemake(work, *_study(work), *targets, "results/sensitivity/fig4/ACSF.csv")
    assert res.returncode == 0, res.stderr[-3000:]
    return work


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_editing_a_plugin_or_a_parameter_reruns_exactly_the_jobs_it_affects(tmp_path, first_run):
    """A plugin's code edit reruns its jobs and what reads them; scripts get every parameter
    through params, so Snakemake's params trigger sees a changed one: a sensitivity override
    reruns that representation's curves only, a main parameter its matrix and what reads
    it, not the curves the override fixes."""
    config = CONFIG.replace("GRDF: {class: grdf.py:GRDF}", "GRDF: {class: grdf.py:GRDF, n_grid: 8}")
    config = config.replace("representations: {GRDF: {}}", "representations: {GRDF: {n_grid: 6}}")
    work = _work(tmp_path, FIXED, config, start=first_run)
    targets = [
        REPRESENT_GRDF,
        "results/representations/Si-demo/ACSF.h5",
        "results/sensitivity/fig4/GRDF.csv",
        "results/dimensionality/pca/Si-demo/GRDF.csv",
    ]
    res = run_snakemake(work, *_study(work), *targets)
    assert res.returncode == 0, res.stderr[-3000:]

    def planned() -> dict[str, int]:
        res = run_snakemake(work, *_study(work), "-n", *targets)
        assert res.returncode == 0, res.stderr[-3000:]
        return _planned(res)

    assert planned() == {}

    # comments, docstrings and layout are not code
    (work / "grdf.py").write_text(FIXED.replace("# the mean over the neighbours", "# mean over neighbours") + "\n\n")
    assert planned() == {}

    # a changed number is
    (work / "grdf.py").write_text(FIXED.replace("WIDTH = 0.5", "WIDTH = 0.4"))
    res = run_snakemake(work, *_study(work), "-n", *targets)
    assert _planned(res) == {"represent": 1, "sensitivity_curve": 1, "select_features": 1}, res.stdout[-3000:]
    assert "wildcards: dataset=Si-demo, rep=GRDF" in res.stdout
    assert "Params have changed since last execution" in res.stdout
    (work / "grdf.py").write_text(FIXED)
    assert planned() == {}

    # parameters
    def planned_with(text: str) -> dict[str, int]:
        (work / "config.yaml").write_text(text)
        return planned()

    assert planned_with(config.replace("{GRDF: {n_grid: 6}}", "{GRDF: {n_grid: 7}}")) == {"sensitivity_curve": 1}
    main = config.replace("grdf.py:GRDF, n_grid: 8}", "grdf.py:GRDF, n_grid: 9}")
    assert planned_with(main) == {"represent": 1, "select_features": 1}
    override = config.replace("{GRDF: {n_grid: 6}}", "{GRDF: {n_grid: 6, cutoff: 4.5}}")
    assert planned_with(override) == {"sensitivity_curve": 1}
    assert planned_with(config) == {}


#: the class file imports a module beside it (as a user splits their code)
HELPER_SOURCE = '"""Settings of the GRDF class beside it."""\n\nWIDTH = 0.5  # Å², the variance of the Gaussians\n'
WITH_HELPER = FIXED.replace("WIDTH = 0.5  # Å², the Gaussians' variance", "from grdf_settings import WIDTH")


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_a_class_file_imports_a_module_beside_it_and_editing_that_module_reruns_its_jobs(tmp_path, first_run):
    """``class: grdf.py:GRDF`` whose file does ``from grdf_settings import WIDTH``: the file's
    folder is importable, so the jobs run; the helper is part of the class's code, so an edit
    of it reruns GRDF's jobs and only them (a comment edit reruns nothing)."""
    assert "from grdf_settings import WIDTH" in WITH_HELPER
    work = _work(tmp_path, WITH_HELPER, ACSF_CURVES_CONFIG, start=first_run)
    (work / "grdf_settings.py").write_text(HELPER_SOURCE)
    targets = [REPRESENT_GRDF, "results/representations/Si-demo/ACSF.h5"]
    targets += ["results/sensitivity/fig4/GRDF.csv", "results/sensitivity/fig4/ACSF.csv"]
    res = run_snakemake(work, *_study(work), *targets)
    assert res.returncode == 0, res.stderr[-3000:]
    assert storage.read(work / REPRESENT_GRDF).matrix.shape[1] == 8

    def planned() -> dict[str, int]:
        res = run_snakemake(work, *_study(work), "-n", *targets)
        assert res.returncode == 0, res.stderr[-3000:]
        return _planned(res)

    assert planned() == {}
    (work / "grdf_settings.py").write_text(HELPER_SOURCE.replace("the variance of the Gaussians", "variance"))
    assert planned() == {}
    (work / "grdf_settings.py").write_text(HELPER_SOURCE.replace("WIDTH = 0.5", "WIDTH = 0.4"))
    res = run_snakemake(work, *_study(work), "-n", *targets)
    assert _planned(res) == {"represent": 1, "sensitivity_curve": 1}, res.stdout[-3000:]
    assert "rep=GRDF" in res.stdout and "rep=ACSF" not in res.stdout
    assert "Params have changed since last execution" in res.stdout


def test_a_class_file_beside_its_helper_leaves_the_built_ins_fingerprints_as_they_were(tmp_path):
    """Loading a class file puts its folder on the import path; the built-ins' code fingerprints
    are the same with or without it (their jobs do not rerun), and the class's holds its helper."""
    (tmp_path / "grdf.py").write_text(WITH_HELPER)
    (tmp_path / "grdf_settings.py").write_text(HELPER_SOURCE)
    script = (
        "import json, sys\n"
        "from descriptor_study.representations import registry\n"
        "from descriptor_study.representations.fingerprint import fingerprint\n"
        "mine = {}\n"
        "if len(sys.argv) > 1:\n"
        "    mine = fingerprint('GRDF', {'class': sys.argv[1]})\n"
        "print(json.dumps({'built_ins': {n: fingerprint(n) for n in registry.builtin_names()}, 'mine': mine}))\n"
    )

    def fingerprints(*args: str) -> dict:
        res = subprocess.run(
            [sys.executable, "-c", script, *args], cwd=REPO, env=snakemake_env(), capture_output=True, text=True
        )
        assert res.returncode == 0, res.stderr[-3000:]
        return json.loads(res.stdout)

    plain, loaded = fingerprints(), fingerprints(f"{tmp_path / 'grdf.py'}:GRDF")
    assert plain["built_ins"] and loaded["built_ins"] == plain["built_ins"]
    assert "grdf_settings.py" in loaded["mine"]["modules"] and "grdf.py" in loaded["mine"]["modules"]


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_editing_a_built_in_reruns_the_jobs_of_that_representation_only(tmp_path, first_run):
    """The package copied aside and put first on the path: ACSF's module edited, ACSF's
    jobs (Si-demo's matrix and the sensitivity curves) rerun, MBTR's and GRDF's do not."""
    copy = tmp_path / "src"
    shutil.copytree(
        REPO / "src/descriptor_study", copy / "descriptor_study", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = snakemake_env(front=str(copy))
    work = _work(tmp_path, FIXED, ACSF_CURVES_CONFIG, start=first_run)
    targets = [f"results/representations/Si-demo/{r}.h5" for r in ("ACSF", "MBTR", "GRDF")]
    targets += ["results/sensitivity/fig4/ACSF.csv"]
    res = run_snakemake(work, *_study(work), *targets, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    assert _planned(run_snakemake(work, *_study(work), "-n", *targets, env=env)) == {}

    acsf = copy / "descriptor_study/representations/acsf.py"
    acsf.write_text(acsf.read_text().replace('"""', '"""Edited. ', 1))  # the docstring: nothing reruns
    assert _planned(run_snakemake(work, *_study(work), "-n", *targets, env=env)) == {}
    acsf.write_text(acsf.read_text() + "\n_EDITED = True\n")
    res = run_snakemake(work, *_study(work), "-n", *targets, env=env)
    assert _planned(res) == {"represent": 1, "sensitivity_curve": 1}, res.stdout[-3000:]
    assert "wildcards: dataset=Si-demo, rep=ACSF" in res.stdout and "rep=MBTR" not in res.stdout


# --- interrupts --------------------------------------------------------------------------------

SLOW_SOURCE = '''\
"""A radial count that holds SIGINT and SIGTERM off while it computes, as a long call into
a compiled library does (Python sees a signal only when the call returns)."""

import signal
import subprocess
import time

import numpy as np

from descriptor_study.representations import Param, Representation


class Slow(Representation):
    name = "Slow"
    parameters = (Param("cutoff", "number", 5.0, "cutoff", unit="Å", minimum=0, exclusive=True),)

    @property
    def n_features(self):
        return 1

    def _compute(self, atoms, centers):
        helper = subprocess.Popen(["sleep", "600"])  # a process of its own, as a parallel library starts
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        print("computing", helper.pid, flush=True)
        time.sleep(600)
        return np.full((len(atoms), 1), float(len(atoms)))
'''


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_ctrl_c_stops_a_job_at_once_with_one_line_and_leaves_no_process(tmp_path, si_demo):
    config = CONFIG.replace("GRDF: {class: grdf.py:GRDF}", "Slow: {class: slow.py:Slow}").replace("GRDF", "Slow")
    work = _work(tmp_path, config=config, start=si_demo)
    (work / "grdf.py").unlink()
    (work / "slow.py").write_text(SLOW_SOURCE)
    out = tmp_path / "console.txt"
    command = snakemake_command(work, *_study(work), "results/representations/Si-demo/Slow.h5")
    with open(out, "w") as console:
        # its own process group, as a shell gives a foreground command: Ctrl-C signals the group
        proc = subprocess.Popen(
            command, cwd=REPO, env=snakemake_env(), stdout=console, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 300
        while "computing" not in out.read_text():
            assert proc.poll() is None, out.read_text()[-3000:]
            assert time.monotonic() < deadline, "the job never started computing"
            time.sleep(0.2)
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)
        start = time.monotonic()
        proc.wait(timeout=60)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert took < 20, f"the run took {took:.0f} s to stop"
    assert _group_gone(proc.pid, timeout=10), "a process of the interrupted run is still running"
    text = out.read_text()
    helper = int(re.search(r"computing (\d+)", text).group(1))
    assert not _alive(helper), "the process the job started is still running"
    said = _lines(job_output(text), "interrupted")
    assert len(said) == 1 and re.search(
        r"represent Si-demo/Slow: interrupted \(SIGINT\) after \d+ s: stopped its worker and the 1 process it "
        r"started; nothing written$",
        said[0],
    ), text[-3000:]
    assert "KeyboardInterrupt" not in text and "Traceback" not in text
    assert said[0].split("descriptor_study: ")[-1] in (work / "logs/representations/Si-demo/Slow.log").read_text()
    assert not (work / "results/representations/Si-demo/Slow.h5").exists()
    # Snakemake's own mark of the interrupted job stays; with no output behind it, it does not
    # stand in the way: the next run plans the job as missing, no --rerun-incomplete needed
    assert [p for p in _leftovers(work) if not p.startswith(".snakemake/incomplete/")] == []
    res = run_snakemake(work, *_study(work), "-n", "results/representations/Si-demo/Slow.h5")
    assert res.returncode == 0 and _planned(res) == {"represent": 1}, res.stdout[-3000:]


# --- the contract suite on a user's class --------------------------------------------------

NOMIC_SOURCE = (
    GRDF_SOURCE.replace(
        '        i, d = neighbor_list("id", atoms, cutoff)',
        "        # distances without the minimum-image convention: wrong across a periodic boundary\n"
        "        d_all = atoms.get_all_distances(mic=False)\n"
        "        i, j = np.nonzero((d_all < cutoff) & (d_all > 0))\n"
        "        d = d_all[i, j]",
    )
    .replace("class GRDF", "class NoMic")
    .replace('name = "GRDF"', 'name = "NoMic"')
)


@pytest.mark.slow
def test_the_contract_suite_reports_a_broken_class_in_sentences(tmp_path):
    """``DESCRIPTOR_STUDY_CONTRACT=Name=file.py:Class pytest tests/test_representation_contract.py``
    as docs/adding-a-representation.md says: a class that ignores periodic images breaks
    translation invariance in the periodic cell, and the failure says so in one sentence."""
    (tmp_path / "nomic.py").write_text(NOMIC_SOURCE)
    env = snakemake_env(DESCRIPTOR_STUDY_CONTRACT=f"NoMic={tmp_path / 'nomic.py'}:NoMic")
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-rf"]
    command += ["tests/test_representation_contract.py", "-k", "NoMic and invariance"]
    res = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 1, res.stdout[-3000:]
    failed = _lines(res.stdout, "FAILED")
    assert len(failed) == 1, res.stdout[-3000:]
    assert "test_translation_invariance[NoMic-cell]" in failed[0]
    # the failure's whole report is one line of its own; the short summary line repeats it after
    # "FAILED ... - Failed: " when the terminal is wide enough (CI's is), so it is not counted
    said = [line for line in _lines(res.stdout, "translation invariance of NoMic") if not line.startswith("FAILED")]
    assert len(said) == 1 and re.fullmatch(
        r"translation invariance of NoMic on the periodic Al-Cu cell: row \d+ changed by [0-9.e+-]+ of its norm "
        r"\(\|dV\| = [0-9.e+-]+, \|V\| = [0-9.e+-]+\); allowed: 1e-09",
        said[0],
    ), res.stdout[-3000:]
    assert "assert " not in res.stdout and "AssertionError" not in res.stdout


def test_a_long_computation_logs_its_progress(tmp_path, monkeypatch, caplog):
    from descriptor_study.representations import base

    monkeypatch.setattr(base, "PROGRESS_EVERY", 0.0)  # every structure, instead of every 30 s
    rep = _grdf_class(tmp_path, FIXED)(["Si"])
    with caplog.at_level("INFO", logger="descriptor_study"):
        rep.compute_many(_structures(), progress=True, source="data/mine.extxyz", dataset="mine")
    lines = [r.getMessage() for r in caplog.records if r.name == "descriptor_study.representations.base"]
    assert [re.sub(r" in \d+ s$", "", line) for line in lines] == [f"GRDF: {k} of 3 structures" for k in (1, 2, 3)]


@pytest.mark.xdist_group("faults_user_code")
@pytest.mark.slow
def test_a_process_a_finished_job_left_running_is_stopped(tmp_path, si_demo):
    """A class that starts a process and does not wait for it: when its job ends, the
    process is stopped (one warning in the log), not left running without a parent."""
    source = FIXED.replace(
        "    def _compute(self, atoms, centers):\n",
        "    def _compute(self, atoms, centers):\n"
        "        import subprocess\n\n"
        "        if len(atoms) == 1:  # started and forgotten\n"
        "            print('started', subprocess.Popen(['sleep', '600']).pid, flush=True)\n",
    )
    work = _work(tmp_path, source, start=si_demo)
    res = run_snakemake(work, *_study(work), REPRESENT_GRDF)
    assert res.returncode == 0, res.stderr[-3000:]
    left = int(re.search(r"started (\d+)", res.stdout + res.stderr).group(1))
    assert not _alive(left), "the process the job started was left running"
    log = (work / "logs/representations/Si-demo/GRDF.log").read_text()
    assert "represent Si-demo/GRDF: stopped 1 process(es) its worker left running" in log
