"""Split and targets files: every bad index ends in one line naming the file, the line and
the index; an empty training or test set stops before any fit (issue 12, defects 3 and 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ase import Atoms
from conftest import run_snakemake

from descriptor_study import storage
from descriptor_study.errors import ConfigError, DatasetError
from descriptor_study.jobs import RegressJob
from descriptor_study.plan import N_TOP
from descriptor_study.splits import random_split, read_split, read_targets


def write(tmp_path, text, name="split.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_split_file_keeps_its_order(tmp_path):
    train, test = read_split(write(tmp_path, "3\n4\n0\n2\n\n1\n3\n"), n_structures=5)
    assert train.tolist() == [4, 0, 2] and test.tolist() == [1, 3]
    assert train.dtype == np.int64


@pytest.mark.parametrize(
    "text, message",
    [
        # Python indexing would have taken structure 4 (of 5) into training: now an error
        ("3\n0\n-1\n2\n3\n4\n", "split.txt: line 3: index -1 is negative"),
        (
            "2\n0\n1\n2\n5\n",
            "split.txt: line 5: index 5 is out of range: it counts the dataset's 5 structures from 0 to 4",
        ),
        ("2\n0\n1\n2\n2\n", "split.txt: an index appears twice: 2 on lines 4 and 5 (both test indices)"),
        ("2\n0\n3\n1\n3\n", "split.txt: line 5: index 3 is both a training index (line 3) and a test index"),
        ("2\n0\n1\n2\nx\n", "split.txt: line 5: 'x' is not an integer"),
    ],
    ids=["negative", "out-of-range", "duplicate", "overlap", "not-an-integer"],
)
def test_bad_index_names_file_line_and_index(tmp_path, text, message):
    with pytest.raises(DatasetError) as info:
        read_split(write(tmp_path, text), n_structures=5)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("0\n0\n1\n2\n", "split.txt: line 1: training count 0: the split has no training structure"),
        ("3\n0\n1\n2\n", "split.txt: line 1: training count 3 takes all 3 indices: the split has no test structure"),
        ("\n\n", "split.txt: empty split file"),
    ],
    ids=["no-training", "no-test", "empty-file"],
)
def test_empty_training_or_test_set(tmp_path, text, message):
    with pytest.raises(DatasetError, match=message):
        read_split(write(tmp_path, text), n_structures=5)


def test_random_split_that_leaves_a_set_empty():
    train, test = random_split(10, 0.8, 0)
    assert len(train) == 8 and len(test) == 2 and not set(train) & set(test)
    with pytest.raises(ConfigError) as info:
        random_split(10, 0.96, 0, dataset="mine")
    assert str(info.value) == (
        "config key regression.split.train_fraction: 0.96 of the 10 structures of dataset mine leaves 10 "
        "training and 0 test structures, so the test set is empty; choose a train_fraction between 0.1 and "
        "0.9, or give regression.split.file"
    )
    with pytest.raises(ConfigError, match="leaves 0 training and 10 test structures, so the training set"):
        random_split(10, 0.04, 0)


def test_targets_file_is_checked_line_by_line(tmp_path):
    good = write(tmp_path, "# header\n1 -158.5 1\n\n2 -320.25 2\n", "targets.txt")
    table = read_targets(good)
    assert table["n_atoms"].tolist() == [1, 2] and table["energy"].tolist() == [-158.5, -320.25]
    assert table["code"].tolist() == [1, 2] and table["line"].tolist() == [2, 4]
    bad = write(tmp_path, "1 -158.5 1\n2 abc 1\n", "targets.txt")
    with pytest.raises(DatasetError, match=r"targets.txt: line 2: expected 'n_atoms energy code'"):
        read_targets(bad)


# --- at the start of the regression job, before any fit -----------------------------------


def regression_inputs(tmp_path, n=10):
    """A file dataset of ``n`` Si pairs with energies, its stored structure vectors and a ranking."""
    from descriptor_study.datasets import write_structures

    rng = np.random.default_rng(0)
    structures = [Atoms("Si", positions=[[0, 0, 0]], info={"energy": -1.0})]
    for k in range(n - 1):
        d = 2.0 + 0.05 * k
        structures.append(Atoms("Si2", positions=[[0, 0, 0], [d, 0, 0]], info={"energy": -2.0 - 1 / d}))
    data = tmp_path / "mine.extxyz"
    write_structures(data, structures)
    n_atoms = np.array([len(a) for a in structures])
    matrix = rng.normal(size=(int(n_atoms.sum()), 4))
    h5 = tmp_path / "ACSF.h5"
    storage.write(
        h5,
        storage.StoredRepresentation(
            matrix=matrix,
            offsets=np.concatenate([[0], np.cumsum(n_atoms)]),
            n_atoms=n_atoms,
            representation="ACSF",
            dataset="mine",
            species=["Si"],
            params={},
            versions={},
        ),
    )
    ranking = tmp_path / "ranking.csv"
    pd.DataFrame({"feature": [2, 0, 3, 1]}).to_csv(ranking, index=False)
    return data, h5, ranking


@pytest.mark.parametrize(
    "split, error, message",
    [
        (
            {"train_fraction": 0.96, "seed": 0},
            ConfigError,
            "config key regression.split.train_fraction: 0.96 of the 10 structures of dataset mine leaves 10 training "
            "and 0 test structures",
        ),
        ("6\n0\n-1\n1\n2\n3\n4\n5\n6\n7\n", DatasetError, "split.txt: line 3: index -1 is negative"),
        (
            "6\n0\n10\n1\n2\n3\n4\n5\n6\n",
            DatasetError,
            "split.txt: line 3: index 10 is out of range: it counts the 10 structures of",
        ),
        (
            "6\n0\n1\n2\n3\n4\n5\n0\n6\n7\n",
            DatasetError,
            "split.txt: line 8: index 0 is both a training index (line 2) and a test index",
        ),
    ],
    ids=["train-fraction-leaves-no-test", "negative", "out-of-range", "overlap"],
)
def test_regression_stops_before_fitting(tmp_path, split, error, message):
    """Before: a random split with an empty test set wrote all-NaN test RMSEs and the bad
    split files fitted on the wrong structures or failed in numpy; now one line, no CSV."""
    from descriptor_study.stages.regression import regress_dataset

    data, h5, ranking = regression_inputs(tmp_path)
    if isinstance(split, str):
        split = {"file": str(write(tmp_path, split))}
    out = tmp_path / "out.csv"
    with pytest.raises(error) as info:
        regress_dataset(
            RegressJob("rr", h5, ranking, data, out, "mine", "ACSF", N_TOP, {"rr_lambda": 1e-6}, split=split)
        )
    assert message in str(info.value)
    assert not out.exists()


def test_regression_runs_with_a_good_split(tmp_path):
    from descriptor_study.stages.regression import regress_dataset

    data, h5, ranking = regression_inputs(tmp_path)
    split_file = write(tmp_path, "6\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n")
    out = tmp_path / "out.csv"
    df = regress_dataset(
        RegressJob(
            "rr", h5, ranking, data, out, "mine", "ACSF", N_TOP, {"rr_lambda": 1e-6}, split={"file": str(split_file)}
        )
    )
    assert out.exists() and len(df) == 4
    assert np.isfinite(df.select_dtypes("number").to_numpy()).all()


# --- the workflow: editing the split or targets file named in config reruns the regression --


def test_editing_split_or_targets_file_reruns_the_regression(repo_root, tmp_path):
    import os
    import time

    config = tmp_path / "mine.yaml"
    config.write_text(
        "datasets:\n  mine: {file: src/mine.extxyz, e0: {Si: -0.5}}\nrepresentations:\n  ACSF: {}\n"
        "regression:\n  datasets: [mine]\n  split: {file: split.txt}\n  targets: {file: targets.txt, code: 1}\n"
        "  hyperparameters:\n    ACSF: {rr_lambda: 1.0e-6, krr_lambda: 1.0e-6, krr_gamma: 1.0e-3}\n"
    )
    files = [
        "src/mine.extxyz",
        "split.txt",
        "targets.txt",
        "data/mine.extxyz",
        "results/representations/mine/ACSF.h5",
        "results/dimensionality/cur/mine/ACSF.csv",
        "results/regression/rr/mine/ACSF.csv",
    ]
    now = time.time()
    for age, name in zip(range(len(files), 0, -1), files):  # each file older than the next
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("placeholder\n")
        os.utime(path, (now - 10 * age, now - 10 * age))

    def dry_run():
        res = run_snakemake(
            tmp_path, "--cores", "1", "results/regression/rr/mine/ACSF.csv", "-n", "--configfile", str(config)
        )
        assert res.returncode == 0, res.stderr[-2000:]
        return res.stdout + res.stderr

    assert "Nothing to be done" in dry_run()
    for name in ("split.txt", "targets.txt"):
        os.utime(tmp_path / name, (now, now))  # the user edits both
    out = dry_run()
    assert "rule regress:" in out
    reason = next(line for line in out.splitlines() if "Updated input files:" in line)
    assert "split.txt" in reason and "targets.txt" in reason
    assert "rule represent:" not in out and "rule dataset:" not in out
