"""Stages of ``workflow/rules/cards.smk``: the report cards of a run.

One small job per representation, :func:`card_part`, reads what the tables do not hold:
:func:`row_norms` of each dataset's ``.h5`` file (the spread of the row norms, the resolved
parameters and library versions) and :func:`invariances` (translation, permutation and
mirror on the contract's structures).  :func:`cards` then reads the run's tables, curves,
benchmarks and these parts and writes every card and the league table
(:mod:`descriptor_study.cards`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..cards import card as cardlib
from ..cards import html as cardhtml
from ..cards import verdicts
from ..jobs import CardPartJob, CardsJob

#: the resolution of a card's figure: a page's width at 100 % zoom (15 in × 100 dpi = 1500 px)
CARD_DPI = 100


def _write_json(obj: Any, path: str | os.PathLike) -> None:
    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=1, sort_keys=False, default=str) + "\n")


def _write_text(text: str, path: str | os.PathLike) -> None:
    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_text(text)


def row_norms(h5: str | os.PathLike) -> dict:
    """The row norms of one representation file (median, max/median, the structures with a
    row ≥ WIDE_ROW_FACTOR × the median) and what the file records of the representation
    (resolved parameters, derived entries, library versions)."""
    from .. import storage
    from ..cards.shares import row_frames

    data = storage.read(h5)
    norms = np.linalg.norm(data.matrix, axis=1)
    frames = row_frames(data.offsets, data.per_structure, len(norms))
    part = {
        "representation": data.representation,
        "dataset": data.dataset,
        "rows": int(len(norms)),
        **verdicts.row_norm_range(norms, frames),
        "params": data.params,
        "derived": data.derived,
        "versions": data.versions,
        "per_structure": data.per_structure,
    }
    return part


def _origin(rep: str, entry: Mapping[str, Any], cls: type) -> str:
    from ..representations.registry import CLASS_KEY

    if CLASS_KEY in entry:
        # a file's name, not its path (the workflow makes a relative one absolute)
        module, _, name = str(entry[CLASS_KEY]).rpartition(":")
        return f"`class:` {Path(module).name if module.endswith('.py') else module}:{name}"
    if cls.__module__.startswith("descriptor_study.representations."):
        return "built-in"
    return f"installed plugin ({cls.__module__})"


def invariances(rep: str, entry: Mapping[str, Any] | None) -> dict:
    """The largest relative row change of ``rep`` (config entry
    ``entry``, built for the contract's species) under translation, permutation and a
    mirror, on each of the contract's structures (descriptor_study.contract_structures); a
    class that fails on them is recorded as such."""
    from .. import contract_structures as cs
    from ..errors import StudyError
    from ..representations import registry

    entry = dict(entry or {})
    cls = registry.split_params(rep, entry)[0]
    part: dict[str, Any] = {"representation": rep, "origin": _origin(rep, entry, cls)}
    try:
        built = registry.build(rep, cs.SPECIES, entry)
        part["tolerance"] = max(verdicts.INVARIANCE_TOL, built.relative_precision or 0.0)
        measured: dict[str, dict[str, float]] = {"translation": {}, "permutation": {}, "mirror": {}}
        for kind, make in cs.STRUCTURES.items():
            atoms = make()
            ref = built.compute(atoms)
            perm = cs.permutation(len(atoms))
            measured["translation"][kind] = cs.largest_relative_change(ref, built.compute(cs.translated(atoms)))
            # per-atom rows follow their atoms; a global row stays as it is
            expected = ref if built.per_structure else ref[perm]
            measured["permutation"][kind] = cs.largest_relative_change(expected, built.compute(atoms[perm]))
            measured["mirror"][kind] = cs.largest_relative_change(ref, built.compute(cs.mirrored(atoms)))
        for name, values in measured.items():
            part[name] = {**values, "max": max(values.values())}
        part["error"] = None
    except (StudyError, ValueError) as exc:
        part["error"] = f"{rep} could not be computed on the contract's structures: {exc}"
    return part


def card_part(job: CardPartJob) -> dict:
    """Rule ``card_part``: what ``job.rep``'s card needs that no stage made, in one job (one
    import of its libraries): :func:`row_norms` of each dataset's file
    (``job.representations``: dataset → ``.h5`` path) and :func:`invariances`."""
    part = {
        "representation": job.rep,
        "norms": {dataset: row_norms(h5) for dataset, h5 in job.representations.items()},
        "invariance": invariances(job.rep, job.entry),
    }
    _write_json(part, job.out)
    return part


def _read_csv(path: str | None, absent: dict, name: str) -> pd.DataFrame | None:
    if not path:
        return None
    if not Path(path).is_file():
        absent[name] = f"input absent: {path}"
        return None
    return pd.read_csv(path)


def _read_curves(records: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> dict:
    return {tuple(e[k] for k in keys): pd.read_csv(e["path"]) for e in records if Path(e["path"]).is_file()}


def read_run(inputs: Mapping[str, Any]) -> dict:
    """What :func:`.card.build_cards` takes, read from the files ``inputs`` names
    (``Plan.card_inputs``); an absent file is left out and said so in ``absent``."""
    from ..representations import registry

    absent: dict[str, str] = {}
    run = {
        "representations": list(inputs["representations"]),
        "datasets": list(inputs["datasets"]),
        "gaps": inputs["gaps"],
        "absent": absent,
    }
    for name in ("table1", "slopes", "compressibility", "regression"):
        run[name] = _read_csv(inputs.get(name), absent, name)
    run["curves"] = _read_curves(inputs["curves"], ("panel", "rep"))
    run["cur"] = _read_curves(inputs["cur"], ("dataset", "rep"))
    run["pca"] = _read_curves(inputs["pca"], ("dataset", "rep"))
    run["sweeps"] = _read_curves(inputs.get("sweeps", []), ("model", "dataset", "rep"))
    run["n_top"] = inputs.get("n_top")
    run["classes"] = registry.classes_of(inputs.get("classes"))
    run["benchmarks"] = {
        (e["dataset"], e["rep"]): pd.read_csv(e["path"], sep="\t")
        for e in inputs["benchmarks"]
        if Path(e["path"]).is_file()
    }
    parts = [json.loads(Path(e["path"]).read_text()) for e in inputs["parts"] if Path(e["path"]).is_file()]
    run["norms"] = {(d, part["representation"]): n for part in parts for d, n in part["norms"].items()}
    run["invariance"] = {part["representation"]: part["invariance"] for part in parts}
    run["origins"] = {rep: part.get("origin") for rep, part in run["invariance"].items()}
    return run


#: the run a forked figure worker draws from (set before the workers fork: nothing is pickled)
_RUN: dict[str, Any] = {}


def _draw(rep: str, png: str) -> None:
    from ..plotting.card_figure import card_figure
    from ..plotting.style import save

    save(card_figure(rep, _RUN), Path(png).with_suffix(""), formats=("png",), dpi=CARD_DPI, tight=False)


def _draw_figures(run: Mapping[str, Any], pngs: Mapping[str, Path], workers: int) -> None:
    """Each representation's card figure (``pngs``: rep → path), drawn by ``workers``
    processes forked from this one (one: here)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _RUN.clear()
    _RUN.update(run)
    try:
        if workers <= 1 or len(pngs) < 2:
            for rep, png in pngs.items():
                _draw(rep, str(png))
            return
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(pngs)), mp_context=context) as pool:
            for done in [pool.submit(_draw, rep, str(png)) for rep, png in pngs.items()]:
                done.result()  # a failure in a worker is raised here
    finally:
        _RUN.clear()


