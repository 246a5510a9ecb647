"""Installed versions of Python distributions: the one place they are looked up.

Standard library only.  Read by every record of versions: a representation's
``library_versions`` (stored in its ``.h5`` file) and a step's provenance
(``runlog``).  Whether a package that is not installed is recorded as ``"unknown"`` or
left out is the caller's choice, kept as each record has always had it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_versions(*names: str, missing: str | None = "unknown") -> dict[str, str]:
    """Distribution name → installed version, in the order given; a distribution that
    is not installed maps to ``missing``, or is left out when ``missing`` is None."""
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            if missing is not None:
                out[name] = missing
    return out
