"""Table I (feature counts) and the writer shared by every table of the workflow."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from . import storage
from .representations import PAPER_ORDER

#: Table I of the paper: non-zero (full) counts; None where the paper gives no full count
PAPER_TABLE1 = {
    "ACSF": {"Si": 51, "CHON": 462, "AlNiCu": 282, "TiO2": 145},
    "ACSF-X": {"Si": "57 (195)", "CHON": "634 (1644)", "AlNiCu": "544 (1017)", "TiO2": 534},
    "SOAP": {"Si": 450, "CHON": 6660, "AlNiCu": 3780, "TiO2": 1710},
    "SOAPlite": {"Si": 450, "CHON": 4500, "AlNiCu": 2700, "TiO2": 1350},
    "CHSF": {"Si": 20, "CHON": 44, "AlNiCu": 44, "TiO2": 44},
    "ACE": {"Si": 30, "CHON": 30, "AlNiCu": 30, "TiO2": 30},
    "MBTR": {"Si": 182, "CHON": 5000, "AlNiCu": 2400, "TiO2": 900},
}


def _order(rep: str) -> int:
    return PAPER_ORDER.index(rep) if rep in PAPER_ORDER else len(PAPER_ORDER)


def table1(paths: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Long table: representation, dataset, nonzero, full (one row per .h5 file)."""
    rows = []
    for path in paths:
        data = storage.read(path)
        rows.append(
            {
                "representation": data.representation,
                "dataset": data.dataset,
                "nonzero": int(len(data.nonzero_columns())),
                "full": int(data.matrix.shape[1]),
                "rows": int(data.matrix.shape[0]),
            }
        )
    df = pd.DataFrame(rows, columns=["representation", "dataset", "nonzero", "full", "rows"])
    df["_o"] = df["representation"].map(_order)
    # representations in the paper's order; datasets in the order the files came (config order)
    return df.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def table1_markdown(df: pd.DataFrame) -> str:
    """The paper's layout: representations down, datasets across, 'non-zero (full)'."""
    datasets = list(dict.fromkeys(df["dataset"]))
    reps = list(dict.fromkeys(df["representation"]))
    cell = {
        (r.representation, r.dataset): (
            f"{r.nonzero}" if r.nonzero == r.full else f"{r.nonzero} ({r.full})"
        )
        for r in df.itertuples()
    }
    lines = ["| Desc. | " + " | ".join(datasets) + " |", "|---" * (len(datasets) + 1) + "|"]
    for rep in reps:
        lines.append(f"| {rep} | " + " | ".join(cell.get((rep, d), "") for d in datasets) + " |")
    return "\n".join(lines)


def write_table(
    df: pd.DataFrame, csv: str | os.PathLike, md: str | os.PathLike, title: str = "", markdown: str | None = None
) -> None:
    """Write a table as CSV and Markdown, each atomically."""
    csv, md = Path(csv), Path(md)
    csv.parent.mkdir(parents=True, exist_ok=True)
    if markdown is None:
        markdown = table1_markdown(df) if {"nonzero", "full"} <= set(df.columns) else _markdown(df)
    text = (f"{title}\n\n" if title else "") + markdown + "\n"
    for path, write in ((csv, lambda p: df.to_csv(p, index=False)), (md, lambda p: Path(p).write_text(text))):
        tmp = path.with_name(f".{path.name}.tmp")
        write(tmp)
        os.replace(tmp, path)


def _markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|---" * len(cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
