"""Checking a workflow configuration before any job runs.

``validate_config`` first checks every representation entry through its class (the
registry finds it; its typed parameters check names and values, its ``check_params`` the
combinations), then applies ``workflow/schemas/config.schema.yaml`` with the
representation part generated from the same classes (types, ranges, unknown keys), and
then the checks a schema cannot express (a dataset named in another section must exist).
Every failure raises one ``ConfigError`` whose message starts with the dotted config key
at fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import ConfigError
from .representations import registry


def _key(path) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "<top level>"


def load_schema(path: str | Path) -> dict[str, Any]:
    with open(path) as fh:
        return yaml.safe_load(fh)


def validate_config(config: dict[str, Any], schema: dict[str, Any] | str | Path) -> None:
    """Raise ``ConfigError`` naming the first invalid key; return None when valid."""
    if not isinstance(schema, dict):
        schema = load_schema(schema)
    classes = check_representations(config)
    schema = with_representation_schema(schema, classes)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.path), list(map(str, e.path))))
    if errors:
        err = errors[0]
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
            where = _key(err.path)
            keys = ", ".join(f"{where}.{e}" if err.path else e for e in extra)
            raise ConfigError(f"config key {keys}: unknown key (allowed here: {', '.join(allowed)})")
        if err.validator == "oneOf" and len(err.path) == 2 and err.path[0] == "datasets":
            raise ConfigError(f"config key {_key(err.path)}: give exactly one of 'source', 'file' or 'generator'")
        raise ConfigError(f"config key {_key(err.path)}: {err.message}")

    datasets = set(config.get("datasets", {}))
    references = [
        ("dimensionality.fps_dataset", config.get("dimensionality", {}).get("fps_dataset")),
        (
            "dimensionality.standardised_mbtr_dataset",
            config.get("dimensionality", {}).get("standardised_mbtr_dataset"),
        ),
        ("dimensionality.ace_degree_dataset", config.get("dimensionality", {}).get("ace_degree_dataset")),
    ]
    references += [
        (f"regression.datasets[{i}]", name) for i, name in enumerate(config.get("regression", {}).get("datasets", []))
    ]
    for key, name in references:
        if name is not None and name not in datasets:
            raise ConfigError(
                f"config key {key}: dataset {name!r} is not in 'datasets' ({', '.join(sorted(datasets))})"
            )
    reps = list(config.get("representations", {}))
    dim = config.get("dimensionality", {}) or {}
    degree_key = ("ace_degree_dataset", "degree_parameter", "a degree sweep")
    std_key = ("standardised_mbtr_dataset", "standardised_variant", "a standardised variant")
    for key, attribute, what in (degree_key, std_key):
        if dim.get(key) is not None and not registry.with_attribute(attribute, reps, classes):
            known = ", ".join(registry.with_attribute(attribute)) or "none"
            raise ConfigError(
                f"config key dimensionality.{key}: needs a representation with {what} in 'representations' "
                f"({known}); set it to null or add one"
            )
    sens_reps = (config.get("sensitivity") or {}).get("representations") or {}
    for name in sens_reps:
        if name not in reps:
            raise ConfigError(
                f"config key sensitivity.representations.{name}: representation {name!r} is not in "
                f"'representations' (the sensitivity section only overrides their parameters); add it there"
            )
    for name in config.get("regression", {}).get("hyperparameters", {}):
        if name not in reps:
            raise ConfigError(
                f"config key regression.hyperparameters.{name}: representation {name!r} is not in 'representations'"
            )
    check_datasets(config)
    check_regression_split(config)


def check_datasets(config: dict[str, Any]) -> None:
    """Dataset entries beyond the schema: ``species`` are element symbols (not the dummy
    ``X``), and a ``file:`` source is not the dataset's own output ``data/<name>.extxyz``."""
    from ase.data import chemical_symbols

    elements = set(chemical_symbols[1:])  # chemical_symbols[0] is the dummy atom X
    for name, spec in (config.get("datasets") or {}).items():
        if not isinstance(spec, dict):
            continue
        for symbol in spec.get("species") or []:
            if symbol not in elements:
                what = "the dummy atom X, not an element" if symbol == "X" else "not an element symbol"
                raise ConfigError(f"config key datasets.{name}.species: {symbol!r} is {what}")
        file = spec.get("file")
        if isinstance(file, str) and Path(file) == Path("data") / f"{name}.extxyz":
            raise ConfigError(
                f"config key datasets.{name}.file: {file} is the file the workflow writes for dataset {name}; "
                f"keep the source file elsewhere"
            )


