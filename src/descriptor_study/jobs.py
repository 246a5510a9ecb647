"""The job specs: one typed record per rule, naming everything a job of that rule reads,
writes and is parameterised by.

:class:`~descriptor_study.plan.Plan` builds them (``Plan.<rule>_job(<wildcards>)``); a rule
passes its job's spec as its one param (``params: job=...``) and takes its ``input`` from the
same spec, so the paths the stage reads are the paths Snakemake makes first; the rule's
script calls its stage with the spec (``stage(snakemake.params.job)``).  What only the
running job knows (its threads, whether a terminal shows progress) is passed beside it.

``input`` is the rule's input (name → path or list of paths), ``outputs`` the rule's
outputs in the rule's order; ``tests/test_jobs.py`` checks both against every job of a dry
run of the default and paper configs.  Records are dicts of names plus the ``path`` they
lead to (``{"panel": "fig4", "rep": "SOAP", "path": ...}``): the stages learn the names
from them and never parse a path.

Each spec is a named tuple (immutable, its fields typed and named): Snakemake's params
trigger compares a param by its ``repr`` only if it is a built-in type such as a tuple, so
a spec's every field, the representation's code fingerprint among them, reruns the job
when it changes (a dataclass would be skipped, and editing a representation's code would
rerun nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

Record = dict[str, Any]


def record_paths(records: Sequence[Record]) -> list[str]:
    """The paths of ``records``, in their order."""
    return [e["path"] for e in records]


def folder(published: Sequence[str]) -> Path | None:
    """The folder of the published result files (None: no comparison with them)."""
    return Path(published[0]).parent if published else None


class DatasetJob(NamedTuple):
    """Rule ``dataset``: config entry ``spec`` (with its ``name``) → ``out``, checked."""

    spec: dict[str, Any]
    out: str
    source: Sequence[str] = ()
    require_energy: bool = False
    mirror: str | None = None
    cache: str = "data/cache"

    @property
    def input(self) -> dict:
        return {"source": list(self.source)}

    @property
    def outputs(self) -> list[str]:
        return [self.out]


class PinnedFileJob(NamedTuple):
    """Rule ``pinned_file``: ``<group>/<name>.txt`` from the mirror → ``out``."""

    group: str
    name: str
    out: str
    mirror: str | None = None

    @property
    def input(self) -> dict:
        return {}

    @property
    def outputs(self) -> list[str]:
        return [self.out]


class PublishedFileJob(NamedTuple):
    """Rule ``published_file``: the authors' published file ``name`` → ``out``."""

    name: str
    out: str
    mirror: str | None = None
    cache: str | None = None

    @property
    def input(self) -> dict:
        return {}

    @property
    def outputs(self) -> list[str]:
        return [self.out]


class RepresentJob(NamedTuple):
    """Rules ``represent`` and ``represent_degree``: ``rep`` with ``params`` on the dataset
    file ``data`` → ``out``; ``code``: the representation's fingerprint (a param, so that
    editing its code reruns the job)."""

    dataset: str
    rep: str
    data: str
    out: str
    params: dict[str, Any] | None = None
    species: list[str] | None = None
    code: dict[str, Any] | None = None

    @property
    def input(self) -> dict:
        return {"data": self.data}

    @property
    def outputs(self) -> list[str]:
        return [self.out]


class Table1Job(NamedTuple):
    """Rule ``table1``: Table I of the ``.h5`` files ``files`` (records {dataset, rep, path})."""

    files: list[Record]
    csv: str
    md: str
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {"files": record_paths(self.files)}

    @property
    def outputs(self) -> list[str]:
        return [self.csv, self.md]


class SensitivityCurveJob(NamedTuple):
    """Rule ``sensitivity_curve``: ``rep``'s curves, ``outputs_by_panel``: panel → CSV."""

    rep: str
    outputs_by_panel: dict[str, str]
    params: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    code: dict[str, Any] | None = None
    #: the facts that set its paths (``Plan.sensitivity_facts``): a correction reruns it
    facts: Any = None

    @property
    def input(self) -> dict:
        return {}

    @property
    def outputs(self) -> list[str]:
        return list(self.outputs_by_panel.values())


class SensitivitySlopesJob(NamedTuple):
    """Rule ``sensitivity_slopes``: the slope table of the curve records ``curves``."""

    curves: list[Record]
    csv: str
    md: str
    class_entries: dict[str, dict] | None = None

    @property
    def input(self) -> dict:
        return {"curves": record_paths(self.curves)}

    @property
    def outputs(self) -> list[str]:
        return [self.csv, self.md]


class SensitivityFiguresJob(NamedTuple):
    """Rule ``sensitivity_figures``: Figures 3-5 (``figures``: their PDF and PNG files)."""

    curves: list[Record]
    figures: list[str]
    published: Sequence[str] = ()
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {"curves": record_paths(self.curves), "published": list(self.published)}

    @property
    def outputs(self) -> list[str]:
        return list(self.figures)


class SelectFeaturesJob(NamedTuple):
    """Rule ``select_features``: ``method`` (cur, fps, pca) on the matrix ``h5`` → ``out``."""

    method: str
    dataset: str
    variant: str
    h5: str
    out: str
    standardise: bool = False

    @property
    def input(self) -> dict:
        return {"h5": self.h5}

    @property
    def outputs(self) -> list[str]:
        return [self.out]


class Figure6Job(NamedTuple):
    """Rule ``figure6``: CUR curves (records {dataset, rep, path}), the standardised variant's
    ({dataset, rep, path}) and the degree sweep's ({dataset, rep, degree, path})."""

    curves: list[Record]
    figures: list[str]
    standardised: Sequence[Record] = ()
    degrees: Sequence[Record] = ()
    published: Sequence[str] = ()
    compare_as: dict[str, str | None] | None = None
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {
            "curves": record_paths(self.curves),
            "standardised": record_paths(self.standardised),
            "degrees": record_paths(self.degrees),
            "published": list(self.published),
        }

    @property
    def outputs(self) -> list[str]:
        return list(self.figures)


