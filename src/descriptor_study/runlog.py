"""Run a workflow step with its log file, turning bad input into one clear message.

Rule scripts call ``run_step(snakemake, main)``: messages go to the rule's log and to
stderr; a ``StudyError`` (bad dataset, config or species) ends the job with its one-line
message instead of a traceback, and the rule's outputs are removed by Snakemake.  Any
other exception is a bug: its one line (type and message) goes to the console and the log,
its traceback to the log only.  The log names each line's level; ``failure_lines`` reads a
job's ERROR lines back from it, and the Snakefile's ``onerror`` prints those of every failed
job as a failed run's last lines (``failed_jobs_report``).  Known noise of pinned libraries
(jax's backend probing, DScribe's call of a deprecated ASE method) is left out of the
console and the log; every other warning shows.

In a Snakemake script job ``main`` runs in a worker process that the job's own process
supervises (called from elsewhere, it runs in the caller's process): on SIGINT
(Ctrl-C) or SIGTERM the supervisor kills the worker and every process it started at once,
even in the middle of a library call that would not see the signal for minutes, and ends
with one line; the worker dies with its supervisor, so nothing is left running.  A job
that runs long logs a line every ``HEARTBEAT`` seconds.

Before ``main`` runs, temporary files that killed jobs left in the output folders are
removed (``atomic.remove_stale``), and so is the provenance of the outputs about to be
remade.  After ``main`` succeeds, each output ``<path>`` gets ``provenance/<path>.json``
(in the working directory, beside ``results/`` and ``data/``): the rule, wildcards and
params (the config fragment the job used), what ``main`` returns as ``resolved`` (the
parameters it ran with, defaults included, where the config gave only some), the versions of the packages that make the
numbers, a checksum of the ``descriptor_study`` sources, and the sha256 of every input
and of the output itself.  The file is deterministic (sorted keys, relative paths, no
time stamps), so two clean runs write identical provenance.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import platform
import re
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import versions
from .atomic import atomic_path, remove_stale
from .checksums import file_digest, file_sha256
from .errors import StudyError

log = logging.getLogger("descriptor_study")

#: the folder (in the working directory) holding one ``<output path>.json`` per output
PROVENANCE_DIR = "provenance"
#: distributions whose versions are recorded (those installed)
PROVENANCE_PACKAGES = (
    "descriptor-study",
    "numpy",
    "scipy",
    "ase",
    "dscribe",
    "quippy-ase",
    "ace-jax",
    "scikit-learn",
    "skmatter",
    "pandas",
    "h5py",
    "matplotlib",
)


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


class _ConsoleFormatter(logging.Formatter):
    """Messages without tracebacks: a traceback goes to the job's log file only."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and _log_file():
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


_LOG_FILE: list[str] = []


def _log_file() -> str | None:
    return _LOG_FILE[0] if _LOG_FILE else None


#: the job's log file names each record's level (``failure_lines`` finds the ERROR ones)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (?P<level>[A-Z]+) (?P<name>[\w.]+): (?P<message>.*)$")

#: known warnings of pinned libraries that tell the user nothing (exact message and module):
#: DScribe 2.1 calls ASE's deprecated ``Atoms.get_calculator`` once per job
KNOWN_WARNINGS = (("Please use atoms.calc", FutureWarning, r"dscribe\.core\.system"),)
#: loggers whose INFO lines are a library's probing, not the job's business: jax tries the
#: TPU (and other) backends on every start and logs each one it cannot open; its warnings
#: (a GPU it could use but cannot) still show
QUIET_LOGGERS = ("jax._src.xla_bridge",)


#: ``log.info(..., extra=LOG_ONLY)``: a record for the job's log file, kept off the console
#: (a table the log holds for the record, such as a cross-validation grid), where there is
#: a log file
LOG_ONLY = {"log_only": True}


def _not_log_only(record: logging.LogRecord) -> bool:
    return not getattr(record, "log_only", False)


