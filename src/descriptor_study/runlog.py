"""Running one workflow step as a job: its worker process supervised, bad input ending in one
clear message, its outputs' leftovers removed before and their provenance written after.

Rule scripts call ``run_step(snakemake, main)``: messages go to the rule's log and to
stderr (:mod:`.joblog`); a ``StudyError`` (bad dataset, config or species) ends the job with
its one-line message instead of a traceback, and the rule's outputs are removed by
Snakemake.  Any other exception is a bug: its one line (type and message) goes to the
console and the log, its traceback to the log only.

In a Snakemake script job ``main`` runs in a worker process that the job's own process
supervises (called from elsewhere, it runs in the caller's process): on SIGINT
(Ctrl-C) or SIGTERM the supervisor kills the worker and every process it started at once,
even in the middle of a library call that would not see the signal for minutes, and ends
with one line; the worker dies with its supervisor, so nothing is left running.  A job
that runs long logs a line every ``HEARTBEAT`` seconds.

Before ``main`` runs, temporary files that killed jobs left in the output folders are
removed (``atomic.remove_stale``), and so is the provenance of the outputs about to be
remade.  After ``main`` succeeds, each output gets its provenance record
(:mod:`.provenance`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .atomic import remove_stale
from .errors import StudyError
from .joblog import _log_file, _setup_logging
from .provenance import _files, _named, provenance_path, write_provenance

log = logging.getLogger("descriptor_study")


def run_step(smk: Any, main: Callable[[Any], Mapping[str, Any] | None], supervise: bool | None = None) -> None:
    """Run ``main(smk)`` as one job: see the module docstring.  ``supervise`` (default: in
    a Snakemake script job, where processes can fork) runs it in a supervised worker;
    otherwise it runs here and returns, or exits with the job's code on an error."""
    _setup_logging(getattr(smk, "log", None))
    outputs = _files(getattr(smk, "output", None))
    prepare_outputs(outputs)
    job = job_name(smk)
    if supervise is None:
        supervise = (
            hasattr(os, "fork") and type(smk).__module__.startswith("snakemake.") and type(smk).__name__ == "Snakemake"
        )
    if not supervise:
        code = _run(smk, main, job)
        if code:
            sys.exit(code)
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    parent = os.getpid()
    _prctl(PR_SET_CHILD_SUBREAPER, 1)  # what the worker leaves running becomes ours to stop
    pid = os.fork()
    if pid == 0:  # the worker: computes; the supervisor alone answers interrupts
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with its supervisor
        if os.getppid() != parent:  # the supervisor died before the request took effect
            os._exit(1)
        # a normal exit: the interpreter's shutdown stops the libraries' worker pools (loky)
        sys.exit(_run(smk, main, job))
    sys.exit(_supervise(pid, job, outputs))


def job_name(smk: Any) -> str:
    """``rule wildcard/values`` of a job, as its one-line messages name it."""
    wildcards = _named(getattr(smk, "wildcards", None))
    rule = getattr(smk, "rule", None) or "job"
    return f"{rule} {'/'.join(str(v) for v in wildcards.values())}".strip()


def _run(smk: Any, main: Callable[[Any], Mapping[str, Any] | None], job: str) -> int:
    """``main(smk)`` and the provenance of its outputs; the exit code.  Bad input ends in
    its one line; a bug in its one line on the console and its traceback in the job's log."""
    try:
        resolved = main(smk)
        write_provenance(smk, resolved=resolved)
    except StudyError as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:  # no supervisor (no fork): the interrupt reached this process
        log.error("%s: interrupted; nothing written", job)
        return 130
    except Exception as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        where = f" (traceback in {_log_file()})" if _log_file() else ""
        log.error("%s failed%s: %s: %s%s", job, failed_structure(exc), type(exc).__name__, text, where, exc_info=True)
        return 1
    return 0


