"""The regression's train/test split and targets files: read and checked.

- A split file (config ``regression.split.file``, the paper's
  ``train_test_split_list.txt``): the training count, then the training indices, then
  the test indices, 0-based structure numbers, whitespace-separated (one a line in the
  authors' file).  Every index must be a structure of the dataset, appear once, and
  belong to one part; both parts must be non-empty.
- A seeded random split (``regression.split.train_fraction`` and ``seed``): both parts
  must be non-empty.
- A targets file (``regression.targets.file``, the paper's ``targets.txt``): lines
  ``n_atoms energy code``, ``#`` comments.

A problem ends in one ``DatasetError`` (a file) or ``ConfigError`` (a config value) naming
the file, the line number and the offending value.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .errors import ConfigError, DatasetError

#: what ``regression.split.train_fraction`` is when the config does not say
DEFAULT_TRAIN_FRACTION = 0.8


def _numbered_tokens(path: Path, what: str) -> list[tuple[int, str]]:
    """(1-based line number, token) of every whitespace-separated token, '#' comments dropped."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such {what}")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the {what} ({type(exc).__name__}: {exc})") from None
    return [
        (number, token)
        for number, line in enumerate(text.splitlines(), start=1)
        for token in line.split("#", 1)[0].split()
    ]


def read_split(
    path: str | os.PathLike,
    n_structures: int | None = None,
    population: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A split file: the training count, then the training indices, then the test indices (0-based).

    ``n_structures`` (the structures the split indexes) bounds the indices; ``population``
    says what they are in messages (default "the dataset's {n_structures} structures").
    """
    path = Path(path)
    tokens = _numbered_tokens(path, "split file")
    values: list[tuple[int, int]] = []
    for line, token in tokens:
        try:
            values.append((line, int(token)))
        except ValueError:
            raise DatasetError(
                f"{path}: line {line}: {token!r} is not an integer (a split file holds "
                f"the training count, then 0-based structure indices)"
            ) from None
    if not values:
        raise DatasetError(
            f"{path}: empty split file (the first line is the number of training indices "
            f"that follow, then the training and the test indices)"
        )
    (count_line, n_train), rest = values[0], values[1:]
    if n_train < 0:
        raise DatasetError(f"{path}: line {count_line}: training count {n_train} is negative")
    if n_train == 0:
        raise DatasetError(
            f"{path}: line {count_line}: training count 0: the split has no training "
            f"structure (the first line counts the training indices that follow)"
        )
    if n_train > len(rest):
        raise DatasetError(
            f"{path}: line {count_line}: training count {n_train} does not fit the {len(rest)} indices that follow"
        )
    if n_train == len(rest):
        raise DatasetError(
            f"{path}: line {count_line}: training count {n_train} takes all {len(rest)} "
            f"indices: the split has no test structure"
        )
    if population is None and n_structures is not None:
        population = f"the dataset's {n_structures} structures"
    seen: dict[int, tuple[int, str]] = {}
    for k, (line, index) in enumerate(rest):
        part = "training" if k < n_train else "test"
        if index < 0:
            raise DatasetError(
                f"{path}: line {line}: index {index} is negative (indices are 0-based structure numbers)"
            )
        if n_structures is not None and index >= n_structures:
            raise DatasetError(
                f"{path}: line {line}: index {index} is out of range: it counts "
                f"{population} from 0 to {n_structures - 1}"
            )
        if index in seen:
            first_line, first_part = seen[index]
            if first_part == part:
                raise DatasetError(
                    f"{path}: an index appears twice: {index} on lines {first_line} and {line} (both {part} indices)"
                )
            raise DatasetError(
                f"{path}: line {line}: index {index} is both a training index (line "
                f"{first_line}) and a test index: the parts must not overlap"
            )
        seen[index] = (line, part)
    indices = np.asarray([v for _, v in rest], dtype=np.int64)
    return indices[:n_train], indices[n_train:]


def split_sizes(n: int, train_fraction: float) -> tuple[int, int]:
    """(training, test) counts of a seeded random split of ``n`` structures."""
    n_train = int(round(float(train_fraction) * n))
    return n_train, n - n_train


def check_split_sizes(n: int, train_fraction: float, dataset: str | None = None, what: str = "structures") -> None:
    """``ConfigError`` (key ``regression.split.train_fraction``) when a random split of ``n``
    structures would leave the training or the test set empty."""
    n_train, n_test = split_sizes(n, train_fraction)
    if n_train > 0 and n_test > 0:
        return
    of = f"the {n} {what}" + (f" of dataset {dataset}" if dataset else "")
    empty = "training" if n_train == 0 else "test"
    if n < 2:
        fix = "the dataset needs at least 2 structures to be split"
    else:
        fix = f"choose a train_fraction between {1 / n:.3g} and {(n - 1) / n:.3g}, or give regression.split.file"
    raise ConfigError(
        f"config key regression.split.train_fraction: {train_fraction} of {of} leaves {n_train} training "
        f"and {n_test} test structures, so the {empty} set is empty; {fix}"
    )


def random_split(
    n: int, train_fraction: float, seed: int, dataset: str | None = None, what: str = "structures"
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded random split of ``range(n)`` into sorted training and test indices (both non-empty)."""
    check_split_sizes(n, train_fraction, dataset, what)
    order = np.random.default_rng(seed).permutation(n)
    n_train, _ = split_sizes(n, train_fraction)
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def read_targets(path: str | os.PathLike):
    """``targets.txt``: lines ``n_atoms energy code`` (code 1 CASTEP, 2 VASP), '#' comments.

    A DataFrame with columns ``n_atoms``, ``energy``, ``code`` and ``line`` (the line of the
    file each row comes from).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such targets file")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the targets file ({type(exc).__name__}: {exc})") from None
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            if len(fields) != 3:
                raise ValueError
            n_atoms, energy, code = int(fields[0]), float(fields[1]), int(fields[2])
        except ValueError:
            raise DatasetError(
                f"{path}: line {number}: expected 'n_atoms energy code' (integer, number, integer), got {raw.strip()!r}"
            ) from None
        if n_atoms < 1:
            raise DatasetError(f"{path}: line {number}: atom count {n_atoms} is not positive")
        if not math.isfinite(energy):
            raise DatasetError(f"{path}: line {number}: energy is {energy}")
        rows.append((n_atoms, energy, code, number))
    if not rows:
        raise DatasetError(f"{path}: empty targets file (lines 'n_atoms energy code')")
    df = pd.DataFrame(rows, columns=["n_atoms", "energy", "code", "line"])
    return df.astype({"n_atoms": np.int64, "energy": np.float64, "code": np.int64, "line": np.int64})
