# Config validation (before any job), wildcard constraints and target lists.

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

from descriptor_study.config import localise_classes, validate_config
from descriptor_study.errors import ConfigError

from descriptor_study.representations import registry
from descriptor_study.representations.fingerprint import fingerprint

try:
    localise_classes(config, workflow.basedir)  # relative `class: file.py:Class` paths
    # --config values: Snakemake leaves nested numbers as text; validate_config reads them
    validate_config(
        config,
        Path(workflow.basedir) / "workflow/schemas/config.schema.yaml",
        overrides=workflow.config_settings.config,
    )
    #: name -> class of every representation of the config (built-in, plugin or ``class:``)
    REP_CLASSES = registry.classes_of(config["representations"])
except ConfigError as exc:
    sys.exit(f"Invalid configuration: {exc}")

DATASETS = list(config["datasets"])
REPRESENTATIONS = list(config["representations"])
THREADS = int(config.get("threads", 2))
SENS = config.get("sensitivity", {})
DIM = config.get("dimensionality", {})
REG = config.get("regression", {})


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)) if DATASETS else "NONE",
    rep="|".join(map(re.escape, REPRESENTATIONS)) if REPRESENTATIONS else "NONE",
    panel="fig3|fig4|fig5a|fig5b|fig5c|fig5d",
    method="cur|fps|pca",
    model="rr|krr",


def dataset_spec(name):
    """A dataset's config entry less the keys that only say how to compare it."""
    return {k: v for k, v in config["datasets"][name].items() if k != "compare_as"}


def rep_params(rep, section=None):
    """Parameters of a representation: the study's section overrides the main ones."""
    params = dict(config["representations"].get(rep) or {})
    if section is not None:
        params.update((config.get(section, {}).get("representations", {}) or {}).get(rep) or {})
    return params


@lru_cache(maxsize=None)
def _fingerprint(rep, params_json):
    return fingerprint(rep, json.loads(params_json))


def rep_fingerprint(rep, section=None):
    """What besides its parameters defines ``rep``'s numbers (its code's digest, the modules
    it covers, its libraries' versions): a params entry of every job that computes the
    representation, so that editing its code reruns exactly those jobs."""
    return _fingerprint(rep, json.dumps(rep_params(rep, section), sort_keys=True, default=str))


REPRESENTATION_FILES = expand("results/representations/{dataset}/{rep}.h5", dataset=DATASETS, rep=REPRESENTATIONS)

# --- targets of each study ---------------------------------------------------------------
SENSITIVITY_PANELS = ["fig3", "fig4", "fig5a", "fig5b", "fig5c", "fig5d"]
SENSITIVITY_REPS = list(config.get("sensitivity", {}).get("representations", {}) or REPRESENTATIONS)


def figure_files(stem):
    return [f"results/figures/{stem}.pdf", f"results/figures/{stem}.png"]


def reported_figure(stem, category):
    """PDF and PNG of a figure; the PNG goes into `snakemake --report` with its caption."""
    caption = f"../report/{re.sub(r'_.*', '', stem)}.rst"
    png = report(f"results/figures/{stem}.png", caption=caption, category=category)
    return [f"results/figures/{stem}.pdf", png]


SENSITIVITY_TARGETS = (
    (
        figure_files("figure3")
        + figure_files("figure4")
        + figure_files("figure5")
        + ["results/tables/sensitivity_slopes.csv", "results/tables/sensitivity_slopes.md"]
    )
    if SENS
    else []
)