def _generated_count(spec: dict[str, Any]) -> int | None:
    """How many structures a generated dataset holds (None for a file or a remote source)."""
    import inspect

    from .datasets.generate import GENERATORS

    generator = GENERATORS.get(spec.get("generator"))
    if generator is None:
        return None
    default = inspect.signature(generator).parameters["n_structures"].default
    return int(spec.get("n_structures", default))


def check_regression_split(config: dict[str, Any]) -> None:
    """A seeded random split that leaves the training or the test set of a regression
    dataset empty, where the config alone gives the dataset's size (a generated dataset
    without a targets file); other datasets are checked at the start of the regression."""
    from .splits import DEFAULT_TRAIN_FRACTION, check_split_sizes

    reg = config.get("regression") or {}
    split = reg.get("split") or {}
    if split.get("file") or (reg.get("targets") or {}).get("file"):
        return
    fraction = split.get("train_fraction", DEFAULT_TRAIN_FRACTION)
    for name in reg.get("datasets") or []:
        n = _generated_count(config["datasets"][name])
        if n is not None:
            check_split_sizes(n, fraction, dataset=name, what="generated structures")


def _sections(config: dict[str, Any]):
    """(config key, name, entry) of every representation entry: the main section and the
    sensitivity study's overrides."""
    main = config.get("representations")
    if isinstance(main, dict):
        for name, entry in main.items():
            yield "representations", name, entry
    sens = config.get("sensitivity")
    if isinstance(sens, dict) and isinstance(sens.get("representations"), dict):
        for name, entry in sens["representations"].items():
            yield "sensitivity.representations", name, entry


def check_representations(config: dict[str, Any]) -> dict[str, type]:
    """Check every representation entry through its class; return name → class.

    A sensitivity override is checked on its own keys (naming the sensitivity section) and
    merged with the main entry (the parameters the sensitivity jobs get).
    """
    classes: dict[str, type] = {}
    main = config.get("representations") if isinstance(config.get("representations"), dict) else {}
    for section, name, entry in _sections(config):
        where = f"{section}.{name}"
        if entry is not None and not isinstance(entry, dict):
            raise ConfigError(f"config key {where}: give a mapping of parameters (or {{}}), not {entry!r}")
        entry = dict(entry or {})
        base = dict(main.get(name) or {}) if section != "representations" else {}
        target = entry.get(registry.CLASS_KEY, base.get(registry.CLASS_KEY))
        try:
            cls = registry.get_class(name, target)
            own = {k: v for k, v in entry.items() if k != registry.CLASS_KEY}
            if section == "representations":
                cls.resolve_params(own, where)
            else:
                merged = {k: v for k, v in base.items() if k != registry.CLASS_KEY}
                from .representations.spec import resolve

                resolve(cls.parameters, own, where)  # the override's own keys, named in its section
                merged.update(own)
                cls.resolve_params(merged, where)
        except ConfigError as exc:
            message = str(exc)
            raise ConfigError(message if message.startswith("config key") else f"config key {message}") from None
        classes.setdefault(name, cls)
    return classes


def with_representation_schema(schema: dict[str, Any], classes: dict[str, type]) -> dict[str, Any]:
    """The schema with its representation part generated from the classes' parameters."""
    generated = registry.config_schema(classes)
    out = dict(schema)
    defs = dict(out.get("$defs", {}))
    defs["representation_params"] = {
        **generated,
        "description": defs.get("representation_params", {}).get("description", ""),
    }
    out["$defs"] = defs
    return out


def localise_classes(config: dict[str, Any], *bases: str | Path) -> None:
    """Make every relative ``class: path/file.py:Class`` absolute, in place.

    A relative file is looked up in the working directory, then in each of ``bases`` (the
    workflow's directory): so a config that names ``examples/lmbtr.py:LMBTR`` works from
    the repository and with ``--directory`` elsewhere, and every job gets the same file.
    """
    for _section, _name, entry in _sections(config):
        target = entry.get(registry.CLASS_KEY) if isinstance(entry, dict) else None
        if not isinstance(target, str):
            continue
        module, sep, cls = target.rpartition(":")
        if not sep or not module.endswith(".py") or Path(module).is_absolute():
            continue
        for base in (Path.cwd(), *map(Path, bases)):
            if (base / module).is_file():
                entry[registry.CLASS_KEY] = f"{(base / module).resolve()}:{cls}"
                break
