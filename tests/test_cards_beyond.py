"""Report cards of the representations of today (config/beyond-2020.yaml): featomic SOAP's
duplicate columns counted as empty, the pretrained model each learned class's card names,
and ``descriptor-study shares`` (CUR and PCA shares with and without the wide structures).

Needs the extras (featomic, chgnet, sevenn); each test is skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from descriptor_study import selection, storage
from descriptor_study.cards import verdicts
from descriptor_study.cards.card import dimensionality_measures
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]
CI_BEYOND = REPO / "config/ci-beyond-2020.yaml"
LEARNED = ("CHGNet", "SevenNet")


def _need(*names: str) -> None:
    absent = {name: cls for name, cls in registry._absent().items() if name in names}
    if absent:
        pytest.skip(registry.absence_reason(next(iter(absent.values()))))


def _alnicu_frames(alnicu_path: Path, index: str):
    import ase.io

    return ase.io.read(alnicu_path, index=index)


def _featomic_rows(frames, n_max: int) -> np.ndarray:
    rep = registry.build("featomic-SOAP", ["Al", "Ni", "Cu"], {"n_max": n_max, "l_max": n_max})
    return np.vstack([rep.compute(a) for a in frames])


def _stage_curve(X: np.ndarray, tmp_path: Path) -> pd.DataFrame:
    """The CUR curve as the dimensionality stage writes it, on the rows ``X``."""
    from descriptor_study.stages.dimensionality import run_selection

    stored = storage.StoredRepresentation(
        matrix=X.copy(),
        offsets=np.arange(len(X) + 1),
        n_atoms=np.ones(len(X), dtype=int),
        representation="featomic-SOAP",
        dataset="AlNiCu",
        species=["Al", "Ni", "Cu"],
        params={},
        versions={},
    )
    return run_selection("cur", stored, tmp_path / "cur.csv")


def _duplicates_and_rank(X: np.ndarray) -> tuple[int, np.ndarray, float]:
    """(exact duplicate columns, singular values, ‖X‖_F) of X's non-zero columns."""
    X = X[:, np.any(X != 0, axis=0)]
    distinct = np.unique(X, axis=1).shape[1]
    return X.shape[1] - distinct, np.linalg.svd(X, compute_uv=False), float(np.linalg.norm(X))


def _empty(curve: pd.DataFrame) -> int:
    run = {"datasets": ["AlNiCu"], "gaps": {}, "compressibility": None, "absent": {}, "pca": {}}
    run["cur"] = {("AlNiCu", "featomic-SOAP"): curve}
    (m,) = [m for m in dimensionality_measures("featomic-SOAP", run) if m["measure"] == "empty columns"]
    return m["value"]


def test_featomic_soaps_duplicate_columns_are_its_empty_columns(alnicu_path, tmp_path):
    """Every 20th AlNiCu structure (all three species, 1364 rows): featomic stores p(n₂, n₁)
    beside p(n₁, n₂) for like species; those copies are the only dependent columns, and
    the card counts exactly them."""
    _need("featomic-SOAP")
    X = _featomic_rows(_alnicu_frames(alnicu_path, "::20"), n_max=3)
    duplicates, sv, _ = _duplicates_and_rank(X)
    nonzero = len(sv)
    assert X.shape == (1364, 216) and nonzero == 216
    assert duplicates == 3 * 4 * 3  # like-species pairs × (l_max + 1) × n(n−1)/2
    rank = int(np.sum(sv > 1e-12 * sv[0]))
    assert rank == int(np.sum(sv > 1e-8 * sv[0]))  # a clear gap: exactly rank-deficient
    curve = _stage_curve(X, tmp_path)
    assert len(curve) == nonzero  # the stage's curve runs to the last column
    assert _empty(curve) == duplicates == nonzero - rank


def test_duplicates_are_counted_where_round_off_keeps_the_error_above_1e_12(alnicu_path, tmp_path):
    """The first 300 AlNiCu structures (few, similar ones: a tail of singular values at the
    entries' own precision, n_max = l_max = 6): the CUR error never falls to 1e-12, yet 210
    columns are exact copies.  The count uses the curve's own round-off floor: every copy
    is counted, and the count lies between the rank deficiencies at a tolerance a decade
    either side of 1e-12 of ‖X‖_F."""
    _need("featomic-SOAP")
    X = _featomic_rows(_alnicu_frames(alnicu_path, ":300"), n_max=6)
    duplicates, sv, norm = _duplicates_and_rank(X)
    assert X[:, np.any(X != 0, axis=0)].shape[1] == 2 * 7 * 36  # two species pairs occur, both like-species
    assert duplicates == 2 * 7 * 15
    curve = _stage_curve(X, tmp_path)
    errors = curve["error"].to_numpy()
    assert len(curve) == len(sv) and errors.min() > verdicts.ROUNDOFF_FLOOR  # never at 1e-12
    empty = _empty(curve)
    assert empty >= duplicates
    deficiency = {tol: len(sv) - int(np.sum(sv > tol * norm)) for tol in (1e-13, 1e-11)}
    assert deficiency[1e-13] <= empty <= deficiency[1e-11]
    floor = verdicts.roundoff_floor(errors)
    assert floor == verdicts.ROUNDOFF_FACTOR * errors[-1]
    assert empty == len(errors) - int(np.flatnonzero(errors <= floor)[0]) - 1


# --- a real run of config/ci-beyond-2020.yaml ---------------------------------------------------


