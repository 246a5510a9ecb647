"""Name → representation class: the built-ins, installed plugins and local classes.

Three sources, one lookup (:func:`get_class`):

* the built-in representations: every :class:`Representation` subclass with a ``name``
  defined in a module of this package (found by importing the modules, which import no
  heavy library at module level);
* installed packages that declare an entry point in the group
  ``descriptor_study.representations`` (``name = "package.module:Class"``);
* a class named in the config: ``representations: {MyRep: {class: "my_module:MyRep"}}``,
  where ``my_module`` is an importable module or a ``.py`` file (relative to the working
  directory), e.g. ``class: examples/lmbtr.py:LMBTR``.

An unknown name ends with one ConfigError listing the known ones.  Labels, colours and order
come from the facts about each representation (``descriptor_study/facts.yaml``, read by
:mod:`descriptor_study.facts`; :func:`label`, :func:`colour`, :func:`sort_names`): a
representation without a colour gets the palette colour of its place in the figure order,
the same in every process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from .. import facts
from ..errors import ConfigError
from .base import Representation

#: the config key naming a local class
CLASS_KEY = "class"
#: the entry-point group an installed package registers its representations in
ENTRY_POINT_GROUP = "descriptor_study.representations"
#: modules of this package that hold no representation
_NOT_REPRESENTATIONS = {"base", "registry", "spec", "julia_backend"}

#: colours given by place in the figure order to classes that declare none
PALETTE = (
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
)


def missing_requirements(cls: type[Representation]) -> list[str]:
    """The modules of ``cls.requires`` that cannot be imported here."""
    out = []
    for module in cls.requires:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(module)
    return out


def absence_reason(cls: type[Representation]) -> str:
    """One line: why ``cls`` is not available, and how to install what it needs."""
    missing = missing_requirements(cls)
    extra = f'pip install -e ".[{cls.extra}]" -c envs/constraints.txt' if cls.extra else "install them"
    return f"{cls.name} needs {', '.join(missing)}, not installed here ({extra}; docs/beyond-2020.md)"


@lru_cache(maxsize=1)
def _absent() -> dict[str, type[Representation]]:
    """Built-in classes whose required modules are missing: name → class."""
    _builtins()
    return dict(_ABSENT)


_ABSENT: dict[str, type[Representation]] = {}


@lru_cache(maxsize=1)
def _builtins() -> dict[str, type[Representation]]:
    from . import __path__ as package_path

    found: dict[str, type[Representation]] = {}
    for info in pkgutil.iter_modules(package_path):
        if info.name.startswith("_") or info.name in _NOT_REPRESENTATIONS:
            continue
        module = import_module(f"{__package__}.{info.name}")
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Representation)
                and obj.__module__ == module.__name__
                and obj.name
                and not inspect.isabstract(obj)
            ):
                if missing_requirements(obj):
                    _ABSENT[obj.name] = obj
                else:
                    found[obj.name] = obj
    return found


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def builtin_names() -> list[str]:
    """The built-in representations, in table order."""
    return sort_names(_builtins())


def names() -> list[str]:
    """Every representation known without a config: built-ins and installed plugins."""
    return sort_names(list(_builtins()) + [n for n in _entry_points() if n not in _builtins()])


def _load_target(target: str, where: str) -> type[Representation]:
    """``module:Class`` or ``path/to/file.py:Class`` → the class."""
    module_name, sep, cls_name = str(target).rpartition(":")
    if not sep or not module_name or not cls_name:
        raise ConfigError(f"{where}: {target!r} is not of the form module:Class or file.py:Class")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise ConfigError(f"{where}: {path}: no such file")
            key = "descriptor_study_local_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
            module = sys.modules.get(key)
            if module is None:
                # the file's folder is importable, as for a script: a helper module beside
                # the class file imports (and is tracked in the class's code fingerprint)
                folder = str(path.resolve().parent)
                if folder not in sys.path:
                    sys.path.insert(0, folder)
                spec = importlib.util.spec_from_file_location(key, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[key] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    del sys.modules[key]
                    raise
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.append(str(Path.cwd()))
            module = import_module(module_name)
    except ConfigError:
        raise
    except Exception as exc:  # the user's module failed to import: say where and why, in one line
        raise ConfigError(
            f"{where}: cannot import {_shown(module_name)!r}: {_import_failure(exc, module_name)}"
        ) from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        defined = sorted(
            n
            for n, obj in vars(module).items()
            if inspect.isclass(obj) and issubclass(obj, Representation) and obj.__module__ == module.__name__
        )
        raise ConfigError(
            f"{where}: no class {cls_name} in {_shown(module_name)} "
            f"({'it defines: ' + ', '.join(defined) if defined else 'it defines no Representation subclass'})"
        )
    if not (inspect.isclass(cls) and issubclass(cls, Representation)):
        kind = "a class" if inspect.isclass(cls) else f"a {type(cls).__name__}"
        raise ConfigError(f"{where}: {cls_name} in {_shown(module_name)} is {kind}, not a Representation subclass")
    return cls


def _import_failure(exc: BaseException, module_name: str) -> str:
    """``file, line N: Type: message`` of an exception raised while importing a user's
    module: the last line of that module's code the exception passed through (a syntax
    error's own line), else the last line outside this registry."""
    import traceback

    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{_shown(exc.filename)}, line {exc.lineno}: SyntaxError: {exc.msg}"
    if module_name.endswith(".py"):
        user_file = str(Path(module_name).resolve())
    else:
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            spec = None
        user_file = str(Path(spec.origin).resolve()) if spec is not None and spec.origin else None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    mine = [f for f in frames if user_file and str(Path(f.filename).resolve()) == user_file]
    frames = [f for f in frames if "importlib" not in Path(f.filename).parts and "<frozen" not in f.filename]
    frame = (mine or frames or [None])[-1]
    where = f"{_shown(frame.filename)}, line {frame.lineno}: " if frame is not None else ""
    return f"{where}{type(exc).__name__}: {text}"


