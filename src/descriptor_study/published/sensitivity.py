"""Reading the published sensitivity results (Figures 3-5): one dV(t) curve of a panel and
every curve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .files import SENSITIVITY_FILE, PublishedDataError, Source, _array, _key, _load
from .names import _key_names

if TYPE_CHECKING:  # pandas is imported where a table is made
    import pandas as pd


#: our sensitivity panels → (key in figures-3-4-5-datasets.json, index of the Figure 5 panel)
SENSITIVITY_PANELS: dict[str, tuple[str, int | None]] = {
    "fig3": ("figure3_dataset", None),
    "fig4": ("figure4_dataset", None),
    "fig5a": ("figure5_dataset", 0),
    "fig5b": ("figure5_dataset", 1),
    "fig5c": ("figure5_dataset", 2),
    "fig5d": ("figure5_dataset", 3),
}


def _sensitivity_key(figure: Any, representation: str) -> str | None:
    """The key of ``representation`` (our name) in one figure of the sensitivity file."""
    if not isinstance(figure, dict):
        return None
    if representation in figure and _key_names().get(representation, representation) == representation:
        return representation
    return next((k for k, name in _key_names().items() if name == representation and k in figure), None)


def sensitivity(source: Source, panel: str, representation: str, *, missing_ok: bool = False) -> pd.DataFrame | None:
    """One published dV(t) curve: columns t, dV (panels fig3, fig4, fig5a-d)."""
    import pandas as pd

    if panel not in SENSITIVITY_PANELS:
        raise ValueError(f"unknown sensitivity panel {panel!r}; published: {list(SENSITIVITY_PANELS)}")
    key, index = SENSITIVITY_PANELS[panel]
    path, data = _load(source, SENSITIVITY_FILE)
    figure = _key(data, key, path, "the file")
    top = _sensitivity_key(figure, representation)
    if top is None:
        if missing_ok:
            return None
        raise PublishedDataError(f"{path}: [{key!r}] has no key {representation!r}")
    value, where = figure[top], f"[{key!r}][{top!r}]"
    if index is not None:
        if not isinstance(value, list) or len(value) <= index:
            raise PublishedDataError(f"{path}: {where} has no panel {index} ({panel})")
        value, where = value[index], f"{where}[{index}]"
    if not (isinstance(value, list) and len(value) == 2):
        raise PublishedDataError(f"{path}: {where} is not [t, dV]")
    t = _array(value[0], path, f"{where}[0]")
    dV = _array(value[1], path, f"{where}[1]")
    if len(t) != len(dV):
        raise PublishedDataError(f"{path}: {where}: {len(t)} t values and {len(dV)} dV values")
    df = pd.DataFrame({"t": t, "dV": dV})
    df.attrs.update(file=SENSITIVITY_FILE, panel=panel, representation=representation)
    return df


def sensitivity_table(source: Source) -> pd.DataFrame:
    """Every published sensitivity curve: panel, representation, t, dV."""
    import pandas as pd

    path, data = _load(source, SENSITIVITY_FILE)
    frames = []
    for panel, (key, _) in SENSITIVITY_PANELS.items():
        for top in _key(data, key, path, "the file"):
            rep = _key_names().get(top, top)
            frames.append(sensitivity(source, panel, rep).assign(panel=panel, representation=rep))
    return pd.concat(frames, ignore_index=True)[["panel", "representation", "t", "dV"]]
