"""The provenance of a job's outputs: for each output ``<path>``, ``provenance/<path>.json``
(in the working directory, beside ``results/`` and ``data/``).

It holds the rule, wildcards and params (the config fragment the job used), what the job's
``main`` returns as ``resolved`` (the parameters it ran with, defaults included, where the
config gave only some), the versions of the packages that make the numbers, a checksum of
the ``descriptor_study`` sources, and the sha256 of every input and of the output itself.
The file is deterministic (sorted keys, relative paths, no time stamps), so two clean runs
write identical provenance.  ``run_step`` (:mod:`.runlog`) writes it after ``main``
succeeds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import versions
from .atomic import atomic_path
from .checksums import file_digest, file_sha256

#: the folder (in the working directory) holding one ``<output path>.json`` per output
PROVENANCE_DIR = "provenance"


#: distributions whose versions are recorded (those installed)
PROVENANCE_PACKAGES = (
    "descriptor-study",
    "numpy",
    "scipy",
    "ase",
    "dscribe",
    "quippy-ase",
    "ace-jax",
    "scikit-learn",
    "skmatter",
    "pandas",
    "h5py",
    "matplotlib",
)


def provenance_path(output: str | os.PathLike, root: str | os.PathLike | None = None) -> Path | None:
    """``provenance/<output>.json`` under ``root`` (default: the working directory); None
    for an output outside ``root``."""
    root = Path(root) if root is not None else Path.cwd()
    rel = _relative(output, root)
    if Path(rel).is_absolute() or rel.split("/", 1)[0] == "..":
        return None
    return root / PROVENANCE_DIR / f"{rel}.json"


def provenance(
    smk: Any,
    output: str | os.PathLike,
    root: str | os.PathLike | None = None,
    resolved: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of one output of the job ``smk`` (see the module docstring)."""
    root = Path(root) if root is not None else Path.cwd()
    inputs = _files(getattr(smk, "input", None))
    extra = {"resolved": _plain(dict(resolved))} if resolved else {}
    return {
        **extra,
        "rule": getattr(smk, "rule", None),
        "wildcards": _plain(_named(getattr(smk, "wildcards", None))),
        "params": _plain(_params(getattr(smk, "params", None))),
        "inputs": {_relative(p, root): _checksum(Path(root, p)) for p in inputs},
        "output": {"path": _relative(output, root), "sha256": _checksum(Path(root, output))},
        "versions": package_versions(),
        "code": {"descriptor_study": source_checksum()},
    }


def write_provenance(
    smk: Any, root: str | os.PathLike | None = None, resolved: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write ``provenance/<output>.json`` for each output of ``smk`` that exists (atomically),
    with ``resolved`` (what the step ran with) where given."""
    root = Path(root) if root is not None else Path.cwd()
    written = []
    for output in _files(getattr(smk, "output", None)):
        record = provenance_path(output, root)
        if record is None or not Path(root, output).exists():
            continue
        text = json.dumps(provenance(smk, output, root, resolved), sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        with atomic_path(record) as tmp:
            tmp.write_text(text, encoding="utf-8")
        written.append(record)
    return written


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Versions of the installed ``PROVENANCE_PACKAGES`` and of Python."""
    return {"python": platform.python_version(), **versions.package_versions(*PROVENANCE_PACKAGES, missing=None)}


@lru_cache(maxsize=1)
def source_checksum() -> str:
    """sha256 over the ``descriptor_study`` package's files (relative path and content)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(
        p
        for p in package.rglob("*")
        if p.is_file() and p.suffix in (".py", ".json", ".yaml") and "__pycache__" not in p.parts
    ):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(file_digest(path).digest())
    return digest.hexdigest()


def _checksum(path: Path) -> str | dict[str, str] | None:
    """sha256 of a file; of each file (relative path → sha256) of a directory; None if absent."""
    if path.is_dir():
        return {p.relative_to(path).as_posix(): file_sha256(p) for p in sorted(path.rglob("*")) if p.is_file()}
    return file_sha256(path) if path.is_file() else None


def _relative(path: str | os.PathLike, root: Path) -> str:
    """``path`` relative to ``root`` where it lies under it (POSIX form); else as given."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(root)
        except ValueError:
            try:
                p = p.resolve().relative_to(root.resolve())
            except ValueError:
                return p.as_posix()
    return Path(os.path.normpath(p)).as_posix()


def _named(obj: Any) -> dict[str, Any]:
    """Snakemake's named lists (params, wildcards), a namespace or a mapping, as a dict."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "_names") and hasattr(obj, "items"):  # snakemake.io.Namedlist
        return {name: value for name, value in obj.items()}
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    return {"values": list(obj)}


def _params(obj: Any) -> dict[str, Any]:
    """A job's params as its provenance records them: a rule's one ``job`` spec
    (:mod:`descriptor_study.jobs`) by its fields, other params by their names."""
    named = _named(obj)
    job = named.get("job")
    if len(named) == 1 and isinstance(job, tuple) and hasattr(job, "_asdict"):
        return job._asdict()
    return named


def _files(obj: Any) -> list[str]:
    """The paths of Snakemake's input/output (named entries may hold lists), flattened."""
    if obj is None:
        return []
    if isinstance(obj, (str, os.PathLike)):
        return [os.fspath(obj)]
    return [f for item in obj for f in _files(item)]


def _plain(obj: Any) -> Any:
    """``obj`` as JSON types, the same on every run: string keys, sets sorted, paths as
    POSIX text, numpy as lists/numbers, anything else as its text without addresses."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, os.PathLike):
        return Path(obj).as_posix()
    if isinstance(obj, dict) or (hasattr(obj, "items") and hasattr(obj, "keys")):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        return sorted((_plain(v) for v in obj), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(dataclasses.asdict(obj))
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return _plain(obj.tolist())
    if isinstance(obj, type) or callable(obj):
        return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", str(obj))
