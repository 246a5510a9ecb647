"""Optional Julia runtime shared by the representations that can run on the authors'
Julia code (each representation module names the Julia packages it needs).

Nothing here imports ``juliacall`` at module import time: importing ``juliacall`` starts
Julia and, through ``juliapkg``, may try to download a Julia binary and resolve the
packages of ``descriptor_study/juliapkg.json``.  ``julia_runtime()`` therefore only looks
for the pieces (the ``juliacall`` module and a ``julia`` executable) without touching
them, and ``load_julia()`` is the one place that starts Julia, on first use.

Packages whose UUID could not be pinned in ``juliapkg.json`` (juliapkg requires one for
every package) are passed to ``load_julia`` by the representation that needs them, as a
mapping package -> repository URL, and added by URL with Julia's ``Pkg`` the first time
they are asked for.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import StudyError

HOW_TO_ENABLE = (
    "To enable the Julia backend: install Julia (1.9 or newer) and put `julia` on PATH "
    "(or set PYTHON_JULIAPKG_EXE to the executable), install the optional Python "
    "dependencies with `pip install -e '.[julia]'` (or use envs/julia.yaml), and set "
    "`backend: julia` in the representation's parameters."
)

_loaded: set[str] = set()


class BackendError(StudyError):
    """A requested computational backend (Julia) is not available or failed to load."""


def julia_runtime() -> tuple[bool, str]:
    """Whether a Julia runtime is usable, and why not.

    Checks that ``juliacall`` is importable (without importing it) and that a Julia
    executable exists (``PYTHON_JULIAPKG_EXE`` or ``julia`` on PATH), so that
    ``juliapkg`` would not download Julia by itself.
    """
    if importlib.util.find_spec("juliacall") is None:
        return False, "the Python package juliacall is not installed"
    exe = os.environ.get("PYTHON_JULIAPKG_EXE")
    if exe:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            return False, f"PYTHON_JULIAPKG_EXE={exe!r} is not an executable file"
        return True, f"Julia executable {exe}"
    found = shutil.which("julia")
    if found is None:
        return False, "no Julia executable: `julia` is not on PATH and PYTHON_JULIAPKG_EXE is unset"
    return True, f"Julia executable {found}"


def load_julia(packages: Sequence[str], urls: Mapping[str, str] | None = None) -> Any:
    """Start Julia (once) and ``using`` each of ``packages``; return juliacall's ``Main``.

    ``urls`` maps the packages that ``juliapkg.json`` cannot pin (no verified UUID) to
    their repository: they are added by URL when ``using`` fails.  Raises
    ``BackendError`` with instructions when no Julia runtime is usable or a package
    cannot be loaded.
    """
    urls = dict(urls or {})
    ok, why = julia_runtime()
    if not ok:
        raise BackendError(f"Julia backend unavailable: {why}. {HOW_TO_ENABLE}")
    try:
        from juliacall import Main as jl
    except Exception as exc:  # juliacall raises plain exceptions when Julia fails to start
        raise BackendError(f"Julia backend failed to start: {exc}. {HOW_TO_ENABLE}") from exc
    for pkg in packages:
        if pkg in _loaded:
            continue
        try:
            jl.seval(f"using {pkg}")
        except Exception as exc:
            if pkg not in urls:
                raise BackendError(
                    f"Julia package {pkg} could not be loaded: {exc}. It is declared in "
                    f"descriptor_study/juliapkg.json; check that juliapkg resolved it."
                ) from exc
            try:
                jl.seval("import Pkg")
                jl.Pkg.add(url=urls[pkg])
                jl.seval(f"using {pkg}")
            except Exception as exc2:
                raise BackendError(f"Julia package {pkg} could not be installed from {urls[pkg]}: {exc2}") from exc2
        _loaded.add(pkg)
    return jl


def julia_package_version(jl: Any, pkg: str) -> str:
    """Version string of a loaded Julia package ("unknown" when Julia cannot tell)."""
    try:
        return str(jl.seval(f"string(pkgversion({pkg}))"))
    except Exception:  # pkgversion needs Julia >= 1.9
        return "unknown"