class Figure7Job(NamedTuple):
    """Rule ``figure7``: PCA spectra (records {dataset, rep, path})."""

    curves: list[Record]
    figures: list[str]
    published: Sequence[str] = ()
    compare_as: dict[str, str | None] | None = None
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {"curves": record_paths(self.curves), "published": list(self.published)}

    @property
    def outputs(self) -> list[str]:
        return list(self.figures)


class Figure8Job(NamedTuple):
    """Rule ``figure8``: CUR against FPS on ``dataset`` (records {dataset, rep, path})."""

    cur: list[Record]
    fps: list[Record]
    dataset: str
    figures: list[str]
    published: Sequence[str] = ()
    compare_as: dict[str, str | None] | None = None
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {"cur": record_paths(self.cur), "fps": record_paths(self.fps), "published": list(self.published)}

    @property
    def outputs(self) -> list[str]:
        return list(self.figures)


class CompressibilityJob(NamedTuple):
    """Rule ``compressibility``: from the CUR curve records ``curves``."""

    curves: list[Record]
    csv: str
    md: str

    @property
    def input(self) -> dict:
        return {"curves": record_paths(self.curves)}

    @property
    def outputs(self) -> list[str]:
        return [self.csv, self.md]


class RegressJob(NamedTuple):
    """Rule ``regress``: ``model`` (rr, krr) on ``representation`` of ``dataset``: the matrix
    ``h5``, its CUR ranking ``ranking_csv`` and the structures ``dataset_path`` → ``out_csv``.
    ``split`` and ``targets`` are the config's sections (their ``file``, if any, is an input);
    ``hyper``: the representation's hyperparameters from the config; ``search``: choose them
    by cross-validation (``"every_size"``: at every size); ``n_top``: the sizes swept;
    ``e0``: the isolated-atom energies of the dataset's config entry."""

    model: str
    h5: str
    ranking_csv: str
    dataset_path: str
    out_csv: str
    dataset: str
    representation: str
    n_top: int
    hyper: dict[str, float] | None = None
    search: bool | str = False
    split: dict[str, Any] | None = None
    e0: dict[str, float] | None = None
    targets: dict[str, Any] | None = None

    @staticmethod
    def _file(section: dict[str, Any] | None) -> list[str]:
        file = (section or {}).get("file")
        return [file] if file else []

    @property
    def input(self) -> dict:
        return {
            "h5": self.h5,
            "ranking": self.ranking_csv,
            "data": self.dataset_path,
            "split": self._file(self.split),
            "targets": self._file(self.targets),
        }

    @property
    def outputs(self) -> list[str]:
        return [self.out_csv]


class Figure9Job(NamedTuple):
    """Rule ``figure9``: ``dataset``'s sweeps (records {model, dataset, rep, path});
    ``compare_as``: the published dataset it stands for; ``n_top``: the sizes of panels (a), (c)."""

    sweeps: list[Record]
    dataset: str
    figures: list[str]
    n_top: int
    published: Sequence[str] = ()
    compare_as: str | None = None
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {"sweeps": record_paths(self.sweeps), "published": list(self.published)}

    @property
    def outputs(self) -> list[str]:
        return list(self.figures)


class RegressionTableJob(NamedTuple):
    """Rule ``regression_table``: the best-RMSE table of the sweep records ``sweeps``."""

    sweeps: list[Record]
    csv: str
    md: str

    @property
    def input(self) -> dict:
        return {"sweeps": record_paths(self.sweeps)}

    @property
    def outputs(self) -> list[str]:
        return [self.csv, self.md]


class ReproductionJob(NamedTuple):
    """Rule ``reproduction``: this run's Table I (``table1``, None: not compared) and curve
    records against the published files ``published`` → the report ``csv`` and ``md``;
    ``not_run``: published items this run does not make, with the reason."""

    csv: str
    md: str
    table1: str | None = None
    sensitivity: Sequence[Record] = ()
    dimensionality: Sequence[Record] = ()
    regression: Sequence[Record] = ()
    published: Sequence[str] = ()
    compare_as: dict[str, str | None] | None = None
    not_run: dict[str, str] | None = None
    class_entries: dict[str, dict] | None = None
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {
            "table1": [self.table1] if self.table1 else [],
            "sensitivity": record_paths(self.sensitivity),
            "dimensionality": record_paths(self.dimensionality),
            "regression": record_paths(self.regression),
            "published": list(self.published),
        }

    @property
    def outputs(self) -> list[str]:
        return [self.csv, self.md]


class CardPartJob(NamedTuple):
    """Rule ``card_part``: ``rep``'s row norms per dataset (``representations``: dataset →
    ``.h5``) and its invariances (config entry ``entry``) → ``out``."""

    rep: str
    representations: dict[str, str]
    out: str
    entry: dict[str, Any] | None = None
    code: dict[str, Any] | None = None

    @property
    def input(self) -> dict:
        return dict(self.representations)

    @property
    def outputs(self) -> list[str]:
        return [self.out]


class CardsJob(NamedTuple):
    """Rule ``cards``: every card and the league table (``files``) from what ``inputs``
    names (``Plan.card_inputs``)."""

    inputs: dict[str, Any]
    input_files: list[str]
    files: list[str]
    #: the digest of facts.yaml (``Plan.facts``): correcting a fact reruns this job
    facts: Any = ""

    @property
    def input(self) -> dict:
        return {"files": self.input_files}

    @property
    def outputs(self) -> list[str]:
        return list(self.files)
