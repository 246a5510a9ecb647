"""A job's messages: the console and the job's log file, the library noise left out of both,
and the error lines read back from a log.

``run_step`` (:mod:`.runlog`) sends messages to the rule's log and to stderr.  The log names
each line's level; :func:`failure_lines` reads a job's ERROR lines back from it, and the
Snakefile's ``onerror`` prints those of every failed job as a failed run's last lines
(:func:`failed_jobs_report`).  A record logged with ``extra=LOG_ONLY`` goes to the log file
only.  Known noise of pinned libraries (jax's backend probing, DScribe's call of a
deprecated ASE method) is left out of the console and the log; every other warning shows.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any


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
