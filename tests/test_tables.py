"""Table I from stored representations: counts, order and the paper's layout."""

from __future__ import annotations

import numpy as np

from descriptor_study import storage
from descriptor_study.tables import table1, table1_markdown, write_table


def _store(path, rep, dataset, matrix):
    storage.write(path, storage.StoredRepresentation(
        matrix=matrix, offsets=np.arange(len(matrix) + 1), n_atoms=np.ones(len(matrix), int),
        representation=rep, dataset=dataset, species=["Si"], params={"cutoff": 6.5}, versions={"x": "1"},
    ))


def test_table1_counts_and_layout(tmp_path):
    m = np.arange(12.0).reshape(3, 4)
    m[:, 1] = 0.0
    paths = []
    for dataset in ["Si-demo", "AlNiCu-demo"]:
        for rep in ["MBTR", "ACSF"]:
            paths.append(tmp_path / dataset / f"{rep}.h5")
            _store(paths[-1], rep, dataset, m if rep == "MBTR" else np.ones((2, 5)))
    df = table1(paths)
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
