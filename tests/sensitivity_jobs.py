"""The sensitivity job's curves (``stages.sensitivity.run_panels``) run once per test session
for a curve that several tests read (conftest's ``sensitivity_jobs`` fixture).

A curve is a function of what the job hands ``sensitivity_curve``: the representation with
its parameters, the panel's path (its t and the structure at each t, the reference, the rows
the metric reads) and the normalisation.  Two tests whose configs resolve to the same of
these for a panel read one job's curve of it: the default config's MBTR curves, about 10 s
of a 512-atom crystal each, serve the default config's cards test and the direct check of
test_sensitivity; and a config whose settings differ only where a panel does not read them
(the default config and the offline reproduction's agree in Figures 5b-d) shares that
panel.  The panels not computed yet in the session are computed by the job itself, in one
``run_panels`` call (one representation object), its CSVs written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from descriptor_study.sensitivity import SETTING_DEFAULTS, build_path, resolve_settings
from descriptor_study.stages.sensitivity import run_panels
from descriptor_study.vocabulary import PANELS


def path_digest(rep: str, settings: dict[str, Any] | None, panel: str) -> str:
    """A digest of the path and normalisation the job's curve of ``panel`` is computed with
    (the settings resolved as ``stages.sensitivity`` resolves them)."""
    resolved = {**SETTING_DEFAULTS, **resolve_settings(settings, rep, panel)}
    path = build_path(panel, resolved)
    digest = hashlib.sha256(json.dumps([panel, resolved["normalisation"]]).encode())
    metric = np.array([-1]) if path.metric_atoms is None else np.asarray(path.metric_atoms)
    for array in (path.t, metric, np.asarray(path.moved, dtype=int)):
        digest.update(np.ascontiguousarray(array).tobytes())
    for atoms in (path.reference, *(path.make(float(t)) for t in path.t)):
        for array in (atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc):
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


class SensitivityJobs:
    """``jobs(rep, params, settings)`` → {panel: (the CSV the job wrote, the curve it returned)}
    for every panel, each computed once in the session (see the module's docstring)."""

    def __init__(self, directory: Path):
        self.directory = directory
        #: per representation and parameters: [(settings, {panel: (CSV, curve)}), ...]
        self.runs: dict[str, list[tuple[dict | None, dict[str, tuple[Path, pd.DataFrame]]]]] = {}
        self.count = 0

    def __call__(
        self, rep: str, params: dict[str, Any] | None, settings: dict[str, Any] | None
    ) -> dict[str, tuple[Path, pd.DataFrame]]:
        earlier = self.runs.setdefault(json.dumps([rep, params or {}], sort_keys=True), [])
        found = {}
        for panel in PANELS:
            for ran_with, curves in earlier:
                if panel in curves and self._same(rep, ran_with, settings, panel):
                    found[panel] = curves[panel]
                    break
        missing = [panel for panel in PANELS if panel not in found]
        if missing:
            self.count += 1
            outputs = {panel: self.directory / f"run{self.count}-{rep}" / f"{panel}.csv" for panel in missing}
            curves = run_panels(rep, params, settings, outputs)
            computed = {panel: (outputs[panel], curves[panel]) for panel in missing}
            earlier.append((settings, computed))
            found.update(computed)
        return {panel: (found[panel][0], found[panel][1].copy()) for panel in PANELS}

    @staticmethod
    def _same(rep: str, a: dict | None, b: dict | None, panel: str) -> bool:
        """Whether settings ``a`` and ``b`` give ``panel`` the same path and normalisation."""
        first, second = ({**SETTING_DEFAULTS, **resolve_settings(s, rep, panel)} for s in (a, b))
        if first == second:
            return True
        if first["normalisation"] != second["normalisation"]:
            return False
        return path_digest(rep, a, panel) == path_digest(rep, b, panel)
