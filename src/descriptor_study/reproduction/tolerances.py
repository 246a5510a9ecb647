"""The tolerances of the reproduction report: how far ours may be from a published value and
still agree, one per kind of metric, fixed before any comparison was looked at
(docs/reproduction.md states them and why)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """How far ours may be from the published value and still agree."""

    kind: str  # "exact", "absolute", "decades", "below"
    value: float = 0.0
    floor: float = 0.0  # "decades": values both at or below the floor agree (round-off of either code)

    def describe(self) -> str:
        if self.kind == "exact":
            return "exact"
        if self.kind == "absolute":
            return f"±{self.value:g}"
        if self.kind == "below":
            return f"both < {self.value:g}"
        floor = f"; both ≤ {self.floor:g} agree" if self.floor else ""
        return f"±{self.value:g} decades{floor}"

    def agrees(self, published: float, ours: float) -> bool:
        if self.kind == "below":
            return bool(published < self.value and ours < self.value)
        if _missing(published) or _missing(ours):
            # "never reaches the level" on both sides agrees; one side only does not
            return _missing(published) and _missing(ours)
        if self.kind == "exact":
            return bool(published == ours)
        if self.kind == "absolute":
            return bool(abs(ours - published) <= self.value + 1e-12)
        if self.floor and published <= self.floor and ours <= self.floor:
            return True
        if published <= 0 or ours <= 0:
            return False
        return bool(abs(math.log10(ours / published)) <= self.value + 1e-12)


#: metric kind → tolerance (the one place they are set; docs/reproduction.md explains them)
TOLERANCES: dict[str, Tolerance] = {
    "count": Tolerance("exact"),
    "rotation": Tolerance("below", 1e-9),
    "slope": Tolerance("absolute", 0.25),
    "level": Tolerance("decades", 0.5),
    "percent": Tolerance("absolute", 10.0),
    "error": Tolerance("decades", math.log10(2.0), floor=1e-6),
    "variance": Tolerance("decades", math.log10(2.0), floor=1e-12),
    "rmse": Tolerance("decades", math.log10(2.0)),
}


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))
