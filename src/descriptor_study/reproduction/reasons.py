"""The reasons of the reproduction report's cells: the known ones of ``deviations.yaml``
(beside the package) matched to the cells they explain."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def load_deviations(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Known reasons: entries with ``match`` (item prefix, representation, dataset, figure,
    metric substring; all optional) and ``reason``."""
    import yaml

    path = Path(path) if path else Path(__file__).parent.parent / "deviations.yaml"
    if not path.is_file():
        return []
    return list(yaml.safe_load(path.read_text()) or [])


def _matches(row: dict[str, Any], match: dict[str, Any]) -> bool:
    for key, want in match.items():
        if key == "item":
            if not str(row["item"]).startswith(str(want)):
                return False
        elif key == "metric":
            if str(want) not in str(row["metric"]):
                return False
        elif key == "verdict":
            if row["verdict"] not in (want if isinstance(want, list) else [want]):
                return False
        elif isinstance(want, list):
            if row.get(key) not in want:
                return False
        elif row.get(key) != want:
            return False
    return True


#: the reason of a sensitivity cell whose curve of ours is exactly zero (found from the curve)
ZERO_CURVE = "our curve is exactly 0 at every t: the perturbation moved nothing within the cutoff"


def attach_reasons(rows: list[dict[str, Any]], deviations: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        if row["reason"] == ZERO_CURVE:
            continue
        reasons = [d["reason"].strip() for d in deviations if _matches(row, d.get("match", {}))]
        if reasons:
            row["reason"] = " ".join(dict.fromkeys(reasons))