def _shown(file: str) -> str:
    """``file`` relative to the working directory where it lies under it."""
    try:
        return Path(file).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file


def get_class(name: str, target: str | None = None) -> type[Representation]:
    """The class of representation ``name``: a local ``target`` (config ``class:``), else a
    built-in, else an installed plugin; ConfigError listing the known names otherwise."""
    where = f"representations.{name}"
    if target is not None:
        cls = _load_target(target, f"{where}.{CLASS_KEY}")
    elif name in _builtins():
        return _builtins()[name]
    elif name in _absent():
        raise ConfigError(f"{where}: {absence_reason(_absent()[name])}")
    elif name in _entry_points():
        try:
            cls = _entry_points()[name].load()
        except Exception as exc:
            raise ConfigError(f"{where}: the installed plugin failed to load: {type(exc).__name__}: {exc}") from None
        if not (inspect.isclass(cls) and issubclass(cls, Representation)):
            raise ConfigError(f"{where}: entry point {_entry_points()[name].value!r} is not a Representation subclass")
    else:
        raise ConfigError(
            f"{where}: unknown representation {name!r}; known: {', '.join(names())} "
            f"(or name a class with '{CLASS_KEY}: module:Class')"
        )
    if cls.name != name:
        # one name per representation: the config key is the name in files, tables and figures
        label = facts.of(cls, "label")
        label = label if label and label != cls.name else ""
        cls = type(
            cls.__name__,
            (cls,),
            {"name": name, "label": label, "__module__": cls.__module__, "__qualname__": cls.__qualname__},
        )
    return cls


def split_params(name: str, params: Mapping[str, Any] | None) -> tuple[type[Representation], dict[str, Any]]:
    """(class, parameters without the ``class`` key) for a config entry."""
    params = dict(params or {})
    target = params.pop(CLASS_KEY, None)
    return get_class(name, target), params


