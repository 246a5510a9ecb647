"""Reading and checking the published JSON files: where a file lies, its parsed content
(cached), a key that must be there and a value that must be a list of numbers; a file that
breaks a rule raises :class:`PublishedDataError` naming the file and the key."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError

METHOD_FILES = {"cur": "CUR_results.json", "fps": "FPS_results.json", "pca": "PCA_results.json"}


REGRESSION_FILE = "RR_results.json"


SENSITIVITY_FILE = "figures-3-4-5-datasets.json"


#: the folder holding the published files, or any file in it
Source = str | os.PathLike


class PublishedDataError(DatasetError):
    """A published result file lacks a key or holds values that cannot be read as documented."""


def _file(source: Source, fname: str) -> Path:
    """The path of ``fname`` in ``source``: the folder of the published files, or any file in it."""
    p = Path(source)
    path = p / fname if p.is_dir() else p.parent / fname
    if not path.is_file():
        raise DatasetError(f"{path}: published result file not found (fetch it with fetch_published)")
    return path


@lru_cache(maxsize=16)
def _parse(path: str, mtime_ns: int, size: int) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise PublishedDataError(f"{path}: not valid JSON ({exc})") from None


def _load(source: Source, fname: str) -> tuple[Path, Any]:
    path = _file(source, fname)
    st = path.stat()
    return path, _parse(str(path), st.st_mtime_ns, st.st_size)


def _key(entry: Any, key: str, path: Path, where: str) -> Any:
    if not isinstance(entry, dict) or key not in entry:
        raise PublishedDataError(f"{path}: {where} has no key {key!r}")
    return entry[key]


def _array(value: Any, path: Path, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise PublishedDataError(f"{path}: {where} is not a list of numbers") from None
    if arr.ndim != 1 or len(arr) == 0:
        raise PublishedDataError(f"{path}: {where} is not a non-empty list of numbers (shape {arr.shape})")
    return arr
