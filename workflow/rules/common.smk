# Config loading and validation (before any job), wildcard constraints, small accessors.
# What the config asks for (paths, records, targets, parameters) is descriptor_study.plan;
# the heavy rules' memory and runtime requests and priorities are descriptor_study.resources.Requests.

import re
import sys
from pathlib import Path

from descriptor_study import plan as paths
from descriptor_study.config import localise_classes, validate_config
from descriptor_study.errors import ConfigError
from descriptor_study.plan import Plan
from descriptor_study.representations import registry
from descriptor_study.resources import Requests

try:
    localise_classes(config, workflow.basedir)  # relative `class: file.py:Class` paths
    # --config values: Snakemake leaves nested numbers as text; validate_config reads them
    validate_config(
        config,
        Path(workflow.basedir) / "workflow/schemas/config.schema.yaml",
        overrides=workflow.config_settings.config,
    )
    #: the study the config describes (every representation's class: built-in, plugin or `class:`)
    PLAN = Plan(config, registry.classes_of(config["representations"]))
except ConfigError as exc:
    sys.exit(f"Invalid configuration: {exc}")

#: mem_mb and runtime of the heavy rules, from their input's size
REQUESTS = Requests(PLAN)


def report_failures():
    """The Snakefile's onerror: each failed job's one line (run_step's, from the job's log:
    the rule's log file, which a cluster job writes on the shared filesystem), printed
    after everything Snakemake says at the end of a failed run, as its last lines."""
    import atexit

    from descriptor_study.joblog import failed_jobs_report

    lines = failed_jobs_report(getattr(getattr(workflow, "scheduler", None), "failed", None) or ())
    if lines:
        atexit.register(print, "\n".join(lines), file=sys.stderr, flush=True)


wildcard_constraints:
    dataset=PLAN.wildcard(PLAN.datasets),
    rep=PLAN.wildcard(PLAN.representations),
    panel=PLAN.wildcard(list(paths.PANELS)),
    method=PLAN.wildcard(list(paths.METHODS)),
    model=PLAN.wildcard(list(paths.MODELS)),


# Threads: the config's `threads`; Snakemake lowers it to --cores (local executor) and to
# --max-threads (a profile's `max-threads`: set it to the CPUs of the smallest node).


def bench(rule, job):
    """benchmarks/rules/<rule>/<job>.tsv: what the job used (benchmarks/rule_table.py)."""
    return paths.fill(paths.BENCHMARK, rule=rule, job=job)


def reported_figure(stem, category):
    """PDF and PNG of a figure; the PNG goes into `snakemake --report` with its caption."""
    pdf, png = paths.figure_files(stem)
    caption = f"../report/{re.sub(r'_.*', '', stem)}.rst"
    return [pdf, report(png, caption=caption, category=category)]


def reported_table(name, category):
    """CSV (in `snakemake --report`, with its caption) and Markdown of a result table."""
    csv, md = paths.table_files(name)
    return {"csv": report(csv, caption=f"../report/{name}.rst", category=category), "md": md}


def reported_cards(files):
    """The cards job's files; the league (CSV and page) and each card's page and figure go
    into `snakemake --report`, under "Report cards"."""
    shown = {".html": "../report/card_page.rst", ".png": "../report/card_figure.rst", ".csv": "../report/league.rst"}
    kinds = [shown.get(Path(f).suffix) for f in files]
    return [f if not c else report(f, caption=c, category="Report cards") for f, c in zip(files, kinds)]