def _setup_logging(logs: Any) -> None:
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(_ConsoleFormatter("%(asctime)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [console]
    _LOG_FILE.clear()
    if logs:
        _LOG_FILE.append(str(logs[0]))
        file = logging.FileHandler(str(logs[0]), mode="w")
        file.setFormatter(logging.Formatter(LOG_FORMAT))
        handlers.append(file)
        console.addFilter(_not_log_only)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    quiet_library_noise()


def quiet_library_noise() -> None:
    """Leave out the known noise of pinned libraries (``KNOWN_WARNINGS``, ``QUIET_LOGGERS``);
    any other warning still shows."""
    for message, category, module in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=re.escape(message), category=category, module=module)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def on_terminal() -> bool:
    """Whether this job's stderr is a terminal: progress bars go there only then, not into
    logs or a captured stderr."""
    return sys.stderr.isatty()


def failure_lines(log_file: str | os.PathLike) -> list[str]:
    """The messages a job logged as errors (``run_step``'s one line), from its log file;
    none where the file is absent or holds none."""
    try:
        text = Path(log_file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        m = _LOG_LINE.match(line)
        if m and m["level"] in ("ERROR", "CRITICAL"):
            found.append(m["message"])
    return found


def failed_jobs_report(jobs: Iterable[Any]) -> list[str]:
    """What the end of a failed run says: for each failed Snakemake job (rule, wildcards,
    log files), the error lines its log holds, or that it holds none."""
    lines = []
    for job in sorted(jobs, key=lambda j: str(j)):
        for one in getattr(job, "jobs", None) or [job]:  # a group job: its members
            rule = getattr(getattr(one, "rule", None), "name", "job")
            wildcards = "/".join(str(v) for v in dict(getattr(one, "wildcards_dict", None) or {}).values())
            logs = [str(f) for f in (getattr(one, "log", None) or [])]
            messages = [m for f in logs for m in failure_lines(f)]
            name = f"{rule} {wildcards}".strip()
            if messages:
                lines += [f"Failed: {name} (log: {', '.join(logs)}):", *(f"  {m}" for m in messages)]
            else:
                lines.append(f"Failed: {name}: no message of the study in {', '.join(logs) or 'its log (none)'}")
    return lines


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


def provenance_path(output: str | os.PathLike, root: str | os.PathLike | None = None) -> Path | None:
    """``provenance/<output>.json`` under ``root`` (default: the working directory); None
    for an output outside ``root``."""
    root = Path(root) if root is not None else Path.cwd()
    rel = _relative(output, root)
    if Path(rel).is_absolute() or rel.split("/", 1)[0] == "..":
        return None
    return root / PROVENANCE_DIR / f"{rel}.json"


def provenance(
    smk: Any,
    output: str | os.PathLike,
    root: str | os.PathLike | None = None,
    resolved: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of one output of the job ``smk`` (see the module docstring)."""
    root = Path(root) if root is not None else Path.cwd()
    inputs = _files(getattr(smk, "input", None))
    extra = {"resolved": _plain(dict(resolved))} if resolved else {}
    return {
        **extra,
        "rule": getattr(smk, "rule", None),
        "wildcards": _plain(_named(getattr(smk, "wildcards", None))),
        "params": _plain(_params(getattr(smk, "params", None))),
        "inputs": {_relative(p, root): _checksum(Path(root, p)) for p in inputs},
        "output": {"path": _relative(output, root), "sha256": _checksum(Path(root, output))},
        "versions": package_versions(),
        "code": {"descriptor_study": source_checksum()},
    }


def write_provenance(
    smk: Any, root: str | os.PathLike | None = None, resolved: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write ``provenance/<output>.json`` for each output of ``smk`` that exists (atomically),
    with ``resolved`` (what the step ran with) where given."""
    root = Path(root) if root is not None else Path.cwd()
    written = []
    for output in _files(getattr(smk, "output", None)):
        record = provenance_path(output, root)
        if record is None or not Path(root, output).exists():
            continue
        text = json.dumps(provenance(smk, output, root, resolved), sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        with atomic_path(record) as tmp:
            tmp.write_text(text, encoding="utf-8")
        written.append(record)
    return written


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Versions of the installed ``PROVENANCE_PACKAGES`` and of Python."""
    return {"python": platform.python_version(), **versions.package_versions(*PROVENANCE_PACKAGES, missing=None)}


@lru_cache(maxsize=1)
def source_checksum() -> str:
    """sha256 over the ``descriptor_study`` package's files (relative path and content)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(
        p
        for p in package.rglob("*")
        if p.is_file() and p.suffix in (".py", ".json", ".yaml") and "__pycache__" not in p.parts
    ):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(file_digest(path).digest())
    return digest.hexdigest()


def _checksum(path: Path) -> str | dict[str, str] | None:
    """sha256 of a file; of each file (relative path → sha256) of a directory; None if absent."""
    if path.is_dir():
        return {p.relative_to(path).as_posix(): file_sha256(p) for p in sorted(path.rglob("*")) if p.is_file()}
    return file_sha256(path) if path.is_file() else None


def _relative(path: str | os.PathLike, root: Path) -> str:
    """``path`` relative to ``root`` where it lies under it (POSIX form); else as given."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(root)
        except ValueError:
            try:
                p = p.resolve().relative_to(root.resolve())
            except ValueError:
                return p.as_posix()
    return Path(os.path.normpath(p)).as_posix()


def _named(obj: Any) -> dict[str, Any]:
    """Snakemake's named lists (params, wildcards), a namespace or a mapping, as a dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "_names") and hasattr(obj, "items"):  # snakemake.io.Namedlist
        return {name: value for name, value in obj.items()}
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    return {"values": list(obj)}


def _params(obj: Any) -> dict[str, Any]:
    """A job's params as its provenance records them: a rule's one ``job`` spec
    (:mod:`descriptor_study.jobs`) by its fields, other params by their names."""
    named = _named(obj)
    job = named.get("job")
    if len(named) == 1 and isinstance(job, tuple) and hasattr(job, "_asdict"):
        return job._asdict()
    return named


def _files(obj: Any) -> list[str]:
    """The paths of Snakemake's input/output (named entries may hold lists), flattened."""
    if obj is None:
        return []
    if isinstance(obj, (str, os.PathLike)):
        return [os.fspath(obj)]
    return [f for item in obj for f in _files(item)]


def _plain(obj: Any) -> Any:
    """``obj`` as JSON types, the same on every run: string keys, sets sorted, paths as
    POSIX text, numpy as lists/numbers, anything else as its text without addresses."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, os.PathLike):
        return Path(obj).as_posix()
    if isinstance(obj, dict) or (hasattr(obj, "items") and hasattr(obj, "keys")):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        return sorted((_plain(v) for v in obj), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(dataclasses.asdict(obj))
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return _plain(obj.tolist())
    if isinstance(obj, type) or callable(obj):
        return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", str(obj))
