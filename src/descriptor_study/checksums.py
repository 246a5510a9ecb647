"""Checksums of files: the one place a file is read into a hash.

Standard library only.  ``file_sha256`` is the sha256 the pins, the provenance records
and the representations' records of their model files hold; ``file_git_blob_sha1`` the
hash git gives a file, by which the pinned files of public repositories are checked.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any


def file_digest(path: str | os.PathLike, digest: str | Any = "sha256") -> Any:
    """The hash object of the bytes of ``path``, read in blocks: a new one of the hashlib
    algorithm ``digest`` names, or the hash object ``digest`` continued."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, digest if isinstance(digest, str) else lambda: digest)


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of the file ``path`` (hex)."""
    return file_digest(path).hexdigest()


def git_blob_sha1(data: bytes) -> str:
    """Git's blob hash of ``data``: ``sha1(b"blob <len>\\0" + data)`` (hex)."""
    return hashlib.sha1(b"blob " + str(len(data)).encode() + b"\0" + data).hexdigest()


def file_git_blob_sha1(path: str | os.PathLike) -> str:
    """Git's blob hash of the file ``path`` (hex)."""
    header = b"blob " + str(Path(path).stat().st_size).encode() + b"\0"
    return file_digest(path, hashlib.sha1(header)).hexdigest()
