"""Pinned public sources of the paper's datasets, fetched through pooch and checked.

A source is checked by its git blob sha1 (``sha1(b"blob <len>\\0" + data)``, which the
hosting repository publishes implicitly) and by sha256 where one is known.  A
``mirror`` directory (``<mirror>/<dataset>/<file name>``) is searched before the
network, for offline clusters and CI.  Nothing half-written or unverified is left
behind: a bad download is deleted from the cache and the output is written atomically.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_path, created_dirs, scratch_dir
from ..errors import ChecksumError, DatasetError
from ..published import PUBLISHED_COMMIT, PUBLISHED_REPOSITORY

log = logging.getLogger(__name__)

_RAW = "https://raw.githubusercontent.com/{owner}/{repo}/{commit}/{path}"
_owner, _repo = PUBLISHED_REPOSITORY.split("/")
#: the authors' results repository: the Si and TiO2 archives sit beside the published results
_RESULTS = dict(owner=_owner, repo=_repo, commit=PUBLISHED_COMMIT)
_MATERIALS = dict(owner="DescriptorZoo", repo="Materials-Datasets", commit="9c9040fde2a4e8f7c720a2937e7e478bdd54910d")

#: the paper's datasets (docs/paper-settings.md): name → where and how to check
PINNED_SOURCES: dict[str, dict[str, Any]] = {
    "Si": {
        "url": _RAW.format(**_RESULTS, path="datasets/Si/Si.extxyz.7z"),
        "git_sha1": "aa52dd9750db3acc4580392d429242cac9e93a3a",
        "sha256": None,
        "archive": "7z",
        "energy_key": None,
    },
    "CHON": {
        "url": _RAW.format(**_MATERIALS, path="CHON/dataset_CHON.extxyz"),
        "git_sha1": "ce44176dcc39f4bb6767f6893f68b848b3a04a1f",
        "sha256": None,
        "archive": None,
        "energy_key": None,
    },
    "AlNiCu": {
        "url": _RAW.format(**_MATERIALS, path="AlNiCu/dataset_AlNiCu.extxyz"),
        "git_sha1": "b590657c69c41b12ce6ac7e6bdf1647677a1fda4",
        "sha256": "7859e0156f599ab9de9bec6bf633f1c36d98737510b3d16c224e520e79908638",
        "archive": None,
        "energy_key": "nomad_total_energy",
    },
    "TiO2": {
        "url": _RAW.format(**_RESULTS, path="datasets/TiO2/TiO2.extxyz.7z"),
        "git_sha1": "851458da6c6f43b58d3db541a4cb1879e838b68c",
        "sha256": None,
        "archive": "7z",
        "energy_key": None,
    },
}


#: single files the paper's regression needs (the authors' Si split and targets); no public
#: URL is pinned for them, so they come from ``<mirror>/<name>``, checked
PINNED_FILES: dict[str, dict[str, Any]] = {
    "Si-GAP-RR/targets.txt": {
        "git_sha1": "771abedb5bc21926cc76129a49d27cc5deb0f8b7",
        "sha256": "f86443dac8455f77d33d99913afe2e58d66a0dd180894c90265479eb7e5add82",
    },
    "Si-GAP-RR/train_test_split_list.txt": {
        "git_sha1": "2697eaf4140ced33c44160536e0851bb45878a22",
        "sha256": "5f71805d2fc1b798532c0a7c64e0738df4901dfdff85aed7e984d82a33570c4f",
    },
}


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


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob " + str(len(data)).encode() + b"\0" + data).hexdigest()


def file_git_blob_sha1(path: str | os.PathLike) -> str:
    path = Path(path)
    h = hashlib.sha1(b"blob " + str(path.stat().st_size).encode() + b"\0")
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
