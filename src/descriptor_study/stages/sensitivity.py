"""Stages of ``workflow/rules/sensitivity.smk``: the dV(t) curves of one representation
(rule ``sensitivity_curve``), the slope table and Figures 3-5."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .. import storage
from ..errors import ConfigError
from ..jobs import SensitivityCurveJob, SensitivityFiguresJob, SensitivitySlopesJob, folder
from ..representations.registry import classes_of
from ..sensitivity import (
    SETTING_DEFAULTS,
    build_path,
    noise_floor,
    resolve_settings,
    sensitivity_curve,
    slope_table,
)
from ..vocabulary import PANELS
from .tables import write_table

#: environment variables that set a numerical library's thread count when it is loaded
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


@contextmanager
def one_thread():
    """One BLAS and OpenMP thread inside the block.

    A threaded BLAS sums a long dot product (the norm over a curve's many rows, a
    representation's contractions) in an order that depends on its thread count: the last
    bits of dV change with the machine's cores, and so does the first digit of a curve at
    round-off (SOAPlite's Figure 3 and 5b at the smallest t).  The libraries loaded already
    are limited through threadpoolctl; the variables cover those a representation loads
    inside the block (they are read at load, and those stay at one thread).  Torch, which
    keeps its own count, is set to one thread when it is loaded already."""
    import sys

    from threadpoolctl import threadpool_limits

    saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(torch_threads)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_panels(
    representation: str,
    params: dict[str, Any] | None,
    settings: dict[str, Any] | None,
    outputs: Mapping[str, str | Path],
) -> dict[str, pd.DataFrame]:
    """The curves of one representation, panel → CSV path (columns t, dV), with one
    representation object: its set-up (library import, basis, compiled kernels) is paid once.

    The curves are computed with one BLAS and OpenMP thread (:func:`one_thread`; the job
    declares one): so they are bit for bit the same whatever the machine's cores."""
    return _write_panels(representation, params, settings, outputs)[0]


def sensitivity_curves(job: SensitivityCurveJob) -> dict[str, Any]:
    """Rule ``sensitivity_curve``: :func:`run_panels` of the job's representation, returning
    what the curves were computed with, for the job's provenance: the representation's
    declared parameters, resolved (defaults included), apart from what it derives from them,
    and each panel's resolved settings (the config gives only overrides)."""
    return _write_panels(job.rep, job.params, job.settings, job.outputs_by_panel)[1]


def _write_panels(representation, params, settings, outputs) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    from ..representations import build

    unknown = [panel for panel in outputs if panel not in PANELS]
    if unknown:
        raise ValueError(f"unknown panel(s) {unknown}; known: {list(PANELS)}")
    curves, panels = {}, {}
    with one_thread():
        rep = build(representation, ["Si"], params)
        for panel in outputs:
            resolved = {**SETTING_DEFAULTS, **resolve_settings(settings, type(rep), panel)}
            path = build_path(panel, resolved)
            curves[panel] = sensitivity_curve(rep, path, progress=True, normalisation=resolved["normalisation"])
            panels[panel] = resolved
    for panel, out_csv in outputs.items():  # every curve computed (and checked) before any is written
        storage.write_csv(curves[panel], out_csv)
    described = rep.describe()
    ran_with = {"params": described["params"], "derived": described["derived"], "settings": panels}
    return curves, ran_with


def read_curves(curves: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], pd.DataFrame]:
    """Curve records ``{"panel": ..., "rep": ..., "path": ...}`` → {(panel, rep): curve}.

    The names come from the records (the rule builds them with the paths), never from the paths.
    """
    return {(str(c["panel"]), str(c["rep"])): pd.read_csv(c["path"]) for c in curves}


def sensitivity_slopes(job: SensitivitySlopesJob) -> pd.DataFrame:
    """Rule ``sensitivity_slopes``: the slope table (:func:`.sensitivity.slope_table`) of the
    curve records ``job.curves`` (see :func:`read_curves`) as CSV and Markdown, worded for a
    reader (:func:`.slope_report.slope_report`: a slope other than the expected one flagged,
    Figure 3's largest dV, a legend of the columns); ``job.class_entries``: the config's
    ``class`` entries (``registry.classes_of``), for each representation's noise floor."""
    from ..representations.registry import get_class

    classes = classes_of(job.class_entries)
    read = read_curves(job.curves)
    floors = {}
    for _, rep in read:
        cls = (classes or {}).get(rep)
        if cls is None:
            try:
                cls = get_class(rep)
            except ConfigError:  # a name no class is found for here: the default floor
                cls = None
        floors[rep] = noise_floor(cls)
    from ..slope_report import slope_markdown, slope_report  # here: this module's imports are result-defining

    table = slope_report(slope_table(read, floors), read)
    write_table(table, job.csv, job.md, title="Sensitivity slopes", markdown=slope_markdown(table))
    return table


def sensitivity_figures(job: SensitivityFiguresJob) -> list[Path]:
    """Rule ``sensitivity_figures``: Figures 3, 4 and 5 from curve records ``{"panel": ...,
    "rep": ..., "path": ...}`` (the names come from the records, not the paths) into the
    folder of the job's first figure; ``job.class_entries``: the config's ``class`` entries
    (``registry.classes_of``); the published curves drawn beside them from ``job.published``."""
    from ..plotting import sensitivity as plots

    classes = classes_of(job.class_entries)
    curves = read_curves(job.curves)
    published_dir = folder(job.published)
    published = {}
    if published_dir:
        from ..published import sensitivity as pub

        for panel, rep in curves:
            df = pub.sensitivity(published_dir, panel, rep, missing_ok=True)
            if df is not None:
                published[(panel, rep)] = df
    outdir = Path(job.figures[0]).parent
    return (
        plots.figure3(curves, outdir / "figure3", published, classes)
        + plots.figure4(curves, outdir / "figure4", published, classes)
        + plots.figure5(curves, outdir / "figure5", published, classes)
    )
