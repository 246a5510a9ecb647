"""Fetching one published result file as a pinned input: from a mirror folder or the pinned
URL, checked against its git blob sha1 and sha256 (:data:`descriptor_study.pins.PUBLISHED_FILES`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..errors import DatasetError
from ..pins import PUBLISHED_FILES

log = logging.getLogger(__name__)


def published_name(name: str) -> str:
    """The file name of a published result: ``"CUR_results.json"`` or ``"CUR_results"``."""
    for candidate in (name, f"{name}.json"):
        if candidate in PUBLISHED_FILES:
            return candidate
    raise DatasetError(f"{name}: not a published result file; known: {sorted(PUBLISHED_FILES)}")


def fetch_published(
    name: str,
    dest: str | os.PathLike,
    mirror: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Path:
    """Copy one published result file to ``dest``, checked: ``<mirror>/<file>`` first, else
    the pinned URL through pooch (cached in ``cache_dir``).

    A file whose git blob sha1 or sha256 differs raises ``ChecksumError`` naming it; a bad
    download is removed from the cache, and ``dest`` is written (atomically) only after the
    check passed.
    """
    from ..datasets.remote import fetch_raw, unpack, verify

    fname = published_name(name)
    spec = {**PUBLISHED_FILES[fname], "name": "published"}
    source = Path(mirror) / fname if mirror else None
    if source is not None and source.is_file():
        log.info("using mirrored %s", source)
        verify(source, spec, label=str(source))
    else:
        if mirror:
            log.info("%s not in mirror %s; downloading %s", fname, mirror, spec["url"])
        source = fetch_raw(
            spec, mirror=None, cache_dir=cache_dir, tried=[source] if source else (), mirror_key="published.mirror"
        )
    dest = Path(dest)
    unpack(source, spec, dest)
    return dest
