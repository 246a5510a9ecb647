"""The worked example: DScribe's LMBTR in one file outside the package (examples/lmbtr.py),
added through the config alone (examples/lmbtr.yaml).

Its numbers against values written from DScribe's definitions, its config and colour, and
(slow) the whole workflow run on the example config, as the README calls it, with LMBTR in
Table I, Figures 3-9 and every table.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from ase import Atoms
from conftest import run_snakemake
from scipy.special import erf

from descriptor_study import facts, storage
from descriptor_study.config import validate_config
from descriptor_study.datasets import dataset_species, read_structures
from descriptor_study.errors import ConfigError
from descriptor_study.plotting import style
from descriptor_study.representations import registry
from descriptor_study.vocabulary import PANELS

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "examples" / "lmbtr.yaml"
TARGET = f"{REPO / 'examples' / 'lmbtr.py'}:LMBTR"


def lmbtr(species, **params):
    return registry.build("LMBTR", species, {"class": TARGET, **params})


def binned_gaussian(grid: np.ndarray, centre: float, sigma: float) -> np.ndarray:
    """DScribe's broadening: the normalised Gaussian averaged over the bin of each grid point."""
    dx = grid[1] - grid[0]
    edges = np.append(grid - dx / 2, grid[-1] + dx / 2)
    cdf = 0.5 * (1.0 + erf((edges - centre) / (sigma * math.sqrt(2.0))))
    return np.diff(cdf) / dx


# --- the numbers ------------------------------------------------------------------------------


def test_k2_term_of_a_dimer_is_one_weighted_gaussian_at_the_inverse_distance():
    d, n, cutoff, threshold, sigma = 2.35, 50, 5.0, 1e-3, 0.05
    rep = lmbtr(["Si"], k3=False, n_grid=n, cutoff=cutoff, weight_threshold=threshold, sigma=sigma)
    row = rep.compute(Atoms("Si2", positions=[[0, 0, 0], [0, 0, d]]))[0]
    assert row.shape == (2 * n,)  # blocks: the centre marker X, then Si
    weight = threshold ** (d / cutoff)  # exp(-s d) with s = -ln(threshold) / cutoff
    expected = weight * binned_gaussian(np.linspace(0.1, 1.1, n), 1.0 / d, sigma)
    assert np.all(row[:n] == 0.0)
    assert np.allclose(row[n:], expected, rtol=1e-12, atol=1e-15)


def test_k3_term_of_a_right_triangle_holds_its_angles_with_the_perimeter_weight():
    """The centre at the right angle: 90° at the centre, 45° at each of the two neighbours."""
    d, n, threshold, angle_sigma = 2.4, 61, 1e-3, 6.0
    atoms = Atoms("Si3", positions=[[0, 0, 0], [d, 0, 0], [0, d, 0]])
    grid = np.linspace(0.0, 180.0, n)
    perimeter = (2 + math.sqrt(2)) * d
    for cutoff in (4.0, 5.0, 6.5):
        rep = lmbtr(["Si"], k2=False, n_grid=n, cutoff=cutoff, angle_sigma=angle_sigma)
        blocks = rep.compute(atoms, centers=[0])[0].reshape(-1, n)
        assert blocks.shape == (5, n)  # (S + 1)(3S + 2)/2 species blocks for S = 1
        weight = threshold ** (perimeter / (2 * cutoff))  # exp(-s' p), s' = -ln(threshold) / (2 cutoff)
        expected = np.zeros_like(blocks)
        if weight < threshold:  # perimeter 8.2 Å > 2 cutoff: the triangle is dropped
            assert cutoff == 4.0 and not blocks.any()
            continue
        expected[2] = weight * binned_gaussian(grid, 90.0, angle_sigma)  # the angle at the centre
        expected[4] = 2 * weight * binned_gaussian(grid, 45.0, angle_sigma)  # the two at its neighbours
        assert np.allclose(blocks, expected, rtol=1e-12, atol=1e-15)


