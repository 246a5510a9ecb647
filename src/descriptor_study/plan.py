"""What a config asks the workflow to make: path patterns, per-study records and targets.

Plain Python, no Snakemake: ``workflow/rules/common.smk`` builds one :class:`Plan` from the
validated config and the registry's classes, and the rule files read their patterns,
records, targets and parameters from it.  The tests build plans from configs directly.

Every output's path is written once, as a pattern below; a *record* is a dict of names
plus the ``path`` they lead to (``{"panel": "fig4", "rep": "SOAP", "path": ...}``), so the
library learns the names from the records and never parses a path.  For each job a
``<rule>_job`` method builds its spec (:mod:`descriptor_study.jobs`): the rule's one param,
and its input.
"""

from __future__ import annotations

import json
import re
from functools import cache, cached_property

from . import jobs
from .jobs import record_paths
from .vocabulary import METHODS, MODELS, N_TOP, PANELS, THREADS, section_params

# --- path patterns (one place each) --------------------------------------------------------
DATASET = "data/{dataset}.extxyz"
REPRESENTATION = "results/representations/{dataset}/{rep}.h5"
CURVE = "results/sensitivity/{panel}/{rep}.csv"
SELECTION = "results/dimensionality/{method}/{dataset}/{variant}.csv"
SWEEP = "results/regression/{model}/{dataset}/{rep}.csv"
FIGURE = "results/figures/{stem}.{ext}"
TABLE = "results/tables/{name}.{ext}"
PUBLISHED = "data/published/{name}"
PINNED = "data/{group}/{name}.txt"
REPORT = "results/reproduction.{ext}"
BENCHMARK = "benchmarks/rules/{rule}/{job}.tsv"
CARD = "results/cards/{rep}.{ext}"
LEAGUE = "results/cards/league.{ext}"
INDEX = "results/cards/index.html"
CARD_PART = "results/cards/parts/{rep}.json"

#: the facts (``facts.yaml``) a sensitivity curve is computed with (:meth:`Plan.sensitivity_facts`)
SENSITIVITY_FACTS = ("authors_code", "authors_python_run")