DIM_METHODS = DIM.get("methods", ["cur", "fps", "pca"])
#: the representation whose class sweeps a degree (Figure 6h: DEGREE_REP-degree<d>) and that parameter
DEGREE_REP = next(iter(registry.with_attribute("degree_parameter", REPRESENTATIONS, REP_CLASSES)), None)
DEGREE_PARAM = REP_CLASSES[DEGREE_REP].degree_parameter if DEGREE_REP else None
#: the representation whose class has a standardised variant (Figure 6g: STD_REP-std)
STD_REP = next(iter(registry.with_attribute("standardised_variant", REPRESENTATIONS, REP_CLASSES)), None)
# (the config keys keep the paper's names of the two studies)
DEGREE_DATASET = DIM.get("ace_degree_dataset") if DEGREE_REP else None
DEGREES = DIM.get("ace_degrees", []) if DEGREE_DATASET else []
STD_DATASET = DIM.get("standardised_mbtr_dataset") if STD_REP else None
FPS_DATASET = DIM.get("fps_dataset", DATASETS[0])


def dimensionality_records(method, datasets=None):
    """One record per CUR/FPS/PCA curve of ``method``: method, dataset, rep, path (the rules
    pass the paths as input and the records as params, in the same order)."""
    return [
        {"method": method, "dataset": d, "rep": r, "path": f"results/dimensionality/{method}/{d}/{r}.csv"}
        for d in (datasets or DATASETS)
        for r in REPRESENTATIONS
    ]


#: Figure 6h: the degree-sweep representation's CUR curves at each degree
DEGREE_RECORDS = (
    [
        {
            "method": "cur",
            "dataset": DEGREE_DATASET,
            "rep": DEGREE_REP,
            "degree": int(g),
            "variant": f"{DEGREE_REP}-degree{g}",
            "path": f"results/dimensionality/cur/{DEGREE_DATASET}/{DEGREE_REP}-degree{g}.csv",
        }
        for g in DEGREES
    ]
    if DIM
    else []
)
#: Figure 6g: the standardised representation's CUR curve
STD_RECORDS = (
    [
        {
            "method": "cur",
            "dataset": STD_DATASET,
            "rep": STD_REP,
            "variant": f"{STD_REP}-std",
            "path": f"results/dimensionality/cur/{STD_DATASET}/{STD_REP}-std.csv",
        }
    ]
    if (DIM and STD_DATASET)
    else []
)

DIMENSIONALITY_TARGETS = (
    (
        (
            figure_files("figure6") + ["results/tables/compressibility.csv", "results/tables/compressibility.md"]
            if "cur" in DIM_METHODS
            else []
        )
        + (figure_files("figure7") if "pca" in DIM_METHODS else [])
        + (figure_files("figure8") if "fps" in DIM_METHODS else [])
    )
    if DIM
    else []
)

REGRESSION_DATASETS = REG.get("datasets", []) if REG else []
REGRESSION_TARGETS = (
    (
        [f for d in REGRESSION_DATASETS for f in figure_files(f"figure9_{d}")]
        + ["results/tables/regression_best.csv", "results/tables/regression_best.md"]
    )
    if REGRESSION_DATASETS
    else []
)

# --- the published results and the reproduction report ------------------------------------
from descriptor_study.published import PUBLISHED_FILES
from descriptor_study.reproduction import compare_as

PUB = config.get("published", {}) or {}
COMPARE = bool(PUB.get("compare", False))
OVERLAY = COMPARE and bool(PUB.get("overlay", True))
PUBLISHED_INPUT = [f"data/published/{name}" for name in PUBLISHED_FILES] if COMPARE else []
OVERLAY_INPUT = PUBLISHED_INPUT if OVERLAY else []
#: our dataset → the published dataset it stands for (None: no counterpart)
COMPARE_AS = {d: compare_as(spec) for d, spec in config["datasets"].items()}
COMPARABLE = [d for d in DATASETS if COMPARE_AS[d]] if COMPARE else []

