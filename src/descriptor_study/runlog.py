"""Run a workflow step with its log file, turning bad input into one clear message.

Rule scripts call ``run_step(snakemake, main)``: messages go to the rule's log and to
stderr; a ``StudyError`` (bad dataset, config or species) ends the job with its one-line
message instead of a traceback, and the rule's outputs are removed by Snakemake.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable

from .errors import StudyError


def run_step(smk: Any, main: Callable[[Any], None]) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if getattr(smk, "log", None):
        handlers.append(logging.FileHandler(str(smk.log[0]), mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", handlers=handlers, force=True)
    try:
        main(smk)
    except StudyError as exc:
        logging.getLogger("descriptor_study").error("%s", exc)
        sys.exit(1)


def published_dir(smk: Any):
    """The folder of the published result files a rule has as input ``published``, or None."""
    from pathlib import Path

    files = list(getattr(smk.input, "published", []) or [])
    return Path(files[0]).parent if files else None