def failed_structure(exc: BaseException) -> str:
    """`` on structure 5 of Si-demo (frame 5 of data/Si-demo.extxyz)`` for an exception that a
    representation's code raised while ``Representation.compute_many`` computed one structure
    after another; ``""`` when that is not where it was raised.

    The structure is read from the frames the exception passed through: the index ``k`` of the
    per-structure loop of ``Representation._compute_many``, and the file and dataset of
    ``Representation.compute_many`` that called it, named by ``Representation._structure`` as
    the shape and NaN checks name them.  A class that overrides ``_compute_many`` (a library
    that batches) has no such loop: nothing is added.

    This belongs in that loop itself (catch, name the structure, raise again); it lives here
    because ``representations/base.py`` defines the numbers of the recorded offline
    reproduction, and moves there when that reproduction is next rerun."""
    from .representations.base import Representation

    outer = inner = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code is Representation.compute_many.__code__:
            outer = tb.tb_frame.f_locals
        elif code is Representation._compute_many.__code__ and outer is not None:
            inner = tb.tb_frame.f_locals
        tb = tb.tb_next
    if outer is None or inner is None or not isinstance(inner.get("k"), int):
        return ""
    mine, given = inner.get("structures"), outer.get("structures")
    try:
        # the loop ran over the structures compute_many was given (not a subset of them)
        if len(mine) != len(given) or any(a is not b for a, b in zip(mine, given)):
            return ""
        return " on " + outer["self"]._structure(inner["k"], given, outer["source"], outer["dataset"])
    except Exception:  # whatever the frames hold, the failure line is still written
        return ""


#: seconds between the supervisor's lines saying that a long job is still running
HEARTBEAT = 300.0


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _supervise(pid: int, job: str, outputs: list[str]) -> int:
    """Wait for the worker ``pid``; on SIGINT or SIGTERM stop it and every process it
    started at once (SIGKILL: its files are written under temporary names, so nothing
    half-written remains), say so in one line and return 128 + the signal's number."""

    def stop(signum, frame):
        raise _Stop(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    start = time.monotonic()

    def beat(signum, frame):
        log.info("%s: still running after %.0f min", job, (time.monotonic() - start) / 60)

    signal.signal(signal.SIGALRM, beat)  # waitpid goes on after it (PEP 475)
    signal.setitimer(signal.ITIMER_REAL, HEARTBEAT, HEARTBEAT)
    try:
        _, status = os.waitpid(pid, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
    except _Stop as interrupt:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stopped = _kill_tree(pid)
        _stop_leftovers(job, grace=0.0)
        for folder in sorted({Path(o).parent for o in outputs}):
            remove_stale(folder)
        name = signal.Signals(interrupt.signum).name
        started = f" and the {stopped - 1} process{'es' if stopped > 2 else ''} it started" if stopped > 1 else ""
        log.error(
            "%s: interrupted (%s) after %.0f s: stopped its worker%s; nothing written",
            job,
            name,
            time.monotonic() - start,
            started,
        )
        return 128 + interrupt.signum
    _stop_leftovers(job)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        log.error("%s: its worker process was killed by %s (out of memory?); nothing written", job, name)
        return 1
    return os.WEXITSTATUS(status)


def _kill_tree(pid: int) -> int:
    """SIGKILL ``pid`` and its descendants (found with psutil where installed); how many
    processes that was."""
    procs = [pid]
    try:
        import psutil

        procs += [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except Exception:  # psutil absent, or the worker already gone
        pass
    for p in procs:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            continue
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    return len(procs)


#: prctl options (Linux): the kernel's signal to a child when its parent dies, and the
#: parent that adopts the orphans of its descendants
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36


def _prctl(option: int, value: int) -> None:
    """prctl(2) where the platform has it; nothing elsewhere."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _stop_leftovers(job: str, grace: float = 5.0) -> None:
    """Processes the finished worker left running (adopted by this subreaper): reaped when
    they end within ``grace`` seconds, else killed, with one line."""
    end = time.monotonic() + grace
    while True:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if done:
            continue
        if time.monotonic() >= end:
            break
        time.sleep(0.05)
    try:
        import psutil

        left = psutil.Process().children(recursive=True)
    except Exception:
        return
    for proc in left:
        with contextlib.suppress(Exception):
            proc.kill()
    for proc in left:
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)
    if left:
        log.warning("%s: stopped %d process(es) its worker left running", job, len(left))


def on_terminal() -> bool:
    """Whether this job's stderr is a terminal: progress bars go there only then, not into
    logs or a captured stderr."""
    return sys.stderr.isatty()


def prepare_outputs(outputs: Iterable[str | os.PathLike]) -> None:
    """Remove dead jobs' temporary files from the outputs' folders and the outputs' old
    provenance (it would describe files that are about to be remade)."""
    for folder in sorted({Path(o).parent for o in outputs}):
        for path in remove_stale(folder):
            log.info("removed %s, left by a killed job", path)
    for output in outputs:
        record = provenance_path(output)
        if record is not None:
            record.unlink(missing_ok=True)