def test_feature_count_and_terms():
    assert lmbtr(["Si"], n_grid=10).n_features == 2 * 10 + 5 * 10
    assert lmbtr(["Al", "Ni", "Cu"], n_grid=10).n_features == 4 * 10 + 4 * 11 // 2 * 10
    assert lmbtr(["Si"], n_grid=10, k3=False).n_features == 20
    with pytest.raises(ConfigError) as info:
        lmbtr(["Si"], k2=False, k3=False)
    assert "representations.LMBTR.k3" in str(info.value) and "\n" not in str(info.value)
    for bad in ({"k2_range": [1.0, 0.5]}, {"k3_range": [0, 90, 180]}, {"normalization": "n_atoms"}):
        with pytest.raises(ConfigError, match=f"representations.LMBTR.{next(iter(bad))}"):
            lmbtr(["Si"], **bad)


def test_batched_rows_are_each_structures_own_rows():
    """compute_many over cells and clusters of equal and of different sizes (DScribe returns
    an array for equal sizes, a list otherwise; one descriptor per periodicity)."""
    from ase.build import bulk

    rng = np.random.default_rng(0)
    cells = [bulk("Si", "diamond", a=5.43, cubic=True) for _ in range(2)] + [bulk("Si", "diamond", a=5.43)]
    clusters = [Atoms("Si4", positions=rng.normal(scale=1.5, size=(4, 3))) for _ in range(2)]
    structures = [cells[0], clusters[0], cells[1], cells[2], clusters[1]]
    for atoms in structures:
        atoms.positions += rng.normal(scale=0.05, size=atoms.positions.shape)
    rep = lmbtr(["Si"], n_grid=20)
    matrix, offsets = rep.compute_many(structures, n_jobs=2, progress=False)
    assert offsets.tolist() == [0, 8, 12, 20, 22, 26]
    for k, atoms in enumerate(structures):
        assert np.allclose(matrix[offsets[k] : offsets[k + 1]], rep.compute(atoms), rtol=1e-12, atol=1e-15)


# --- config and colour ------------------------------------------------------------------------


@pytest.fixture
def example_config(monkeypatch):
    """The example config, read from the repository (its class path is relative to it)."""
    monkeypatch.chdir(REPO)
    return yaml.safe_load(CONFIG.read_text())


def test_example_config_is_valid_and_names_the_class_in_the_file(example_config):
    validate_config(example_config, REPO / "workflow/schemas/config.schema.yaml")
    classes = registry.classes_of(example_config["representations"])
    assert set(classes) == {"ACSF", "SOAPlite", "LMBTR"}
    assert classes["LMBTR"].__name__ == "LMBTR" and facts.of(classes["LMBTR"], "colour") is None
    source = Path(sys.modules[classes["LMBTR"].__module__].__file__).resolve()
    assert source == REPO / "examples" / "lmbtr.py"  # the file outside the package


def test_example_takes_a_palette_colour_of_its_own(example_config):
    classes = registry.classes_of(example_config["representations"])
    colour = registry.colour("LMBTR", classes)
    assert colour in registry.PALETTE
    assert colour not in {registry.colour(n, classes) for n in registry.builtin_names()}
    # the same in another process (no salted hash)
    code = (
        "import yaml; from descriptor_study.representations import registry as r; "
        f"c = yaml.safe_load(open({str(CONFIG)!r}))['representations']; "
        "print(r.colour('LMBTR', r.classes_of(c)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": "3"},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == colour


# --- the whole workflow ---------------------------------------------------------------------------

FIGURES = ["figure3", "figure4", "figure5", "figure6", "figure7", "figure8"]


def colour_pixels(png: Path, colour: str) -> int:
    """Pixels of ``png`` drawn in ``colour`` (to within rounding)."""
    import matplotlib.image as mpimg
    from matplotlib.colors import to_rgb

    image = mpimg.imread(png)[..., :3]
    return int(np.all(np.abs(image - np.array(to_rgb(colour))) < 1.5 / 255, axis=-1).sum())


