"""The paper's datasets and single files, fetched through pooch and checked against their pins.

The pins (URLs, commits, checksums) live in :mod:`descriptor_study.pins`
(``PINNED_SOURCES``, ``PINNED_FILES``, importable from here too).  A source is checked
by its git blob sha1 (``sha1(b"blob <len>\\0" + data)``, which the hosting repository
publishes implicitly) and by sha256 where one is known.  A ``mirror`` directory
(``<mirror>/<dataset>/<file name>``) is searched before the network, for offline
clusters and CI.  Nothing half-written or unverified is left behind: a bad download is
deleted from the cache and the output is written atomically.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_path, created_dirs, scratch_dir
from ..checksums import file_git_blob_sha1, file_sha256
from ..errors import ChecksumError, DatasetError
from ..pins import PINNED_FILES, PINNED_SOURCES

log = logging.getLogger(__name__)


def fetch_pinned_file(name: str, dest: str | os.PathLike, mirror: str | os.PathLike | None) -> Path:
    """Copy a pinned single file from the mirror to ``dest``, checked, atomically."""
    if name not in PINNED_FILES:
        raise DatasetError(f"{name}: not a pinned file; known: {sorted(PINNED_FILES)}")
    if not mirror or not (Path(mirror) / name).is_file():
        raise DatasetError(
            f"{name}: not found in the mirror ({mirror or 'data.mirror is not set'}); no public URL is pinned "
            f"for it: place the authors' file at <mirror>/{name}"
        )
    source = Path(mirror) / name
    verify(source, PINNED_FILES[name], label=str(source))
    dest = Path(dest)
    with atomic_path(dest) as tmp:
        shutil.copyfile(source, tmp)
    return dest


def verify(path: str | os.PathLike, spec: dict[str, Any], label: str | None = None) -> None:
    """Raise ``ChecksumError`` unless ``path`` matches the spec's git sha1 and sha256."""
    label = label or str(path)
    if spec.get("git_sha1"):
        got = file_git_blob_sha1(path)
        if got != spec["git_sha1"]:
            raise ChecksumError(f"{label}: git blob sha1 is {got}, expected {spec['git_sha1']}")
    if spec.get("sha256"):
        got = file_sha256(path)
        if got != spec["sha256"]:
            raise ChecksumError(f"{label}: sha256 is {got}, expected {spec['sha256']}")


def resolve_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A config entry ``{"source": "AlNiCu", ...}`` merged over the pinned source."""
    spec = dict(spec)
    source = spec.pop("source", None)
    if source is not None:
        if source not in PINNED_SOURCES:
            raise DatasetError(
                f"datasets.{spec.get('name', source)}.source: unknown source {source!r}; "
                f"pinned sources are {sorted(PINNED_SOURCES)}"
            )
        spec = {**PINNED_SOURCES[source], "source": source, **{k: v for k, v in spec.items() if v is not None}}
    if "url" not in spec:
        raise DatasetError(f"dataset {spec.get('name')!r}: no url or pinned source")
    return spec


def fetch_raw(
    spec: dict[str, Any],
    mirror: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    tried: Sequence[str | os.PathLike] = (),
    mirror_key: str = "data.mirror",
) -> Path:
    """The verified raw file (archive or extxyz) for ``spec``: mirror first, then the network.

    ``tried``: places the caller already looked in, and ``mirror_key`` the config key of
    its mirror (both named in the error if the download fails too).  A cache directory
    this call had to create is removed again if the download fails, so a failed fetch
    leaves nothing behind.
    """
    import pooch

    basename = spec["url"].rsplit("/", 1)[-1]
    names = [n for n in (spec.get("name"), spec.get("source")) if n]
    tried = [str(t) for t in tried]
    if mirror:
        for name in dict.fromkeys(names):
            candidate = Path(mirror) / name / basename
            if candidate.is_file():
                log.info("using mirrored %s", candidate)
                verify(candidate, spec, label=str(candidate))
                return candidate
            tried.append(str(candidate))
        log.info("%s not in mirror %s; downloading", basename, mirror)
    cache = Path(cache_dir or pooch.os_cache("descriptor_study"))
    fname = f"{spec.get('source') or spec.get('name')}-{basename}"
    known = f"sha256:{spec['sha256']}" if spec.get("sha256") else None
    with created_dirs(cache):
        try:
            path = Path(pooch.retrieve(spec["url"], known_hash=known, fname=fname, path=cache, progressbar=False))
        except ValueError as exc:  # pooch: hash mismatch (it has already removed the file)
            raise ChecksumError(_one_line(f"{spec['url']}: {exc}")) from None
        except Exception as exc:
            where = f"not in the mirror (tried {', '.join(tried)})" if tried else f"no mirror set ({mirror_key})"
            layout = f"{(names or ['<dataset>'])[0]}/{basename}" if mirror_key == "data.mirror" else basename
            hint = f"place the file at {tried[0]}" if tried else f"set {mirror_key} to a directory holding {layout}"
            raise DatasetError(
                _one_line(
                    f"{basename}: {where}, and download failed from {spec['url']} into {cache / fname} "
                    f"({_reason(exc)}); {hint}, or check the URL and the network"
                )
            ) from None
        try:
            verify(path, spec, label=spec["url"])
        except ChecksumError:
            path.unlink(missing_ok=True)
            raise
    return path


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _reason(exc: BaseException) -> str:
    """A failed download's cause, short: requests' connection errors nest the system
    error (``[Errno 111] Connection refused``) inside several layers of text."""
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\][^)\"'\]]*", text)
    return f"{type(exc).__name__}: {errno.group(0).strip() if errno else text}"


def unpack(raw: Path, spec: dict[str, Any], dest: Path) -> None:
    """Copy or unpack ``raw`` to ``dest`` atomically (7-zip: the one .extxyz/.xyz member)."""
    if spec.get("archive") not in ("7z", None, "none"):
        raise DatasetError(f"{raw}: unknown archive type {spec.get('archive')!r}")
    with atomic_path(dest) as tmp:
        if spec.get("archive") == "7z":
            import py7zr

            with scratch_dir(dest) as workdir:
                try:
                    with py7zr.SevenZipFile(raw, "r") as archive:
                        members = [n for n in archive.getnames() if n.endswith((".extxyz", ".xyz"))]
                        if len(members) != 1:
                            raise DatasetError(f"{raw}: expected one .extxyz/.xyz member, found {members}")
                        archive.extract(path=workdir, targets=members)
                except py7zr.exceptions.Bad7zFile as exc:
                    raise DatasetError(f"{raw}: not a 7-zip archive ({exc})") from None
                os.replace(workdir / members[0], tmp)
        else:
            shutil.copyfile(raw, tmp)


def fetch_dataset(
    spec: dict[str, Any],
    dest: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Fetch (mirror first), verify and unpack a dataset's raw extxyz to ``dest``."""
    spec = resolve_spec(spec)
    dest = Path(dest)
    raw = fetch_raw(spec, mirror=mirror, cache_dir=cache_dir)
    unpack(raw, spec, dest)
    return dest