REPORT_SENSITIVITY = (
    [
        {"panel": p, "rep": r, "path": f"results/sensitivity/{p}/{r}.csv"}
        for p in SENSITIVITY_PANELS
        for r in SENSITIVITY_REPS
    ]
    if (COMPARE and SENS)
    else []
)
REPORT_DIMENSIONALITY = (
    (
        [
            {"method": e["method"], "dataset": e["dataset"], "variant": e["rep"], "path": e["path"]}
            for m in DIM_METHODS
            for d in COMPARABLE
            for e in dimensionality_records(m, [d])
            if m != "fps" or d == FPS_DATASET  # FPS runs on Figure 8's dataset only
        ]
        + [
            {k: e[k] for k in ("method", "dataset", "variant", "degree", "path")}
            for e in DEGREE_RECORDS
            if DEGREE_DATASET in COMPARABLE
        ]
        + [
            {k: e[k] for k in ("method", "dataset", "variant", "path")}
            for e in STD_RECORDS
            if STD_DATASET in COMPARABLE
        ]
    )
    if DIM
    else []
)
REPORT_REGRESSION = [
    {"model": m, "dataset": d, "rep": r, "path": f"results/regression/{m}/{d}/{r}.csv"}
    for m in ["rr", "krr"]
    for d in REGRESSION_DATASETS
    if d in COMPARABLE
    for r in REPRESENTATIONS
]
REPRODUCTION_TARGETS = ["results/reproduction.csv", "results/reproduction.md"]

# --- threads, memory and runtime of the heavy rules ----------------------------------------
# Threads: the config's `threads`, clamped to what the executor offers: --cores on the local
# executor, --max-threads (a profile's `max-threads`) on any executor (a cluster executor has
# no --cores; set max-threads to the CPUs of the smallest node).  Snakemake applies the same
# clamps to `--set-threads` values.
# Memory (mem_mb) and runtime (minutes): estimated from the job's input by
# descriptor_study.resources (formulas in its docstrings); until the input exists (a dry run
# before the upstream job) the fixed request of the *_FALLBACK dicts stands.  Snakemake
# recomputes them once the input is there, before the job is scheduled or submitted.
import json as _json
import os as _os
from functools import lru_cache as _lru_cache

from descriptor_study import resources as estimate


def clamp_threads(n):
    """``n`` threads, at most --cores (local executor) and --max-threads, at least 1."""
    cores = workflow.global_resources.get("_cores")
    cores = getattr(cores, "value", cores)  # a Resource in Snakemake 9, an int before
    limits = [n, cores, workflow.resource_settings.max_threads]
    return max(1, min(int(x) for x in limits if isinstance(x, int) and x > 0))


HEAVY_THREADS = clamp_threads(THREADS)
MEM_FALLBACK = {"represent": 8000, "select_features": 8000, "regress": 8000, "sensitivity_curve": 4000}
RUNTIME_FALLBACK = {
    "represent": 120,
    "represent_degree": 240,
    "select_features": 60,
    "regress": 60,
    "sensitivity_curve": 60,
}


@_lru_cache(maxsize=None)
def _n_features(rep, species, params_json):
    return registry.build(rep, list(species), _json.loads(params_json)).n_features


def representation_size(rep, params, species):
    """(class, features) of representation ``rep`` with ``params`` for ``species``."""
    cls, _ = registry.split_params(rep, params)
    return cls, _n_features(rep, tuple(sorted(species)), _json.dumps(params, sort_keys=True, default=str))


def _represent_size(wc, input, rep, params):
    """(rows, features) of the matrix a represent job writes, or None before its dataset exists."""
    path = input[0]
    if not _os.path.exists(path):
        return None
    try:
        n_structures, n_atoms, found = estimate.extxyz_size(path)
        cls, p = representation_size(rep, params, config["datasets"][wc.dataset].get("species") or found)
    except Exception:  # the job itself reports what is wrong with its input
        return None
    return (n_structures if cls.per_structure else n_atoms), p


def represent_mem_mb(rep=None, params=None):
    """mem_mb of a represent job (``rep``/``params``: the degree sweep's fixed values)."""

    def mem_mb(wildcards, input):
        size = _represent_size(
            wildcards, input, rep or wildcards.rep, params(wildcards) if params else rep_params(wildcards.rep)
        )
        return estimate.represent_mem_mb(*size) if size else MEM_FALLBACK["represent"]

    return mem_mb