#: the study of config/ci.yaml (conftest's ``ci_run``), which the example's is but for LMBTR
CI = REPO / "config" / "ci.yaml"


def test_the_example_is_the_ci_study_with_lmbtr_in_place_of_mbtr():
    """The premise of ``example_run``: every key of the example config is config/ci.yaml's,
    but LMBTR in place of MBTR (and the standardised MBTR variant, which needs MBTR)."""
    example, ci = yaml.safe_load(CONFIG.read_text()), yaml.safe_load(CI.read_text())
    for key in ("data", "datasets", "regression", "threads"):
        assert example[key] == ci[key], key
    assert list(example["representations"]) == ["ACSF", "SOAPlite", "LMBTR"]
    assert list(ci["representations"]) == ["ACSF", "SOAPlite", "MBTR"]
    for name in ("ACSF", "SOAPlite"):
        assert example["representations"][name] == ci["representations"][name]
    mine, theirs = dict(example["sensitivity"]), dict(ci["sensitivity"])
    assert mine.pop("representations") == {**theirs.pop("representations"), "LMBTR": {}}
    assert mine == theirs
    assert example["dimensionality"] == {
        k: v for k, v in ci["dimensionality"].items() if k not in ("standardised_mbtr_dataset", "ace_degree_dataset")
    }


