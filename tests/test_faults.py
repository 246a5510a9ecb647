"""Faults: a damaged representation file, and the real workflow killed mid-job.

* ``storage.read`` checks every ``.h5`` it reads (HDF5 errors, missing datasets or
  attributes, offsets that do not fit the matrix, the SHA-256 stored at write time) and
  ends with one ``DatasetError`` naming the file; a damaged file in the workflow's
  ``representations/<dataset>/`` folder is deleted, so that the next ``snakemake`` run
  rebuilds it.
* The repository's own Snakefile on a tiny config (one generated dataset of 20 structures,
  ACSF and MBTR, CUR, RR/KRR with the cross-validated search), run into temporary folders:
  killed with SIGKILL in the middle of jobs and rerun with ``--rerun-incomplete``, and with
  a representation file damaged after a finished run, it ends with the CSVs of an
  uninterrupted run, byte for byte, and no temporary file anywhere.  One uninterrupted run
  is made; each of the two tests starts from a copy of it (file times and Snakemake's
  records kept), the killed run with MBTR's matrix and everything made from it taken out.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import job_output, run_snakemake, snakemake_command, snakemake_env

from descriptor_study import storage
from descriptor_study.errors import DatasetError

REPO = Path(__file__).resolve().parents[1]


# --- storage.read on damaged files ------------------------------------------------------


def _stored(seed: int = 0) -> storage.StoredRepresentation:
    rng = np.random.default_rng(seed)
    n_atoms = rng.integers(1, 6, size=40)
    offsets = np.concatenate([[0], np.cumsum(n_atoms)])
    return storage.StoredRepresentation(
        matrix=rng.normal(size=(offsets[-1], 64)),
        offsets=offsets,
        n_atoms=n_atoms,
        representation="ACSF",
        dataset="Si-demo",
        species=["Si"],
        params={"r_cut": 6.5},
        versions={"numpy": np.__version__},
    )


def _intermediate(tmp_path: Path, data=None) -> Path:
    """A representation file where the workflow keeps them."""
    path = tmp_path / "results" / "representations" / "Si-demo" / "ACSF.h5"
    storage.write(path, data or _stored())
    return path


def _damage_matrix(path: Path, n_bytes: int = 16) -> None:
    """Flip ``n_bytes`` bytes in the middle of the stored matrix (the file stays valid HDF5)."""
    with h5py.File(path, "r") as h5:
        start, size = h5["matrix"].id.get_offset(), h5["matrix"].id.get_storage_size()
    assert start is not None and size > n_bytes
    with open(path, "r+b") as fh:
        fh.seek(start + size // 2)
        chunk = fh.read(n_bytes)
        fh.seek(start + size // 2)
        fh.write(bytes(255 - b for b in chunk))


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message, message
    return message


def test_intact_file_reads_back_with_its_checksum(tmp_path):
    data = _stored()
    path = _intermediate(tmp_path, data)
    with h5py.File(path, "r") as h5:
        stored_sum = h5.attrs[storage.CHECKSUM_ATTR]
    assert stored_sum == storage.checksum(data.matrix, data.offsets, data.n_atoms)
    assert re.fullmatch(r"[0-9a-f]{64}", stored_sum)
    back = storage.read(path)
    assert np.array_equal(back.matrix, data.matrix) and np.array_equal(back.offsets, data.offsets)
    assert back.params == {"r_cut": 6.5} and back.species == ["Si"]
    # the checksum covers every array: one changed value or offset changes it
    other = data.matrix.copy()
    other[3, 7] = np.nextafter(other[3, 7], np.inf)
    assert storage.checksum(other, data.offsets, data.n_atoms) != stored_sum
    assert storage.checksum(data.matrix, data.offsets[::-1], data.n_atoms) != stored_sum


def test_flipped_bytes_in_the_matrix_are_detected_and_the_file_removed(tmp_path):
    path = _intermediate(tmp_path)
    _damage_matrix(path)
    with h5py.File(path, "r") as h5:  # HDF5 itself reads the damaged values without complaint
        assert h5["matrix"].shape == (_stored().offsets[-1], 64)
    with pytest.raises(DatasetError) as exc:
        storage.read(path)
    assert _one_line(exc) == (
        f"{path}: corrupt representation file (its data no longer match the checksum stored when it was "
        f"written); removed it: rebuild it and everything made from it with `snakemake --forcerun {path}`"
    )
    assert not path.exists()


def test_a_damaged_file_outside_the_workflow_folder_is_reported_and_kept(tmp_path):
    path = tmp_path / "mine.h5"
    storage.write(path, _stored())
    _damage_matrix(path)
    with pytest.raises(DatasetError) as exc:
        storage.read(path)
    assert _one_line(exc).endswith(
        f"; delete it and rebuild it and everything made from it with `snakemake --forcerun {path}`"
    )
    assert path.exists()
    with pytest.raises(DatasetError, match="removed it"):  # unless asked to
        storage.read(path, remove_corrupt=True)
    assert not path.exists()


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda b: b[: len(b) // 2], "truncated file"),
        (lambda b: b"", "file signature not found"),
        (lambda b: b"\0" * 8 + b[8:], "file signature not found"),
        (lambda b: b"x,y\n1,2\n", "file signature not found"),
    ],
    ids=["truncated", "empty", "header overwritten", "not hdf5"],
)
def test_unreadable_files_end_in_one_line(tmp_path, damage, reason):
    path = _intermediate(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DatasetError) as exc:
        storage.read(path)
    message = _one_line(exc)
    assert message.startswith(f"{path}: corrupt representation file (HDF5 cannot read it: OSError: ")
    assert reason in message and message.endswith(
        f"removed it: rebuild it and everything made from it with `snakemake --forcerun {path}`"
    )
    assert not path.exists()


def _edit(path: Path, how) -> None:
    with h5py.File(path, "a") as h5:
        how(h5)


@pytest.mark.parametrize(
    "how, reason",
    [
        (lambda h5: h5.__delitem__("n_atoms"), "(n_atoms missing)"),
        (lambda h5: h5.attrs.__delitem__("species"), "(attribute species missing)"),
        (lambda h5: h5.attrs.__setitem__("params", "{not json"), "(an attribute is damaged (JSONDecodeError: "),
        (lambda h5: h5["offsets"].__setitem__(-1, 5), "(offsets do not split the matrix's "),
        (
            lambda h5: (h5.__delitem__("matrix"), h5.create_dataset("matrix", data=np.zeros(7))),
            "(matrix has shape (7,) and type float64, not a 2-D float array)",
        ),
    ],
    ids=["dataset missing", "attribute missing", "attribute damaged", "offsets", "matrix shape"],
)
def test_inconsistent_files_end_in_one_line(tmp_path, how, reason):
    """Damage that passes HDF5 (here made without the checksum, as in a file written before
    it existed, so the layout checks are what finds it)."""
    path = _intermediate(tmp_path)
    _edit(path, lambda h5: h5.attrs.__delitem__(storage.CHECKSUM_ATTR))
    _edit(path, how)
    with pytest.raises(DatasetError) as exc:
        storage.read(path)
    message = _one_line(exc)
    assert message.startswith(f"{path}: corrupt representation file {reason}"), message
    assert not path.exists()


def test_a_file_written_before_checksums_still_reads(tmp_path):
    data = _stored()
    path = _intermediate(tmp_path, data)
    _edit(path, lambda h5: h5.attrs.__delitem__(storage.CHECKSUM_ATTR))
    back = storage.read(path)
    assert np.array_equal(back.matrix, data.matrix) and back.n_structures == 40


def test_a_locked_file_is_reported_but_not_removed(tmp_path):
    """A lock held by another process is no damage: the file must survive."""
    if os.environ.get("HDF5_USE_FILE_LOCKING", "").upper() == "FALSE":
        pytest.skip("HDF5 file locking is switched off in this environment")
    path = _intermediate(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, h5py; f = h5py.File(sys.argv[1], 'a'); print('open', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(DatasetError) as exc:
            storage.read(path)
    finally:
        holder.communicate("", timeout=60)
    message = _one_line(exc)
    assert message.startswith(f"{path}: HDF5 cannot lock the file (") and "HDF5_USE_FILE_LOCKING=FALSE" in message
    assert path.exists()
    assert storage.read(path).matrix.shape == (_stored().offsets[-1], 64)


def test_a_missing_file_says_how_to_build_it(tmp_path):
    with pytest.raises(DatasetError) as exc:
        storage.read(tmp_path / "results/representations/Si-demo/SOAP.h5")
    assert _one_line(exc).endswith("SOAP.h5: no such representation file; run snakemake to build it")


# --- the workflow, killed and damaged -------------------------------------------------

TINY_CONFIG = """\
datasets:
  Si-demo: {generator: si_demo, seed: 7, n_structures: 20}