def check(name: str, params: Mapping[str, Any] | None, where: str | None = None) -> dict[str, Any]:
    """The resolved parameters of a config entry, or one ConfigError line."""
    cls, rest = split_params(name, params)
    return cls.resolve_params(rest, where or f"representations.{name}")


def build(name: str, species: Sequence[str], params: Mapping[str, Any] | None = None) -> Representation:
    """Build representation ``name`` for ``species`` with ``params`` overriding its defaults
    (``params`` may carry the config's ``class`` key)."""
    cls, rest = split_params(name, params)
    return cls(species, **rest)


# --- order, labels, colours ----------------------------------------------------------


def _cls_or_none(name: str, classes: Mapping[str, type[Representation]] | None):
    if classes and name in classes:
        return classes[name]
    if name in _builtins():
        return _builtins()[name]
    if name in _entry_points():
        try:
            return get_class(name)
        except ConfigError:
            return None
    return None


def sort_key(name: str, classes: Mapping[str, type[Representation]] | None = None, panels: bool = False):
    cls = _cls_or_none(name, classes)
    if cls is None:
        return (facts.DEFAULTS["order"], name)
    panel_order = facts.of(cls, "panel_order") if panels else None
    return (panel_order if panel_order is not None else facts.of(cls, "order"), name)


def sort_names(
    names_: Iterable[str], classes: Mapping[str, type[Representation]] | None = None, panels: bool = False
) -> list[str]:
    """Names in table order (``panels=True``: the panel order of Figures 6-8)."""
    return sorted(dict.fromkeys(names_), key=lambda n: sort_key(n, classes, panels))


def classes_of(config_representations: Mapping[str, Any] | None) -> dict[str, type[Representation]]:
    """name → class for a config's ``representations`` section (``class:`` entries included)."""
    return {name: split_params(name, params)[0] for name, params in (config_representations or {}).items()}


def colour(name: str, classes: Mapping[str, type[Representation]] | None = None) -> str:
    """The colour of a representation: its fact's (``facts.yaml``), else the palette colour of
    its place among the representations without one (built-ins, plugins, then ``classes``),
    in order."""
    cls = _cls_or_none(name, classes)
    if cls is not None and facts.of(cls, "colour"):
        return facts.of(cls, "colour")
    pool = {n: _cls_or_none(n, classes) for n in list(_builtins()) + list(_entry_points()) + list(classes or {})}
    uncoloured = sort_names([n for n, c in pool.items() if c is None or not facts.of(c, "colour")] + [name], classes)
    return PALETTE[uncoloured.index(name) % len(PALETTE)]


def label(name: str, classes: Mapping[str, type[Representation]] | None = None) -> str:
    """The legend and table label of a representation (its fact's, else its name)."""
    cls = _cls_or_none(name, classes)
    return (facts.of(cls, "label") or cls.name) if cls is not None else name


def with_attribute(
    attribute: str, names_: Iterable[str] | None = None, classes: Mapping[str, type[Representation]] | None = None
) -> list[str]:
    """The names (of ``names_``, default: every known one) whose fact ``attribute``
    (``facts.yaml``) is set."""
    pool = list(names_) if names_ is not None else names()
    return [n for n in pool if (c := _cls_or_none(n, classes)) is not None and facts.of(c, attribute)]


def config_schema(classes: Mapping[str, type[Representation]] | None = None) -> dict[str, Any]:
    """The representation part of the config schema, generated from the classes' parameters."""
    pool = dict(_builtins())
    pool.update(classes or {})
    props = {}
    for name in sort_names(pool, pool):
        cls = pool[name]
        props[name] = {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                CLASS_KEY: {"type": "string", "description": "module:Class or file.py:Class of a local representation"},
                **{p.name: p.json_schema() for p in cls.parameters},
                **{a: {**p.json_schema(), "deprecated": True} for p in cls.parameters for a in p.aliases},
            },
        }
    return {
        "type": "object",
        "properties": props,
        "additionalProperties": {"type": ["object", "null"], "required": [CLASS_KEY]},
    }