@pytest.fixture(scope="module")
def example_run(tmp_path_factory, request):
    """The example config through the repository's Snakefile, as the README calls it
    (``snakemake --cores 2 --configfile examples/lmbtr.yaml`` from the repository), with the
    results in a scratch working directory (``--directory``): the relative ``class:`` path,
    not in that directory, is found in the workflow's directory.

    The directory is a copy of config/ci.yaml's finished run (conftest's ``ci_run``; the
    example's study is that one with LMBTR in place of MBTR), as docs/adding-a-representation.md
    tells a user who adds a class to a finished run: only LMBTR's jobs and those that gather
    every representation run (the datasets, ACSF's and SOAPlite's jobs are the ci run's)."""
    work = tmp_path_factory.mktemp("lmbtr-run") / "run"
    shutil.copytree(request.getfixturevalue("ci_run"), work, symlinks=True)  # keeps the files' times
    res = run_snakemake(work, "--cores", "2", "--configfile", "examples/lmbtr.yaml", timeout=3600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    text = res.stdout + res.stderr
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", text.split("Job stats:")[1].split("total")[0], re.M))
    assert "dataset" not in stats and stats["represent"] == "2", stats
    assert set(re.findall(r"wildcards: .*?(?:rep|variant)=([\w-]+)", text)) == {"LMBTR"}
    config = yaml.safe_load(CONFIG.read_text())
    return work, config


@pytest.mark.xdist_group("ci_cards")  # on the worker that made ci_run, which example_run copies
@pytest.mark.slow
def test_example_runs_through_the_whole_workflow(example_run, monkeypatch):
    work, config = example_run
    results = work / "results"
    datasets = list(config["datasets"])
    names = list(config["representations"])

    # Table I: LMBTR's full count is the class's for each dataset's species
    table1 = pd.read_csv(results / "tables/table1.csv")
    for dataset in datasets:
        row = table1[(table1.representation == "LMBTR") & (table1.dataset == dataset)]
        assert len(row) == 1, table1
        species = dataset_species(read_structures(work / f"data/{dataset}.extxyz", require_energy=False))
        params = {k: v for k, v in config["representations"]["LMBTR"].items() if k != "class"}
        assert int(row.full.iloc[0]) == lmbtr(species, **params).n_features
        assert 0 < int(row.nonzero.iloc[0]) <= int(row.full.iloc[0])
        stored = storage.read(results / f"representations/{dataset}/LMBTR.h5")
        assert stored.matrix.shape[1] == int(row.full.iloc[0])
        for key in ("cutoff", "n_grid", "sigma"):
            assert stored.params[key] == config["representations"]["LMBTR"][key]
        assert "dscribe" in stored.versions
    nonzero = {
        d: int(table1[(table1.representation == "LMBTR") & (table1.dataset == d)].nonzero.iloc[0]) for d in datasets
    }

    # sensitivity: a slope per panel; rotation invariant, slope 1 for a generic move and 2
    # for the high-symmetry tangential one (LMBTR is smooth)
    slopes = pd.read_csv(results / "tables/sensitivity_slopes.csv")
    mine = slopes[slopes.representation == "LMBTR"].set_index("panel")
    assert set(mine.index) == set(PANELS)
    assert abs(mine.loc["fig4", "k"] - 1.0) < 0.1 and abs(mine.loc["fig5b", "k"] - 2.0) < 0.1
    for panel in PANELS:
        curve = pd.read_csv(results / f"sensitivity/{panel}/LMBTR.csv")
        assert np.isfinite(curve.dV).all() and (curve.dV > 0).any(), panel  # a curve on a log axis
    assert pd.read_csv(results / "sensitivity/fig3/LMBTR.csv").dV.max() < 1e-9

    # dimensionality: the compressibility table counts the non-zero features of Table I
    comp = pd.read_csv(results / "tables/compressibility.csv")
    for dataset in datasets:
        row = comp[(comp.representation == "LMBTR") & (comp.dataset == dataset)]
        assert len(row) == 1 and int(row.features.iloc[0]) == nonzero[dataset]
        for method in ("cur", "pca"):
            assert (results / f"dimensionality/{method}/{dataset}/LMBTR.csv").is_file()
    assert (results / f"dimensionality/fps/{config['dimensionality']['fps_dataset']}/LMBTR.csv").is_file()

    # regression: RR and KRR on each dataset, finite errors
    best = pd.read_csv(results / "tables/regression_best.csv")
    for dataset in config["regression"]["datasets"]:
        rows = best[(best.representation == "LMBTR") & (best.dataset == dataset)]
        assert sorted(rows.model) == ["KRR", "RR"]
        assert np.isfinite(rows.test_rmse).all() and (rows.test_rmse > 0).all() and rows.n_chosen.notna().all()
        assert (rows.n_features == nonzero[dataset]).all()
    assert (results / "reproduction.csv").is_file()

    # the figures: LMBTR drawn in its palette colour (lines in Figures 3-5 and 9, the panel
    # title of Figures 6-8), a colour no other representation of the run uses
    classes = registry.classes_of(config["representations"])  # class: path relative to the repository
    monkeypatch.chdir(work)
    colour = style.representation_colour("LMBTR", classes)  # what the figures draw (readable on white)
    assert colour not in {style.representation_colour(n, classes) for n in names if n != "LMBTR"}
    pngs = [results / f"figures/{f}.png" for f in FIGURES]
    pngs += [results / f"figures/figure9_{d}.png" for d in config["regression"]["datasets"]]
    for png in pngs:
        assert png.is_file() and png.with_suffix(".pdf").is_file(), png
        lines = png.stem in ("figure3", "figure4", "figure5") or png.stem.startswith("figure9")
        assert colour_pixels(png, colour) >= (300 if lines else 50), png.name

    # the report cards: LMBTR's card names its file, holds its own numbers, and the league ranks it
    card = json.loads((results / "cards/LMBTR.json").read_text())
    found = {(m["measure"], m["where"]): m for m in card["measures"]}
    assert found[("origin", None)]["value"] == "`class:` lmbtr.py:LMBTR"
    assert found[("slope", "fig4")]["value"] == pytest.approx(mine.loc["fig4", "k"])
    for dataset in datasets:
        row = comp[(comp.representation == "LMBTR") & (comp.dataset == dataset)].iloc[0]
        assert found[("CUR share", dataset)]["value"] == pytest.approx(row["percent_below_1e-3"])
    league = pd.read_csv(results / "cards/league.csv")
    assert league["representation"].tolist() == names
    assert (results / "cards/LMBTR.html").is_file() and colour_pixels(results / "cards/LMBTR.png", colour) >= 300