@pytest.fixture(scope="session")
def ci_beyond_run(tmp_path_factory, snakemake, request):
    """config/ci-beyond-2020.yaml run to its end in a scratch directory (the `.ci/run` tiny
    run): a copy of config/ci.yaml's finished run (conftest's ``ci_run``, the same config but
    for the three classes: tests/test_beyond_2020_config.py) completed with it, so that the
    jobs the two share are made once in the test session, as in `.ci/run`."""
    _need("featomic-SOAP", *LEARNED)
    workdir = tmp_path_factory.mktemp("ci-beyond-cards") / "run"
    shutil.copytree(request.getfixturevalue("ci_run"), workdir, symlinks=True)  # keeps the files' times
    run = snakemake(workdir, "--cores", "2", "--configfile", str(CI_BEYOND), timeout=3600)
    assert run.returncode == 0, run.stderr[-3000:]
    # only the three classes' jobs and what gathers every representation ran again
    text = run.stdout + run.stderr
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", text.split("Job stats:")[1].split("total")[0], re.M))
    assert "dataset" not in stats and stats["represent"] == "6", stats
    named = set(re.findall(r"wildcards: .*?(?:rep|variant)=([\w-]+)", text))
    assert named == {"featomic-SOAP", *LEARNED}, named
    return workdir


@pytest.mark.xdist_group("ci_cards")  # with the report cards' tests, on the worker that made ci_run
def test_each_learned_models_card_names_the_model_and_its_weight_checksum(ci_beyond_run):
    config = yaml.safe_load(CI_BEYOND.read_text())
    first = next(iter(config["datasets"]))
    package = {"CHGNet": "chgnet", "SevenNet": "sevenn"}
    for rep in config["representations"]:
        card = json.loads((ci_beyond_run / f"results/cards/{rep}.json").read_text())
        found = [m for m in card["measures"] if m["test"] == "identity" and m["measure"] == "model"]
        if rep not in LEARNED:
            assert found == [], rep  # no model recorded, no model measure
            continue
        (model,) = found
        derived = storage.read(ci_beyond_run / f"results/representations/{first}/{rep}.h5").derived
        value = model["value"]
        assert re.fullmatch(r"[0-9a-f]{64}", value["sha256"])
        assert value["sha256"] == derived["weights_sha256" if rep == "CHGNet" else "checkpoint_sha256"]
        from descriptor_study.versions import package_versions

        version = package_versions(package[rep])[package[rep]]
        assert value["package"] == f"{package[rep]} {version}"
        assert value["name"] == {"CHGNet": derived.get("model"), "SevenNet": derived.get("model_name")}[rep]
        assert value["name"] in ("CHGNet 0.3.0", "SevenNet-0")
        md = (ci_beyond_run / f"results/cards/{rep}.md").read_text()
        assert f"| model | — | name={value['name']}" in md and value["sha256"] in md


# --- descriptor-study shares ---------------------------------------------------------------------


def _command() -> str:
    script = Path(sys.executable).parent / "descriptor-study"
    found = str(script) if script.exists() else shutil.which("descriptor-study")
    if not found:
        pytest.skip("the descriptor-study console script is not installed")
    return found


def _sevennet_file(alnicu_path: Path, path: Path) -> tuple[Path, list[int]]:
    """SevenNet's rows of AlNiCu's first 30 structures and of the two with the closest pair
    of atoms (0.08 Å and 0.09 Å), stored as the representation stage stores them; and the
    positions of those two in the file."""
    from ase.neighborlist import neighbor_list

    frames = _alnicu_frames(alnicu_path, ":")
    closest = [float(neighbor_list("d", a, 1.5).min(initial=np.inf)) for a in frames]
    tight = [int(k) for k in np.argsort(closest)[:2]]
    assert max(closest[k] for k in tight) < 0.1 and min(closest[:30]) > 1.5
    chosen = [frames[k] for k in range(30)] + [frames[k] for k in tight]
    rep = registry.build("SevenNet", ["Al", "Ni", "Cu"], {})
    rows = [rep.compute(a) for a in chosen]
    counts = [len(r) for r in rows]
    storage.write(
        path,
        storage.StoredRepresentation(
            matrix=np.vstack(rows),
            offsets=np.concatenate([[0], np.cumsum(counts)]),
            n_atoms=np.array(counts),
            representation="SevenNet",
            dataset="AlNiCu",
            species=["Al", "Ni", "Cu"],
            params=rep.describe()["params"],
            versions=rep.library_versions(),
            derived=rep.describe()["derived"],
        ),
    )
    return path, [30, 31]


def test_shares_with_and_without_the_wide_structures_are_the_selection_functions(alnicu_path, tmp_path):
    _need("SevenNet")
    h5, tight = _sevennet_file(alnicu_path, tmp_path / "SevenNet.h5")
    run = subprocess.run([_command(), "shares", str(h5)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    data = storage.read(h5)
    norms = np.linalg.norm(data.matrix, axis=1)
    frames = np.repeat(np.arange(data.n_structures), np.diff(data.offsets))
    # the two structures with atoms 0.08-0.09 Å apart are the card's wide ones
    assert verdicts.row_norm_range(norms, frames)["wide_frames"] == tight
    assert f"structures with a row >= 1000 x the median: 2 (frames {tight[0]}, {tight[1]})" in out
    assert norms[frames < 30].max() < 1e3 * np.median(norms) <= norms[frames >= 30].max()

    def direct(X: np.ndarray) -> str:
        X, _ = selection.drop_zero_columns(X)
        pca = verdicts.share_to_level(selection.pca_spectrum(X))
        cur = verdicts.share_to_level(selection.cur_ranking(X.copy()).errors)
        d = X.shape[1]
        return f"CUR {cur[0]} of {d} ({cur[1]:g} %), PCA {pca[0]} of {d} ({pca[1]:g} %)"

    keep = frames < 30
    assert f"all rows ({len(norms)} rows): {direct(data.matrix)}" in out
    assert f"without the 2 structures ({keep.sum()} rows): {direct(data.matrix[keep])}" in out