def cards(job: CardsJob, root: str | os.PathLike = ".", workers: int = 1) -> dict[str, dict]:
    """Rule ``cards``: every representation's card (``results/cards/<rep>.{json,md,html}``,
    its figure ``<rep>.png``: :mod:`..plotting.card_figure`, shown in the page) and the
    league table (``results/cards/league.{csv,md}``, ``results/cards/index.html``) under
    ``root`` (the run's directory; the paths of ``job.inputs`` are relative to the working
    directory).  ``workers``: processes drawing the figures (the job's threads)."""
    from ..plan import CARD, INDEX, LEAGUE, fill
    from ..tables import markdown_table

    root = Path(root)
    run = read_run(job.inputs)
    built = cardlib.build_cards(run)
    pngs = {rep: root / fill(CARD, rep=rep, ext="png") for rep in built}
    _draw_figures(run, pngs, workers)
    for rep, card in built.items():
        _write_json(card, root / fill(CARD, rep=rep, ext="json"))
        _write_text(cardlib.card_markdown(card), root / fill(CARD, rep=rep, ext="md"))
        _write_text(cardhtml.card_html(card, cardhtml.embedded_png(pngs[rep])), root / fill(CARD, rep=rep, ext="html"))
    table = cardlib.league(built)
    with atomic_path(root / fill(LEAGUE, ext="csv")) as tmp:
        table.to_csv(tmp, index=False)
    legend = "Each cell: the value and its rank among the representations (1: the smallest value; — where not ranked)."
    _write_text(f"# League table\n\n{legend}\n\n{markdown_table(table)}\n", root / fill(LEAGUE, ext="md"))
    _write_text(cardhtml.index_html(built, table), root / INDEX)
    return built
