"""Table I from stored representations: counts, order and the paper's layout."""

from __future__ import annotations

import numpy as np
import pandas as pd

from descriptor_study import storage
from descriptor_study.jobs import Table1Job
from descriptor_study.representations import registry
from descriptor_study.stages import tables as stages
from descriptor_study.stages.tables import read_counts, write_table
from descriptor_study.tables import paper_table1, table1, table1_markdown


def _store(path, rep, dataset, matrix):
    storage.write(
        path,
        storage.StoredRepresentation(
            matrix=matrix,
            offsets=np.arange(len(matrix) + 1),
            n_atoms=np.ones(len(matrix), int),
            representation=rep,
            dataset=dataset,
            species=["Si"],
            params={"cutoff": 6.5},
            versions={"x": "1"},
        ),
    )


def test_table1_counts_and_layout(tmp_path):
    m = np.arange(12.0).reshape(3, 4)
    m[:, 1] = 0.0
    files = []
    for dataset in ["Si-demo", "AlNiCu-demo"]:
        for rep in ["MBTR", "ACSF"]:
            files.append({"dataset": dataset, "rep": rep, "path": tmp_path / dataset / f"{rep}.h5"})
            _store(files[-1]["path"], rep, dataset, m if rep == "MBTR" else np.ones((2, 5)))
    paths = [f["path"] for f in files]
    df = stages.table1(
        Table1Job(files, tmp_path / "t1.csv", tmp_path / "t1.md")
    )  # the rule's stage: read, count, write
    assert df.equals(table1(read_counts(files)))
    assert df.equals(pd.read_csv(tmp_path / "t1.csv"))
    assert (tmp_path / "t1.md").read_text() == f"Table I. Number of features\n\n{table1_markdown(df)}\n"
    assert df["representation"].tolist() == ["ACSF", "ACSF", "MBTR", "MBTR"]
    assert df["dataset"].tolist() == ["Si-demo", "AlNiCu-demo", "Si-demo", "AlNiCu-demo"]
    assert df.loc[df.representation == "MBTR", "nonzero"].tolist() == [3, 3]
    assert df.loc[df.representation == "MBTR", "full"].tolist() == [4, 4]
    md = table1_markdown(df)
    assert "| Desc. | Si-demo | AlNiCu-demo |" in md
    assert "| MBTR | 3 (4) | 3 (4) |" in md and "| ACSF | 5 | 5 |" in md
    write_table(df, tmp_path / "t.csv", tmp_path / "t.md", title="Table I")
    assert (tmp_path / "t.md").read_text().startswith("Table I")
    back = storage.read(paths[0])
    assert back.params == {"cutoff": 6.5} and back.versions == {"x": "1"} and back.matrix.shape == (3, 4)


def test_table1_names_come_from_the_records_not_the_paths(tmp_path):
    files = []
    for k, (rep, dataset, n) in enumerate([("MBTR", "mine", 3), ("ACSF-X", "mine", 4), ("SOAP", "other", 2)]):
        path = tmp_path / f"file{k}.h5"  # a path that names nothing
        _store(path, "stored-name", "stored-dataset", np.ones((2, n)))
        files.append({"dataset": dataset, "rep": rep, "path": path})
    df = table1(read_counts(files))
    # table order from the classes' ``order``; the names as the records give them
    assert df["representation"].tolist() == ["ACSF-X", "SOAP", "MBTR"]
    assert df["dataset"].tolist() == ["mine", "other", "mine"]
    assert df["full"].tolist() == [4, 2, 3]


def test_table1_orders_a_config_class_by_its_order(tmp_path):
    from descriptor_study.representations import Representation

    class Early(Representation):
        name = "Early"
        order = 0.5  # before every built-in

        n_features = 1

        def _compute(self, atoms, centers):
            return np.zeros((len(atoms), 1))

    files = []
    for k, rep in enumerate(["ACSF", "Early", "Unlisted"]):
        _store(tmp_path / f"{k}.h5", rep, "d", np.ones((1, 2)))
        files.append({"dataset": "d", "rep": rep, "path": tmp_path / f"{k}.h5"})
    rows = read_counts(files)
    assert table1(rows, {"Early": Early})["representation"].tolist() == ["Early", "ACSF", "Unlisted"]
    assert table1(rows)["representation"].tolist() == ["ACSF", "Early", "Unlisted"]  # no class: at the end, by name


def test_paper_table1_from_the_classes():
    got = paper_table1()
    # the paper's Table I (non-zero (full) counts), per representation the paper counted
    assert got["ACSF"] == {"Si": 51, "CHON": 462, "AlNiCu": 282, "TiO2": 145}
    assert got["ACSF-X"]["Si"] == "57 (195)" and got["ACSF-X"]["TiO2"] == 534
    assert got["SOAP"]["CHON"] == 6660 and got["SOAPlite"]["CHON"] == 4500
    assert got["CHSF"]["Si"] == 20 and got["ACE"]["AlNiCu"] == 30 and got["MBTR"]["Si"] == 182
    assert "CHSF-mix" not in got  # not in the paper's table
    assert list(got) == ["ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "ACE", "MBTR"]
    assert list(got) == registry.sort_names(got)
    assert paper_table1(["MBTR", "CHSF-mix"]) == {"MBTR": got["MBTR"]}


def test_represent_dataset_stores_the_names_it_is_given(tmp_path):
    from ase.build import bulk

    from descriptor_study.datasets.io import write_structures
    from descriptor_study.stages.representations import represent_dataset

    structures = [bulk("Si", "diamond", a=5.43), bulk("Si", "diamond", a=5.5).repeat((1, 1, 2))]
    write_structures(tmp_path / "file-with-another-name.extxyz", structures)
    out = tmp_path / "x.h5"
    represent_dataset(
        tmp_path / "file-with-another-name.extxyz", out, "CHSF", dataset="Mine", params={"cutoff": 4.0}, progress=False
    )
    back = storage.read(out)
    assert back.dataset == "Mine" and back.representation == "CHSF"
    assert back.n_atoms.tolist() == [2, 4] and back.matrix.shape[0] == 6
    df = table1(read_counts([{"dataset": "Mine", "rep": "CHSF", "path": out}]))
    assert df[["representation", "dataset", "rows"]].values.tolist() == [["CHSF", "Mine", 6]]
    assert df["full"].iloc[0] == back.matrix.shape[1]