representations:
  ACSF: {}
  MBTR: {}
dimensionality:
  methods: [cur]
  fps_dataset: Si-demo
  standardised_mbtr_dataset: null
  ace_degree_dataset: null
regression:
  datasets: [Si-demo]
  split: {file: null, train_fraction: 0.8, seed: 0}
  search: true
  n_top: 10
threads: 1
"""

#: temporary names: the atomic writer's ``.<name>.partial-<host>-<pid>`` and any ``*.tmp*``
_TEMPORARY = re.compile(r"\.partial-|\.tmp")


def _study(directory: Path) -> tuple[str, ...]:
    """One core and the config beside ``directory`` (``<name>.yaml``)."""
    return ("--configfile", str(directory.parent / f"{directory.name}.yaml"), "--cores", "1")  # targets may follow


def _workdir(base: Path, name: str) -> Path:
    directory = base / name
    directory.mkdir()
    (base / f"{name}.yaml").write_text(TINY_CONFIG)
    return directory


def _copy(finished: Path, base: Path, name: str) -> Path:
    """The finished run ``finished`` copied to ``base/name``, with the config beside it: file
    times, symlinks and Snakemake's records in ``.snakemake/`` kept, so that the copy is as
    up to date as the run it was made from."""
    directory = base / name
    shutil.copytree(finished, directory, symlinks=True)
    (base / f"{name}.yaml").write_text(TINY_CONFIG)
    return directory


def _take_out(directory: Path, target: str) -> list[str]:
    """Removes ``target`` and everything made from it (the jobs a dry run with ``--forcerun
    target`` plans: their outputs, logs, benchmarks and provenance records), leaving the
    folder as a run that has not reached them yet leaves it. Returns the planned rules."""
    res = run_snakemake(directory, *_study(directory), "-n", "--forcerun", target)
    assert res.returncode == 0, res.stderr[-4000:]
    text = res.stdout + res.stderr
    for kind, names in re.findall(r"^ +(output|log|benchmark): (.+)$", text, re.M):
        for name in names.split(", "):
            records = [directory / "provenance" / f"{name}.json"] if kind == "output" else []
            for path in [directory / name, *records]:
                path.unlink(missing_ok=True)
    assert not (directory / target).exists(), text[-3000:]
    return re.findall(r"^(?:local)?rule (\w+):$", text, re.M)


def _csvs(directory: Path) -> dict[str, bytes]:
    """Every CSV under results/; of the cards' league table, every column but the measured
    cost (a job's seconds and memory differ from run to run: docs/report-card.md)."""
    out = {}
    for p in sorted((directory / "results").rglob("*.csv")):
        if p.name == "league.csv":
            league = pd.read_csv(p, dtype=str, keep_default_na=False)
            assert any(c.startswith("cost: ") for c in league.columns)
            out[str(p.relative_to(directory))] = (
                league.drop(columns=[c for c in league.columns if c.startswith("cost: ")]).to_csv(index=False).encode()
            )
        else:
            out[str(p.relative_to(directory))] = p.read_bytes()
    return out


def _leftovers(directory: Path) -> list[str]:
    """Temporary or partial files and folders anywhere under ``directory``, hidden ones
    included, and Snakemake's marks of an unfinished job or a held lock.

    Not counted: ``.snakemake/scripts``, where Snakemake keeps its copy of each job's script
    while the job runs; a killed job's copy stays (Snakemake's own leftover, named by
    Snakemake alone, so nothing of this project can tell it from a running job's)."""
    found = []
    for root, dirs, files in os.walk(directory):
        rel = Path(root).relative_to(directory)
        if rel.parts[:1] == (".snakemake",):
            if rel.parts[1:] in {("incomplete",), ("locks",), ("shadow",)}:
                found += [str(rel / name) for name in files + dirs]
            continue
        for name in files + dirs:
            if rel == Path(".") and name == ".snakemake":
                continue
            if name.startswith(".") or _TEMPORARY.search(name):
                found.append(str(rel / name))
    return sorted(found)


def _group_gone(pgid: int, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _run_and_kill(directory: Path, trigger, *args: str) -> tuple[list[str], Path | None]:
    """Start the workflow in its own process group; when ``trigger()`` returns a path, stop
    the whole group (SIGSTOP), and if that path is still there, SIGKILL it. Returns what the
    run had printed and the path that was there when it died."""
    log = directory.parent / f"{directory.name}.{time.monotonic_ns()}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            snakemake_command(directory, *_study(directory), *args),
            cwd=REPO,
            env=snakemake_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            hit = trigger()
            if hit is not None:
                os.killpg(proc.pid, signal.SIGSTOP)
                if hit.exists():
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=60)
                    assert _group_gone(proc.pid), "a process of the killed run survived SIGKILL"
                    return log.read_text().splitlines(), hit
                os.killpg(proc.pid, signal.SIGCONT)  # it was renamed just before the stop: go on
            if proc.poll() is not None:
                pytest.fail(
                    f"the run ended (exit {proc.returncode}) before it could be killed:\n" + log.read_text()[-3000:]
                )
            time.sleep(0.003)
        pytest.fail("the trigger never fired")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _partial_file(directory: Path):
    """A trigger: the first temporary file of a write in progress under results/ or data/."""

    def trigger():
        for top in ("results", "data"):
            for root, _dirs, files in os.walk(directory / top):
                for name in files:
                    if name.startswith(".") and _TEMPORARY.search(name):
                        return Path(root) / name
        return None

    return trigger


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: its folder and the bytes of every CSV under results/ (the tests
    work on copies: the folder stays as the run left it)."""
    directory = _workdir(tmp_path_factory.mktemp("faults"), "reference")
    res = run_snakemake(directory, *_study(directory))
    assert res.returncode == 0, res.stderr[-4000:]
    csvs = _csvs(directory)
    assert {
        "results/tables/table1.csv",
        "results/tables/regression_best.csv",
        "results/regression/rr/Si-demo/MBTR.csv",
        "results/dimensionality/cur/Si-demo/ACSF.csv",
    } <= set(csvs)
    assert _leftovers(directory) == []
    return directory, csvs


@pytest.mark.xdist_group("faults_reference")  # one worker makes the reference run for both
@pytest.mark.slow
def test_sigkill_mid_job_then_rerun_incomplete_gives_the_same_csvs(reference, tmp_path):
    """The study from MBTR's representation on, killed twice and resumed, ends with the CSVs
    of the uninterrupted run. It starts from a copy of that run with MBTR's matrix and every
    job made from it taken out (MBTR's CUR ranking and regressions, the tables, figures,
    report and cards: 12 of its 19 jobs), as a run that has made the dataset and ACSF's
    results leaves it; the jobs it kills and all after them run in it."""
    finished, expected = reference
    directory = _copy(finished, tmp_path, "killed")
    rerun = _take_out(directory, "results/representations/Si-demo/MBTR.h5")
    assert {"represent", "select_features", "regress", "table1", "regression_table", "cards"} <= set(rerun), rerun
    assert "dataset" not in rerun

    # 1. killed while MBTR's representation job computes (its log has just been opened)
    mbtr_log = directory / "logs/representations/Si-demo/MBTR.log"
    assert not mbtr_log.exists()
    _run_and_kill(directory, lambda: mbtr_log if mbtr_log.exists() else None)
    assert not (directory / "results/representations/Si-demo/MBTR.h5").exists()  # nothing half-written
    assert (directory / ".snakemake/locks").is_dir() and any((directory / ".snakemake/locks").iterdir())

    # 2. resumed, and killed again while a job writes its output (its temporary file exists)
    assert run_snakemake(directory, *_study(directory), "--unlock").returncode == 0
    _, partial = _run_and_kill(directory, _partial_file(directory), "--rerun-incomplete")
    assert partial.exists()  # the killed writer's temporary file, for the next run to clear

    # 3. resumed to the end
    assert run_snakemake(directory, *_study(directory), "--unlock").returncode == 0
    res = run_snakemake(directory, *_study(directory), "--rerun-incomplete")
    assert res.returncode == 0, res.stderr[-4000:]
    assert not partial.exists()
    assert _leftovers(directory) == []
    got = _csvs(directory)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from the uninterrupted run"


@pytest.mark.xdist_group("faults_reference")
@pytest.mark.slow
def test_corrupted_representation_is_detected_then_rebuilt(reference, tmp_path):
    finished, expected = reference
    directory = _copy(finished, tmp_path, "damaged")
    h5 = directory / "results/representations/Si-demo/MBTR.h5"
    before = storage.read(h5).matrix
    _damage_matrix(h5)

    # the next run reruns what reads it (the file is newer): the reader stops with one line
    res = run_snakemake(directory, *_study(directory))
    assert res.returncode != 0
    lines = [line for line in job_output(res.stderr).splitlines() if "corrupt representation file" in line]
    assert len(lines) == 1, res.stderr[-4000:]
    assert lines[0].endswith(
        "results/representations/Si-demo/MBTR.h5: corrupt representation file (its data no longer match the "
        "checksum stored when it was written); removed it: rebuild it and everything made from it with "
        "`snakemake --forcerun results/representations/Si-demo/MBTR.h5`"
    )
    assert "Traceback" not in res.stderr
    assert not h5.exists()

    # a plain rerun leaves the missing intermediate alone (the results after it exist); the
    # command the message names rebuilds it, and everything after it, as before
    res = run_snakemake(directory, *_study(directory), "--forcerun", "results/representations/Si-demo/MBTR.h5")
    assert res.returncode == 0, res.stderr[-4000:]
    assert "rule represent:" in res.stdout + res.stderr
    assert np.array_equal(storage.read(h5).matrix, before)
    got = _csvs(directory)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{name} differs from the uninterrupted run"
    assert _leftovers(directory) == []