def fill(pattern: str, **names) -> str:
    """``pattern`` with the wildcards in ``names`` filled in and the others left as they are
    (``fill(REPRESENTATION, rep="ACE")`` → ``results/representations/{dataset}/ACE.h5``)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(names[m[1]]) if m[1] in names else m[0], pattern)


def figure_files(stem: str) -> list[str]:
    """PDF and PNG of a figure."""
    return [fill(FIGURE, stem=stem, ext="pdf"), fill(FIGURE, stem=stem, ext="png")]


def table_files(name: str) -> list[str]:
    """CSV and Markdown of a table."""
    return [fill(TABLE, name=name, ext="csv"), fill(TABLE, name=name, ext="md")]


@cache
def _fingerprint(rep: str, params_json: str) -> dict:
    from descriptor_study.representations.fingerprint import fingerprint

    return fingerprint(rep, json.loads(params_json))


class Plan:
    """The jobs' names, paths and parameters for one validated ``config``.

    ``classes``: representation name → class (``registry.classes_of``), which says which
    representation sweeps a degree (Figure 6h) and which has a standardised variant (6g).
    """

    def __init__(self, config: dict, classes: dict):
        self.config = config
        self.classes = classes
        self.datasets = list(config["datasets"])
        self.representations = list(config["representations"])
        self.threads = int(config.get("threads", THREADS))
        self.sensitivity = config.get("sensitivity", {}) or {}
        self.dimensionality = config.get("dimensionality", {}) or {}
        self.regression = config.get("regression", {}) or {}
        self.published = config.get("published", {}) or {}
        self.data = config.get("data", {}) or {}

    # --- accessors -----------------------------------------------------------------------

    def wildcard(self, names: list[str]) -> str:
        """A wildcard constraint matching exactly ``names``."""
        return "|".join(map(re.escape, names)) if names else "NONE"

    def dataset_spec(self, name: str) -> dict:
        """A dataset's config entry less the keys that only say how to compare it."""
        return {k: v for k, v in self.config["datasets"][name].items() if k != "compare_as"}

    def species(self, name: str) -> list[str] | None:
        """The species a dataset's config entry fixes (None: those found in the data)."""
        return self.config["datasets"][name].get("species")

    def e0(self, name: str) -> dict | None:
        """A dataset's isolated-atom energies (``datasets.<name>.e0``; None: not given)."""
        return self.config["datasets"][name].get("e0")

    def dataset_source(self, name: str) -> list[str]:
        """A ``file:`` dataset's source file, an input of its dataset job (editing it reruns
        what depends on it); pinned and generated sources have none."""
        file = self.config["datasets"][name].get("file")
        return [file] if file else []

    def requires_energy(self, name: str) -> bool:
        """A dataset whose regression takes the energies from the dataset (no targets file)
        must have an energy in every structure: checked at the dataset step."""
        return name in self.regression_datasets and not (self.regression.get("targets") or {}).get("file")

    def rep_entry(self, rep: str) -> dict:
        """A representation's main config entry as given (its ``class`` key included)."""
        return self.config["representations"][rep] or {}

    def rep_params(self, rep: str, section: str | None = None) -> dict:
        """Parameters of a representation: the study's section overrides the main ones."""
        params = dict(self.config["representations"].get(rep) or {})
        if section is not None:
            overrides = (self.config.get(section, {}) or {}).get("representations", {}) or {}
            params = section_params(params, overrides.get(rep))
        return params

    def rep_fingerprint(self, rep: str, section: str | None = None) -> dict:
        """What besides its parameters defines ``rep``'s numbers (its code's digest, the
        modules it covers, its libraries' versions): a params entry of every job that
        computes the representation, so that editing its code reruns exactly those jobs."""
        return _fingerprint(rep, json.dumps(self.rep_params(rep, section), sort_keys=True, default=str))

    @cached_property
    def class_entries(self) -> dict:
        """Name → the ``class`` key of each representation's entry (empty for a built-in):
        what the figure and table stages pass to ``registry.classes_of``, without the config."""
        from descriptor_study.representations.registry import CLASS_KEY

        entries = {r: self.config["representations"][r] or {} for r in self.representations}
        return {r: {CLASS_KEY: e[CLASS_KEY]} if CLASS_KEY in e else {} for r, e in entries.items()}

    @cached_property
    def facts(self) -> str:
        """The digest of the facts about the representations (``facts.yaml``: labels,
        colours, order, what the paper published): a params entry of every job that reads
        them (figures, tables, the report, the cards), so that correcting one reruns those
        jobs and no job that computes a representation."""
        from descriptor_study import facts

        return facts.digest()

    def sensitivity_facts(self, rep: str) -> dict:
        """The facts that set ``rep``'s sensitivity paths where the config says ``authors``
        (``sensitivity.resolve_settings``): a params entry of its ``sensitivity_curve`` job."""
        from descriptor_study import facts

        cls = self.classes.get(rep)
        return {k: list(v) if isinstance(v, tuple) else v for k in SENSITIVITY_FACTS for v in [facts.of(cls, k)]}

    # --- representations and Table I -----------------------------------------------------

    @cached_property
    def representation_files(self) -> list[dict]:
        """Table I's records: one per (dataset, representation)."""
        return [
            {"dataset": d, "rep": r, "path": fill(REPRESENTATION, dataset=d, rep=r)}
            for d in self.datasets
            for r in self.representations
        ]

    @cached_property
    def degree_rep(self) -> str | None:
        """The representation that sweeps a degree (its ``degree_parameter``, Figure 6h), if any."""
        from descriptor_study.representations import registry

        return next(iter(registry.with_attribute("degree_parameter", self.representations, self.classes)), None)

    @cached_property
    def degree_param(self) -> str | None:
        from descriptor_study import facts

        return facts.of(self.classes[self.degree_rep], "degree_parameter") if self.degree_rep else None

    def degree_params(self, degree: int | str) -> dict:
        """The degree-sweep representation's parameters at ``degree``."""
        return {**self.rep_params(self.degree_rep), self.degree_param: int(degree)}

    @cached_property
    def std_rep(self) -> str | None:
        """The representation with a standardised variant (Figure 6g), if any."""
        from descriptor_study.representations import registry

        return next(iter(registry.with_attribute("standardised_variant", self.representations, self.classes)), None)

    # --- sensitivity ---------------------------------------------------------------------

    @cached_property
    def sensitivity_reps(self) -> list[str]:
        return list(self.sensitivity.get("representations", {}) or self.representations)

    @cached_property
    def sensitivity_settings(self) -> dict:
        return {k: v for k, v in self.sensitivity.items() if k != "representations"}

    @cached_property
    def sensitivity_curves(self) -> list[dict]:
        """One record per curve: panel, rep, path."""
        return [
            {"panel": p, "rep": r, "path": fill(CURVE, panel=p, rep=r)} for p in PANELS for r in self.sensitivity_reps
        ]

    @cached_property
    def sensitivity_targets(self) -> list[str]:
        if not self.sensitivity:
            return []
        figures = [f for stem in ("figure3", "figure4", "figure5") for f in figure_files(stem)]
        return figures + table_files("sensitivity_slopes")

    # --- dimensionality ------------------------------------------------------------------

    @cached_property
    def dim_methods(self) -> list[str]:
        return self.dimensionality.get("methods", list(METHODS))

    # (the config keys keep the paper's names of the two studies)
    @cached_property
    def degree_dataset(self) -> str | None:
        return self.dimensionality.get("ace_degree_dataset") if self.degree_rep else None

    @cached_property
    def degrees(self) -> list:
        return self.dimensionality.get("ace_degrees", []) if self.degree_dataset else []

    @cached_property
    def std_dataset(self) -> str | None:
        return self.dimensionality.get("standardised_mbtr_dataset") if self.std_rep else None

    @cached_property
    def fps_dataset(self) -> str:
        return self.dimensionality.get("fps_dataset", self.datasets[0])

    @cached_property
    def std_variant(self) -> str | None:
        """The variant name of the standardised curve (``MBTR-std``), if any."""
        return f"{self.std_rep}-std" if self.std_rep else None

    def dimensionality_records(self, method: str, datasets: list[str] | None = None) -> list[dict]:
        """One record per CUR/FPS/PCA curve of ``method``: method, dataset, rep, path."""
        return [
            {"method": method, "dataset": d, "rep": r, "path": fill(SELECTION, method=method, dataset=d, variant=r)}
            for d in (datasets or self.datasets)
            for r in self.representations
        ]

    @cached_property
    def degree_records(self) -> list[dict]:
        """Figure 6h: the degree-sweep representation's CUR curves at each degree."""
        if not self.dimensionality:
            return []
        records = []
        for g in self.degrees:
            variant = f"{self.degree_rep}-degree{g}"
            records.append(
                {
                    "method": "cur",
                    "dataset": self.degree_dataset,
                    "rep": self.degree_rep,
                    "degree": int(g),
                    "variant": variant,
                    "path": fill(SELECTION, method="cur", dataset=self.degree_dataset, variant=variant),
                }
            )
        return records

    @cached_property
    def std_records(self) -> list[dict]:
        """Figure 6g: the standardised representation's CUR curve."""
        if not (self.dimensionality and self.std_dataset):
            return []
        variant = self.std_variant
        return [
            {
                "method": "cur",
                "dataset": self.std_dataset,
                "rep": self.std_rep,
                "variant": variant,
                "path": fill(SELECTION, method="cur", dataset=self.std_dataset, variant=variant),
            }
        ]

    def standardise(self, variant: str) -> bool:
        """Whether a selection job of ``variant`` standardises the columns first."""
        return variant == self.std_variant

    def selection_input(self, dataset: str, variant: str) -> str:
        """The matrix a CUR/FPS/PCA job reads (<std_rep>-std reads <std_rep>'s)."""
        rep = self.std_rep if self.standardise(variant) else variant
        return fill(REPRESENTATION, dataset=dataset, rep=rep)

    @cached_property
    def dimensionality_targets(self) -> list[str]:
        if not self.dimensionality:
            return []
        methods = self.dim_methods
        return (
            (figure_files("figure6") + table_files("compressibility") if "cur" in methods else [])
            + (figure_files("figure7") if "pca" in methods else [])
            + (figure_files("figure8") if "fps" in methods else [])
        )

    # --- regression ----------------------------------------------------------------------

    @cached_property
    def regression_datasets(self) -> list[str]:
        return self.regression.get("datasets", []) if self.regression else []

    @cached_property
    def n_top(self) -> int:
        """``regression.n_top``: the sweeps fit every size up to it, Figure 9's panels (a)
        and (c) show those sizes (default :data:`N_TOP`)."""
        return int(self.regression.get("n_top", N_TOP))

    def regression_sweeps(self, datasets: list[str]) -> list[dict]:
        """One record per sweep of ``datasets``: model, dataset, rep, path."""
        return [
            {"model": m, "dataset": d, "rep": r, "path": fill(SWEEP, model=m, dataset=d, rep=r)}
            for m in MODELS
            for d in datasets
            for r in self.representations
        ]

    def regression_file(self, key: str) -> list[str]:
        """The ``split`` or ``targets`` file of the regression section, as a job input."""
        file = (self.regression.get(key) or {}).get("file")
        return [file] if file else []

    @cached_property
    def regression_targets(self) -> list[str]:
        if not self.regression_datasets:
            return []
        figures = [f for d in self.regression_datasets for f in figure_files(f"figure9_{d}")]
        return figures + table_files("regression_best")

    # --- the published results and the reproduction report --------------------------------

    @cached_property
    def compare(self) -> bool:
        return bool(self.published.get("compare", False))

    @cached_property
    def overlay(self) -> bool:
        return self.compare and bool(self.published.get("overlay", True))

    @cached_property
    def published_names(self) -> list[str]:
        """The authors' published result files (``data/published/<name>``)."""
        from descriptor_study.pins import PUBLISHED_FILES

        return list(PUBLISHED_FILES)

    @cached_property
    def published_input(self) -> list[str]:
        return [fill(PUBLISHED, name=n) for n in self.published_names] if self.compare else []

    @cached_property
    def overlay_input(self) -> list[str]:
        return self.published_input if self.overlay else []

    @cached_property
    def compare_as(self) -> dict:
        """Our dataset → the published dataset it stands for (None: no counterpart)."""
        from descriptor_study.reproduction.names import compare_as

        return {d: compare_as(spec) for d, spec in self.config["datasets"].items()}

    @cached_property
    def comparable(self) -> list[str]:
        return [d for d in self.datasets if self.compare_as[d]] if self.compare else []

    @cached_property
    def report_sensitivity(self) -> list[dict]:
        return self.sensitivity_curves if (self.compare and self.sensitivity) else []

    @cached_property
    def report_dimensionality(self) -> list[dict]:
        if not self.dimensionality:
            return []
        curves = [
            {"method": e["method"], "dataset": e["dataset"], "variant": e["rep"], "path": e["path"]}
            for m in self.dim_methods
            for d in self.comparable
            for e in self.dimensionality_records(m, [d])
            if m != "fps" or d == self.fps_dataset  # FPS runs on Figure 8's dataset only
        ]
        degrees = [
            {k: e[k] for k in ("method", "dataset", "variant", "degree", "path")}
            for e in self.degree_records
            if self.degree_dataset in self.comparable
        ]
        standardised = [
            {k: e[k] for k in ("method", "dataset", "variant", "path")}
            for e in self.std_records
            if self.std_dataset in self.comparable
        ]
        return curves + degrees + standardised

    @cached_property
    def report_regression(self) -> list[dict]:
        return self.regression_sweeps([d for d in self.regression_datasets if d in self.comparable])

    # --- report cards ----------------------------------------------------------------------

    @cached_property
    def card_files(self) -> list[str]:
        """Every representation's card (JSON, Markdown, its figure as PNG, a web page) and the
        league table (CSV, Markdown, the web page ``index.html``)."""
        cards = [fill(CARD, rep=r, ext=e) for r in self.representations for e in ("json", "md", "png", "html")]
        return cards + [fill(LEAGUE, ext="csv"), fill(LEAGUE, ext="md"), INDEX]

    @cached_property
    def card_gaps(self) -> dict[str, dict[str, str]]:
        """Representation → {stage: why that stage made nothing for it}: what its card says
        is missing, and why (a study not configured, or not for this representation)."""
        gaps: dict[str, dict[str, str]] = {}
        for r in self.representations:
            g = {}
            if not self.sensitivity:
                g["sensitivity"] = "not configured (no `sensitivity` section in the config)"
            elif r not in self.sensitivity_reps:
                g["sensitivity"] = f"not configured for {r} (`sensitivity.representations` does not list it)"
            for method in ("cur", "pca"):
                if not self.dimensionality:
                    g[method] = "not configured (no `dimensionality` section in the config)"
                elif method not in self.dim_methods:
                    g[method] = f"not configured (`dimensionality.methods` does not list {method})"
            for d in self.datasets:
                if not self.regression_datasets:
                    g[f"regression {d}"] = "not configured (no `regression.datasets` in the config)"
                elif d not in self.regression_datasets:
                    g[f"regression {d}"] = f"not configured for {d} (`regression.datasets` does not list it)"
            gaps[r] = g
        return gaps

    @cached_property
    def card_inputs(self) -> dict:
        """What the cards are made from: the run's tables and curves (None / [] where the
        stage is not configured), the card jobs' parts and the represent jobs' benchmarks
        (read when present: a benchmark file is no rule's output)."""
        dim = bool(self.dimensionality)
        methods = self.dim_methods if dim else []
        return {
            "representations": self.representations,
            "datasets": self.datasets,
            "table1": table_files("table1")[0],
            "slopes": table_files("sensitivity_slopes")[0] if self.sensitivity else None,
            "curves": self.sensitivity_curves if self.sensitivity else [],
            "compressibility": table_files("compressibility")[0] if "cur" in methods else None,
            "cur": self.dimensionality_records("cur") if "cur" in methods else [],
            "pca": self.dimensionality_records("pca") if "pca" in methods else [],
            "regression": table_files("regression_best")[0] if self.regression_datasets else None,
            "sweeps": self.regression_sweeps(self.regression_datasets),
            "n_top": self.n_top if self.regression_datasets else None,
            "classes": self.class_entries,
            "parts": [{"rep": r, "path": fill(CARD_PART, rep=r)} for r in self.representations],
            "benchmarks": [
                {"dataset": d, "rep": r, "path": fill(BENCHMARK, rule="represent", job=f"{d}/{r}")}
                for d in self.datasets
                for r in self.representations
            ],
            "gaps": self.card_gaps,
        }

    @cached_property
    def card_input_files(self) -> list[str]:
        """The files of :attr:`card_inputs` the cards job needs made before it runs."""
        c = self.card_inputs
        tables = [c[k] for k in ("table1", "slopes", "compressibility", "regression") if c[k]]
        records = [e for k in ("curves", "cur", "pca", "sweeps", "parts") for e in c[k]]
        return tables + record_paths(records)

    # --- everything ----------------------------------------------------------------------

    @cached_property
    def targets(self) -> list[str]:
        """What ``rule all`` asks for."""
        return (
            table_files("table1")
            + self.sensitivity_targets
            + self.dimensionality_targets
            + self.regression_targets
            + [fill(REPORT, ext="csv"), fill(REPORT, ext="md")]
            + self.card_files
        )

    # --- job specs: one per rule (descriptor_study.jobs), the rule's one param -------------

    def dataset_job(self, dataset: str) -> jobs.DatasetJob:
        return jobs.DatasetJob(
            spec={"name": dataset, **self.dataset_spec(dataset)},
            out=fill(DATASET, dataset=dataset),
            source=self.dataset_source(dataset),
            require_energy=self.requires_energy(dataset),
            mirror=self.data.get("mirror"),
            cache=self.data.get("cache", "data/cache"),
        )

    def pinned_file_job(self, group: str, name: str) -> jobs.PinnedFileJob:
        return jobs.PinnedFileJob(group, name, fill(PINNED, group=group, name=name), self.data.get("mirror"))

    def published_file_job(self, name: str) -> jobs.PublishedFileJob:
        return jobs.PublishedFileJob(
            name, fill(PUBLISHED, name=name), self.published.get("mirror"), self.data.get("cache", "data/cache")
        )

    def represent_job(self, dataset: str, rep: str) -> jobs.RepresentJob:
        return jobs.RepresentJob(
            dataset=dataset,
            rep=rep,
            data=fill(DATASET, dataset=dataset),
            out=fill(REPRESENTATION, dataset=dataset, rep=rep),
            params=self.rep_params(rep),
            species=self.species(dataset),
            code=self.rep_fingerprint(rep),
        )

    def represent_degree_job(self, dataset: str, degree: int | str) -> jobs.RepresentJob:
        """The degree-sweep representation at ``degree`` (Figure 6h): written as the variant
        ``<rep>-degree<degree>``, computed and stored as the representation itself."""
        return jobs.RepresentJob(
            dataset=dataset,
            rep=self.degree_rep,
            data=fill(DATASET, dataset=dataset),
            out=fill(REPRESENTATION, dataset=dataset, rep=f"{self.degree_rep}-degree{degree}"),
            params=self.degree_params(degree),
            species=self.species(dataset),
            code=self.rep_fingerprint(self.degree_rep),
        )

    def table1_job(self) -> jobs.Table1Job:
        return jobs.Table1Job(self.representation_files, *table_files("table1"), self.class_entries, facts=self.facts)

    def sensitivity_curve_job(self, rep: str) -> jobs.SensitivityCurveJob:
        return jobs.SensitivityCurveJob(
            rep=rep,
            outputs_by_panel={p: fill(CURVE, panel=p, rep=rep) for p in PANELS},
            params=self.rep_params(rep, "sensitivity"),
            settings=self.sensitivity_settings,
            code=self.rep_fingerprint(rep, "sensitivity"),
            facts=self.sensitivity_facts(rep),
        )

    def sensitivity_slopes_job(self) -> jobs.SensitivitySlopesJob:
        return jobs.SensitivitySlopesJob(
            self.sensitivity_curves, *table_files("sensitivity_slopes"), self.class_entries
        )

    def sensitivity_figures_job(self) -> jobs.SensitivityFiguresJob:
        figures = [f for stem in ("figure3", "figure4", "figure5") for f in figure_files(stem)]
        return jobs.SensitivityFiguresJob(
            self.sensitivity_curves, figures, self.overlay_input, self.class_entries, facts=self.facts
        )

    def select_features_job(self, method: str, dataset: str, variant: str) -> jobs.SelectFeaturesJob:
        return jobs.SelectFeaturesJob(
            method=method,
            dataset=dataset,
            variant=variant,
            h5=self.selection_input(dataset, variant),
            out=fill(SELECTION, method=method, dataset=dataset, variant=variant),
            standardise=self.standardise(variant),
        )

    def figure6_job(self) -> jobs.Figure6Job:
        return jobs.Figure6Job(
            curves=self.dimensionality_records("cur"),
            figures=figure_files("figure6"),
            standardised=self.std_records,
            degrees=self.degree_records,
            published=self.overlay_input,
            compare_as=self.compare_as,
            class_entries=self.class_entries,
            facts=self.facts,
        )

    def figure7_job(self) -> jobs.Figure7Job:
        return jobs.Figure7Job(
            self.dimensionality_records("pca"),
            figure_files("figure7"),
            self.overlay_input,
            self.compare_as,
            self.class_entries,
            facts=self.facts,
        )

    def figure8_job(self) -> jobs.Figure8Job:
        return jobs.Figure8Job(
            cur=self.dimensionality_records("cur", [self.fps_dataset]),
            fps=self.dimensionality_records("fps", [self.fps_dataset]),
            dataset=self.fps_dataset,
            figures=figure_files("figure8"),
            published=self.overlay_input,
            compare_as=self.compare_as,
            class_entries=self.class_entries,
            facts=self.facts,
        )

    def compressibility_job(self) -> jobs.CompressibilityJob:
        return jobs.CompressibilityJob(self.dimensionality_records("cur"), *table_files("compressibility"))

    def regress_job(self, model: str, dataset: str, rep: str) -> jobs.RegressJob:
        return jobs.RegressJob(
            model=model,
            dataset=dataset,
            representation=rep,
            h5=fill(REPRESENTATION, dataset=dataset, rep=rep),
            ranking_csv=fill(SELECTION, method="cur", dataset=dataset, variant=rep),
            dataset_path=fill(DATASET, dataset=dataset),
            out_csv=fill(SWEEP, model=model, dataset=dataset, rep=rep),
            hyper=(self.regression.get("hyperparameters", {}) or {}).get(rep),
            search=self.regression.get("search", False),
            split=self.regression.get("split", {}),
            n_top=self.n_top,
            e0=self.config["datasets"][dataset].get("e0"),
            targets=self.regression.get("targets"),
        )

    def figure9_job(self, dataset: str) -> jobs.Figure9Job:
        return jobs.Figure9Job(
            sweeps=self.regression_sweeps([dataset]),
            dataset=dataset,
            figures=figure_files(f"figure9_{dataset}"),
            published=self.overlay_input,
            compare_as=self.compare_as.get(dataset),
            class_entries=self.class_entries,
            n_top=self.n_top,
            facts=self.facts,
        )

    def regression_table_job(self) -> jobs.RegressionTableJob:
        return jobs.RegressionTableJob(
            self.regression_sweeps(self.regression_datasets), *table_files("regression_best")
        )

    def reproduction_job(self) -> jobs.ReproductionJob:
        return jobs.ReproductionJob(
            csv=fill(REPORT, ext="csv"),
            md=fill(REPORT, ext="md"),
            table1=table_files("table1")[0],
            sensitivity=self.report_sensitivity,
            dimensionality=self.report_dimensionality,
            regression=self.report_regression,
            published=self.published_input,
            compare_as=self.compare_as,
            not_run=self.published.get("not_run", {}),
            class_entries=self.class_entries,
            facts=self.facts,
        )

    def card_part_job(self, rep: str) -> jobs.CardPartJob:
        return jobs.CardPartJob(
            rep=rep,
            representations={d: fill(REPRESENTATION, dataset=d, rep=rep) for d in self.datasets},
            out=fill(CARD_PART, rep=rep),
            entry=self.config["representations"][rep] or {},
            code=self.rep_fingerprint(rep),
        )

    def cards_job(self) -> jobs.CardsJob:
        return jobs.CardsJob(self.card_inputs, self.card_input_files, self.card_files, facts=self.facts)