def represent_runtime(rep=None, params=None, rule="represent"):
    def runtime(wildcards, input, threads):
        size = _represent_size(
            wildcards, input, rep or wildcards.rep, params(wildcards) if params else rep_params(wildcards.rep)
        )
        return estimate.represent_runtime(*size, threads=threads) if size else RUNTIME_FALLBACK[rule]

    return runtime


def _h5_shape(path):
    try:
        return estimate.h5_shape(path) if _os.path.exists(path) else None
    except Exception:
        return None


def selection_mem_mb(wildcards, input):
    shape = _h5_shape(input[0])
    return estimate.selection_mem_mb(*shape[:2]) if shape else MEM_FALLBACK["select_features"]


def selection_runtime(wildcards, input):
    shape = _h5_shape(input[0])
    return estimate.selection_runtime(*shape[:2]) if shape else RUNTIME_FALLBACK["select_features"]


def regression_mem_mb(wildcards, input):
    shape = _h5_shape(input.h5)
    return estimate.regression_mem_mb(*shape) if shape else MEM_FALLBACK["regress"]


def regression_runtime(wildcards, input):
    shape = _h5_shape(input.h5)
    if not shape:
        return RUNTIME_FALLBACK["regress"]
    rows, p, n_structures = shape
    return estimate.regression_runtime(
        n_structures, p, n_top=int(REG.get("n_top", 65)), search=REG.get("search", False)
    )


def _sensitivity_features(rep):
    try:
        return representation_size(rep, rep_params(rep, "sensitivity"), ["Si"])[1]
    except Exception:
        return None


def sensitivity_mem_mb(wildcards):
    p = _sensitivity_features(wildcards.rep)
    return estimate.sensitivity_mem_mb(p) if p else MEM_FALLBACK["sensitivity_curve"]


def sensitivity_runtime(wildcards):
    p = _sensitivity_features(wildcards.rep)
    return estimate.sensitivity_runtime(p) if p else RUNTIME_FALLBACK["sensitivity_curve"]


def bench(rule, pattern):
    """benchmarks/rules/<rule>/<wildcards>.tsv: what the job used (benchmarks/rule_table.py)."""
    return f"benchmarks/rules/{rule}/{pattern}.tsv"


def reported_table(path, caption, category):
    """A result table (CSV) in `snakemake --report`, with its caption."""
    return report(path, caption=f"../report/{caption}.rst", category=category)


# --- input and params functions of the rule files -----------------------------------------


def dataset_source(name):
    """A `file:` dataset's source file, an input of its dataset job (editing it reruns what
    depends on it); pinned and generated sources have none."""
    file = config["datasets"][name].get("file")
    return [file] if file else []


def requires_energy(name):
    """A dataset whose regression takes the energies from the dataset (no targets file)
    must have an energy in every structure: checked at the dataset step."""
    return name in REGRESSION_DATASETS and not (REG.get("targets") or {}).get("file")


def selection_input(wc):
    """The matrix a CUR/FPS/PCA job reads (<STD_REP>-std reads <STD_REP>'s, standardised by the job)."""
    if STD_REP and wc.variant == f"{STD_REP}-std":
        return f"results/representations/{wc.dataset}/{STD_REP}.h5"
    return f"results/representations/{wc.dataset}/{wc.variant}.h5"


def record_paths(records):
    """The paths of ``records`` (a rule's input), in their order (its params)."""
    return [e["path"] for e in records]


def regression_sweeps(datasets):
    """One record per sweep of ``datasets``: the rules pass the paths as input and the
    records (names + path) as params, so the library learns the names from the records."""
    return [
        {"model": m, "dataset": d, "rep": r, "path": f"results/regression/{m}/{d}/{r}.csv"}
        for m in ["rr", "krr"]
        for d in datasets
        for r in REPRESENTATIONS
    ]
