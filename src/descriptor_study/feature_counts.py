"""Feature counts of representations, kept between runs so that planning need not build them.

Planning a run (the memory, runtime and priority of the heavy jobs, :mod:`.resources`)
needs the row length of each representation, which only building its object tells: for
most classes that takes milliseconds, for ACE at degree 18 about 4 s (its coupled basis,
read from ace-jax's cache), in every ``snakemake`` call that plans the default config's
sensitivity study, dry runs included.

A count, once built, is kept in ``$XDG_CACHE_HOME/descriptor-study/feature-counts/``
(``~/.cache`` without ``XDG_CACHE_HOME``), one small JSON file per key.  The key holds
everything the count is a function of: the representation's name and config entry (its
parameters and ``class:``), the species, and its fingerprint (the source of the modules it
is made of and the versions of the libraries that compute it,
:func:`.representations.fingerprint.fingerprint`).  A file that cannot be read or names
another key is ignored and written again; a folder that cannot be written leaves every
count built afresh, never an error.  Deleting the folder is always safe.

The counts feed only the requests and the order of the jobs: no number a job computes is
read from here (each job builds its representation and takes the count from it), so a
count that a class takes from something outside its key (a file it reads, say) can at
worst misjudge a request.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/descriptor-study/feature-counts`` (``~/.cache`` without it)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(root) / "descriptor-study" / "feature-counts"


def key(rep: str, species: Sequence[str], params: dict[str, Any] | None) -> str:
    """SHA-256 of what the count of ``rep`` with config entry ``params`` for ``species`` is a
    function of (see the module's docstring)."""
    from descriptor_study.representations.fingerprint import fingerprint

    blob = {
        "rep": rep,
        "params": params or {},
        "species": sorted(species),
        "fingerprint": fingerprint(rep, params),
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def feature_count(
    rep: str,
    species: Sequence[str],
    params: dict[str, Any] | None,
    build: Callable[[], int],
    directory: Path | None = None,
) -> int:
    """The count kept for ``rep`` / ``species`` / ``params`` in ``directory`` (default:
    :func:`default_directory`), else ``build()``, kept there for the next run."""
    name = key(rep, species, params)
    path = (directory or default_directory()) / f"{name[:32]}.json"
    stored = _read(path, name)
    if stored is not None:
        return stored
    count = int(build())
    _write(path, name, count)
    return count


def _read(path: Path, name: str) -> int | None:
    try:
        entry = json.loads(path.read_text())
        count = entry["n_features"]
        if entry["key"] == name and type(count) is int and count >= 0:
            return count
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _write(path: Path, name: str, count: int) -> None:
    """Written whole or not at all (:func:`.atomic.atomic_path`), so that two runs planning
    at once never read half a file."""
    from descriptor_study.atomic import atomic_path

    try:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"key": name, "n_features": count}))
    except OSError:
        pass
