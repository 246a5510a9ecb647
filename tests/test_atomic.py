"""Atomic writes (descriptor_study.atomic): a write either replaces its destination whole
or leaves nothing, and what a SIGKILLed writer left behind is removed by the next writer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from descriptor_study import atomic
from descriptor_study.atomic import atomic_path, remove_stale, scratch_dir, temp_name

REPO = Path(__file__).resolve().parents[1]


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not atomic.is_alive(proc.pid)
    return proc.pid


def _leftover(dest: Path, pid: int, host: str | None = None, content: bytes = b"half") -> Path:
    """A temporary file of ``dest`` as a writer with ``pid`` would have left it."""
    host = host or atomic._host()
    path = dest.with_name(f".{dest.name}.partial-{host}-{pid}")
    path.write_bytes(content)
    return path


def test_happy_path_replaces_whole_and_leaves_no_temporary(tmp_path):
    dest = tmp_path / "new" / "deeper" / "table.csv"
    with atomic_path(dest) as tmp:
        assert tmp.parent == dest.parent
        assert re.fullmatch(rf"\.table\.csv\.partial-.+-{os.getpid()}", tmp.name)
        tmp.write_text("a,b\n1,2\n")
        assert not dest.exists()  # nothing visible under the real name before the rename
    assert dest.read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["table.csv"]


def test_exception_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    dest = tmp_path / "table.csv"
    dest.write_text("old\n")
    with pytest.raises(RuntimeError, match="boom"), atomic_path(dest) as tmp:
        tmp.write_text("half-writ")
        raise RuntimeError("boom")
    assert dest.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_interrupt_removes_the_temporary_and_the_folders_it_made(tmp_path):
    dest = tmp_path / "made" / "here" / "figure.png"
    with pytest.raises(KeyboardInterrupt), atomic_path(dest) as tmp:
        tmp.write_bytes(b"\x89PNG")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []  # made/ and made/here/ were ours and are empty: gone


def test_failure_keeps_a_folder_that_existed_or_is_not_empty(tmp_path):
    (tmp_path / "kept").mkdir()
    with pytest.raises(ValueError), atomic_path(tmp_path / "kept" / "x.csv") as tmp:
        tmp.write_text("x")
        raise ValueError
    assert (tmp_path / "kept").is_dir() and list((tmp_path / "kept").iterdir()) == []


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from descriptor_study.atomic import atomic_path
    with atomic_path(sys.argv[1]) as tmp:
        tmp.write_bytes(b"half of it")
        print(tmp, flush=True)
        time.sleep(120)
    """
)


def _holder(dest: Path) -> tuple[subprocess.Popen, Path]:
    """A real process that is inside ``atomic_path(dest)`` with its temporary written."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(dest)], stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline().strip()
    assert line, "the writer did not start"
    return proc, Path(line)


def test_sigkill_leftover_is_removed_by_the_next_write(tmp_path):
    dest = tmp_path / "data" / "set.extxyz"
    proc, tmp = _holder(dest)
    try:
        assert tmp.read_bytes() == b"half of it"
        assert tmp.name == f".set.extxyz.partial-{atomic._host()}-{proc.pid}"
        # while the writer lives, another write of the same file leaves its temporary alone
        with atomic_path(dest) as mine:
            mine.write_text("first\n")
        assert tmp.exists() and dest.read_text() == "first\n"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert tmp.exists()  # SIGKILL: the writer could not clean up
    assert not dest.with_name(f".set.extxyz.partial-{atomic._host()}-{os.getpid()}").exists()
    with atomic_path(dest) as mine:
        mine.write_text("second\n")
    assert not tmp.exists()
    assert dest.read_text() == "second\n"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["set.extxyz"]


def test_remove_stale_takes_only_dead_processes_of_this_host(tmp_path):
    dead = _dead_pid()
    gone = [_leftover(tmp_path / "a.csv", dead), _leftover(tmp_path / "b.h5", dead)]
    work = tmp_path / f".c.extxyz.partial-{atomic._host()}-{dead}.d"
    (work / "inner").mkdir(parents=True)
    (work / "inner" / "x.extxyz").write_text("x")
    kept = [
        _leftover(tmp_path / "live.csv", os.getpid()),  # a write in progress
        _leftover(tmp_path / "other.csv", dead, host="another-node"),  # another node's write
        tmp_path / ".hidden-but-not-ours.csv",
        tmp_path / "b.h5",
    ]
    for path in kept[2:]:
        path.write_text("keep")
    assert remove_stale(tmp_path, "a.csv") == [gone[0]]
    assert sorted(remove_stale(tmp_path)) == sorted([gone[1], work])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in kept)
    assert remove_stale(tmp_path / "absent") == []


def test_scratch_dir_is_removed_on_success_and_on_failure(tmp_path):
    dest = tmp_path / "set.extxyz"
    with scratch_dir(dest) as work:
        assert work.name == temp_name(dest, directory=True).name
        (work / "member.extxyz").write_text("x")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OSError), scratch_dir(dest) as work:
        (work / "member.extxyz").write_text("x")
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []


def _write_h5(path):
    from descriptor_study import storage

    storage.write(
        path,
        storage.StoredRepresentation(np.ones((2, 3)), np.array([0, 2]), np.array([2]), "SOAP", "demo", ["Si"], {}, {}),
    )


def _write_csv(path):
    from descriptor_study import storage

    storage.write_csv(pd.DataFrame({"a": [0.1]}), path)


def _write_table(path):
    from descriptor_study.stages.tables import write_table

    write_table(pd.DataFrame({"a": [1]}), path, path.with_suffix(".md"))


def _write_figure(path):
    import matplotlib.pyplot as plt

    from descriptor_study.plotting.style import save

    save(plt.figure(figsize=(1, 1)), path.with_suffix(""))


def _write_extxyz(path):
    from ase.build import bulk

    from descriptor_study.datasets import write_structures

    write_structures(path, [bulk("Si")])


def _write_pinned(path, tmp_path):
    from descriptor_study.datasets import remote

    name = "Si-GAP-RR/targets.txt"
    source = tmp_path / "mirror" / name
    source.parent.mkdir(parents=True)
    source.write_text("1.0\n")
    spec = {"git_sha1": remote.file_git_blob_sha1(source), "sha256": remote.file_sha256(source)}
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(remote.PINNED_FILES, name, spec)
        remote.fetch_pinned_file(name, path, tmp_path / "mirror")


def _unpack(path, tmp_path):
    from descriptor_study.datasets.remote import unpack

    raw = tmp_path / "raw.extxyz"
    raw.write_text("1\n\nSi 0 0 0\n")
    unpack(raw, {"archive": None}, path)


@pytest.mark.parametrize(
    "writer, name",
    [
        (_write_h5, "SOAP.h5"),
        (_write_csv, "curve.csv"),
        (_write_table, "table1.csv"),
        (_write_figure, "figure3.png"),
        (_write_extxyz, "set.extxyz"),
        (_write_pinned, "targets.txt"),
        (_unpack, "data.extxyz"),
    ],
)
def test_every_writer_goes_through_the_helper(tmp_path, writer, name):
    out = tmp_path / "out"
    out.mkdir()
    dest = out / name
    leftover = _leftover(dest, _dead_pid())
    writer(dest, tmp_path) if writer in (_write_pinned, _unpack) else writer(dest)
    assert dest.stat().st_size > 0
    assert not leftover.exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
