"""What defines a representation's numbers besides its parameters: its code and libraries.

The workflow passes :func:`fingerprint` to every job that computes a representation
(``represent``, the degree sweep, ``sensitivity_curve``) as a parameter, so Snakemake's
params trigger reruns exactly those jobs (and what is made from their files) when it
changes:

* ``code``: a SHA-256 over the source of the modules the class is made of: the module
  defining it and every class it derives from, and, transitively, the modules they
  reference that belong to this package's ``representations`` subpackage or lie outside
  the installed libraries (a plugin file and the local modules it imports).  Each source
  is hashed as its syntax tree without docstrings, so an edit of a comment, a docstring
  or the layout changes nothing, and any edit of the code does;
* ``modules``: those modules (a file's name for a local module), to show what is tracked;
* ``libraries``: the versions the class reports (``library_versions``) of the libraries
  that compute its numbers.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import json
import sys
import sysconfig
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .base import Representation

#: the subpackage whose modules compute representations (registry: names and look-ups only)
_PACKAGE = __name__.rsplit(".", 1)[0]
_UNTRACKED = {f"{_PACKAGE}.registry", f"{_PACKAGE}.fingerprint", f"{_PACKAGE}.__main__"}


def fingerprint(name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``{"code": sha256, "modules": [...], "libraries": {...}}`` of the representation
    ``name`` with config entry ``params`` (which may carry ``class:``)."""
    from .registry import split_params

    cls, rest = split_params(name, params)
    code, modules = code_digest(cls)
    return {
        "code": code,
        "modules": modules,
        "libraries": _libraries(cls, json.dumps(rest, sort_keys=True, default=str)),
    }


def code_digest(cls: type[Representation]) -> tuple[str, list[str]]:
    """(SHA-256 over the normalised sources, the module names) of the modules ``cls`` is made of."""
    found = _modules(cls)
    digest = hashlib.sha256()
    for source in sorted(_normalised(name, file) for name, file in found.items()):
        digest.update(source.encode())
    return digest.hexdigest(), sorted(_display(name, file) for name, file in found.items())


def _modules(cls: type[Representation]) -> dict[str, str]:
    """name -> source file of the tracked modules ``cls`` is made of: those of its classes,
    and those they reference, at module level or in an import inside a function (found in
    the syntax tree, so nothing is imported that the class does not import itself)."""
    found: dict[str, str] = {}
    stack = [sys.modules[c.__module__] for c in cls.__mro__ if c is not object and c.__module__ in sys.modules]
    stack = [(m.__name__, getattr(m, "__file__", None)) for m in stack]
    while stack:
        name, file = stack.pop()
        if name in found or not _tracked(name, file):
            continue
        found[name] = file
        module = sys.modules.get(name)
        for value in vars(module).values() if module is not None else ():
            ref = value if inspect.ismodule(value) else sys.modules.get(getattr(value, "__module__", None) or "")
            if ref is not None and ref.__name__ != _PACKAGE:  # the package itself only re-exports
                stack.append((ref.__name__, getattr(ref, "__file__", None)))
        stack.extend(_imported(name, file))
    return found


def _imported(name: str, file: str) -> list[tuple[str, str | None]]:
    """(name, file) of the modules that ``file`` (module ``name``) imports anywhere in it."""
    source = _source(file)
    if source is None:
        return []
    package = name if Path(file).name == "__init__.py" else name.rpartition(".")[0]
    targets = []
    for module, level, names in source.imports:
        if names is None:  # import a, b
            targets.append(module)
            continue
        base = module
        if level:
            parts = package.split(".") if package else []
            parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
            base = ".".join([*parts, base] if base else parts)
        targets += _from_import(base, list(names))
    out = []
    for target in dict.fromkeys(t for t in targets if t):
        origin = _origin(target)
        if origin is not None:
            out.append((target, origin))
    return out


def _from_import(base: str, names: list[str]) -> list[str]:
    """The modules a ``from base import names`` reaches: where ``base`` is loaded, the
    module each name is (a submodule) or is defined in (a package re-exporting it); else
    ``base`` and its submodules of those names."""
    module = sys.modules.get(base)
    if module is None:
        return [base, *(f"{base}.{n}" for n in names)]
    out = []
    for n in names:
        value = getattr(module, n, None)
        if inspect.ismodule(value):
            out.append(value.__name__)
        elif getattr(value, "__module__", None):
            out.append(value.__module__)
        else:
            out.append(base)
    return out


def _origin(name: str) -> str | None:
    """The source file of module ``name`` if it is tracked (imports no library to find out)."""
    if not _may_track(name):
        return None
    top = name.split(".")[0]
    try:
        if top != _PACKAGE.split(".")[0]:  # a library's name is enough: it is not tracked
            spec = importlib.util.find_spec(top)
            if spec is None or not spec.origin or not _tracked(top, spec.origin):
                return None
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None and _tracked(name, spec.origin) else None


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots |= {p for p in sys.path if "site-packages" in p or "dist-packages" in p}
    return tuple(str(Path(r).resolve()) for r in roots)


def _may_track(name: str) -> bool:
    """False for a module known by its name alone not to be tracked (no look-up needed)."""
    if name in _UNTRACKED:
        return False
    top = _PACKAGE.split(".")[0]
    if name.split(".")[0] == top:
        return name == _PACKAGE or name.startswith(_PACKAGE + ".")
    return name.split(".")[0] not in sys.stdlib_module_names


def _tracked(name: str, file: str | None) -> bool:
    """A module of this package's representations, or a local one (not an installed library)."""
    if not _may_track(name) or not file or not file.endswith(".py"):
        return False
    if name == _PACKAGE or name.startswith(_PACKAGE + "."):
        return True
    return not str(Path(file).resolve()).startswith(_library_roots())


def _normalised(name: str, file: str) -> str:
    """The module's syntax tree without docstrings (comments and layout are not in it)."""
    source = _source(file)
    return f"<unreadable {name}>" if source is None else source.tree


class _Source(NamedTuple):
    """What the fingerprint reads of one source file: its syntax tree without docstrings
    (``ast.dump``) and its import statements, ``(module, level, names)`` (``names`` None
    for ``import module``, one entry per name imported)."""

    tree: str
    imports: tuple[tuple[str, int, tuple[str, ...] | None], ...]


def _source(file: str) -> _Source | None:
    """:class:`_Source` of ``file``, None where it cannot be read or parsed.  Parsed once
    per process and text: planning a run fingerprints every representation for several
    jobs, and their modules overlap."""
    try:
        return _parsed(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=256)
def _parsed(text: str) -> _Source | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    imports: list[tuple[str, int, tuple[str, ...] | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports += [(alias.name, 0, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imports.append((node.module or "", node.level, tuple(alias.name for alias in node.names)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return _Source(ast.dump(tree), tuple(imports))


def _display(name: str, file: str) -> str:
    return name if name == _PACKAGE or name.startswith(_PACKAGE + ".") else Path(file).name


@cache
def _libraries(cls: type[Representation], params_json: str) -> dict[str, str]:
    """The class's ``library_versions()``, from an instance with resolved parameters (no
    set-up, which may be costly), or from a full build where the method needs more."""
    params = json.loads(params_json)
    try:
        light = cls.__new__(cls)
        light.species, light.params = ["Si"], cls.resolve_params(params)
        return dict(light.library_versions())
    except AttributeError:
        return dict(cls(["Si"], **params).library_versions())
