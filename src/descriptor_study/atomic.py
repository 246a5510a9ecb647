"""Atomic writes: the one place that writes to a temporary name and renames.

``atomic_path(dest)`` yields a temporary path beside ``dest``; when the block ends
normally the file is renamed over ``dest`` (an atomic ``os.replace`` in the same
directory), and on any exception it is removed, so a reader never sees a half-written
file and a failed write leaves nothing, not even a directory it had to create.

Temporary names say whose they are: ``.<name>.partial-<host>-<pid>`` (hidden; a
``scratch_dir`` adds ``.d``).  A process killed with SIGKILL cannot clean up, so its
leftovers are removed later: by the next write of the same destination, and by
``runlog.run_step`` in the directories of a job's outputs.  Only leftovers of this
host whose process is gone are removed (``os.kill(pid, 0)`` raises
``ProcessLookupError``); a write in progress, here or on another node of a shared
file system, is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "created_dirs", "is_alive", "remove_stale", "scratch_dir", "temp_name"]

_TAG = "partial"
_LEFTOVER = re.compile(rf"^\.(?P<name>.+)\.{_TAG}-(?P<host>.+)-(?P<pid>\d+)(?P<dir>\.d)?$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "host"


def temp_name(dest: str | os.PathLike, directory: bool = False) -> Path:
    """The temporary name this process uses for ``dest``: ``.<name>.partial-<host>-<pid>``."""
    dest = Path(dest)
    return dest.with_name(f".{dest.name}.{_TAG}-{_host()}-{os.getpid()}" + (".d" if directory else ""))


def is_alive(pid: int) -> bool:
    """True unless no process ``pid`` exists (a process of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(directory: str | os.PathLike, name: str | None = None) -> list[Path]:
    """Remove the temporary files (and scratch directories) in ``directory`` left by dead
    processes of this host; only those for ``name`` when it is given.  Returns what went."""
    directory = Path(directory)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    host = _host()
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if not m or m["host"] != host or (name is not None and m["name"] != name):
            continue
        if is_alive(int(m["pid"])):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:  # another job removed it first
            continue
        removed.append(path)
    return removed


@contextmanager
def created_dirs(directory: str | os.PathLike) -> Iterator[Path]:
    """Make ``directory`` (and missing parents); if the block fails, remove again those of
    them that this call created and that are still empty."""
    directory = Path(directory)
    missing = []
    p = directory
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        yield directory
    except BaseException:
        for p in missing:  # deepest first
            try:
                p.rmdir()
            except OSError:  # not empty (someone else wrote there) or already gone
                break
        raise


def _discard(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def atomic_path(dest: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it over ``dest`` if the block ends
    normally, remove it if the block raises (or is interrupted)."""
    dest = Path(dest)
    with created_dirs(dest.parent):
        remove_stale(dest.parent, dest.name)
        tmp = temp_name(dest)
        try:
            yield tmp
            os.replace(tmp, dest)
        except BaseException:
            _discard(tmp)
            raise


@contextmanager
def scratch_dir(dest: str | os.PathLike) -> Iterator[Path]:
    """A hidden working directory beside ``dest`` (same file system, so a file made in it
    can be renamed to ``dest``), named like the temporary files and always removed."""
    dest = Path(dest)
    with created_dirs(dest.parent):
        remove_stale(dest.parent, dest.name)
        work = temp_name(dest, directory=True)
        _discard(work)
        work.mkdir()
        try:
            yield work
        finally:
            _discard(work)
