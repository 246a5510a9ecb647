"""Checking a workflow configuration before any job runs.

``validate_config`` first reads the numbers and booleans that arrived as text (:mod:`.config_text`),
then checks every representation entry through its class (the registry finds it; its
typed parameters check names and values, its ``check_params`` the combinations; every
cutoff at most ``MAX_CUTOFF``), then applies ``workflow/schemas/config.schema.yaml`` with
the representation part generated from the same classes (types, ranges, unknown keys),
and then the checks a schema cannot express: a dataset named in another section must
exist, ``e0`` keys are elements, and what the regression jobs would otherwise find only
after the representation and CUR jobs ran (hyperparameters without the search, the
isolated-atom energies the targets need).  Every failure raises one ``ConfigError``
whose message starts with the dotted config key at fault.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .config_text import coerce_text
from .errors import ConfigError
from .representations import registry
from .vocabulary import HYPERPARAMETERS, section_params

#: the largest cutoff radius (Å) a representation may have (``cutoff``, ``radial_cutoff``,
#: ``angular_cutoff``, in ``multi_species`` too).  The representations are local: the
#: cutoffs of the literature lie between 3 and 12 Å (the paper's is 6.5 Å).  A 20 Å sphere
#: in a solid (about 0.1 atoms/Å³) already holds about 3400 neighbours, 30 times the
#: paper's 115; beyond it a job runs for hours on what is not a local environment any more.
MAX_CUTOFF = 20.0


def _key(path) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "<top level>"


def load_schema(path: str | Path) -> dict[str, Any]:
    with open(path) as fh:
        return yaml.safe_load(fh)


def validate_config(
    config: dict[str, Any], schema: dict[str, Any] | str | Path, overrides: Mapping[str, Any] | None = None
) -> None:
    """Raise ``ConfigError`` naming the first invalid key; return None when valid.

    ``overrides``: the values given with ``--config`` (Snakemake's
    ``workflow.config_settings.config``); their text is read as YAML where the schema
    admits the value read, in ``config`` itself (see the module docstring)."""
    if not isinstance(schema, dict):
        schema = load_schema(schema)
    coerce_text(config, with_representation_schema(schema, _known_classes(config)), overrides)
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
        if err.validator == "dependentRequired" and len(err.path) == 2 and err.path[0] == "datasets":
            raise ConfigError(f"config key {_key(err.path)}.seed: a generated dataset needs its seed (an integer >= 0)")
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
            raise ConfigError(_not_in_main(name))
    for name in config.get("regression", {}).get("hyperparameters", {}):
        if name not in reps:
            raise ConfigError(
                f"config key regression.hyperparameters.{name}: representation {name!r} is not in 'representations'"
            )
    check_datasets(config)
    check_regression_split(config)
    check_regression_hyperparameters(config)
    check_regression_e0(config)


def _not_in_main(name: str) -> str:
    return (
        f"config key sensitivity.representations.{name}: representation {name!r} is not in 'representations' (the "
        f"sensitivity section only overrides their parameters); add it there"
    )


def check_datasets(config: dict[str, Any]) -> None:
    """Dataset entries beyond the schema: ``species`` and the keys of ``e0`` are element
    symbols (not the dummy ``X``), every ``e0`` is a finite energy, and a ``file:`` source
    is not the dataset's own output ``data/<name>.extxyz``."""
    from ase.data import chemical_symbols

    elements = set(chemical_symbols[1:])  # chemical_symbols[0] is the dummy atom X
    for name, spec in (config.get("datasets") or {}).items():
        if not isinstance(spec, dict):
            continue
        for symbol in spec.get("species") or []:
            if symbol not in elements:
                what = "the dummy atom X, not an element" if symbol == "X" else "not an element symbol"
                raise ConfigError(f"config key datasets.{name}.species: {symbol!r} is {what}")
        for symbol, energy in (spec.get("e0") or {}).items():
            if symbol not in elements:
                what = "the dummy atom X, not an element" if symbol == "X" else "not an element symbol"
                raise ConfigError(
                    f"config key datasets.{name}.e0: {symbol!r} is {what} (e0 maps each element symbol to the "
                    f"energy of its isolated atom, eV)"
                )
            if not math.isfinite(energy):
                raise ConfigError(f"config key datasets.{name}.e0.{symbol}: {energy} is not a finite energy (eV)")
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


def check_regression_hyperparameters(config: dict[str, Any]) -> None:
    """Without the cross-validated search (``regression.search`` false or not given) every
    representation needs the hyperparameters of both models: each regression dataset runs
    ridge (``rr_lambda``) and kernel ridge (``krr_lambda``, ``krr_gamma``) for each."""
    reg = config.get("regression") or {}
    if not reg.get("datasets") or reg.get("search", False):
        return
    given = reg.get("hyperparameters") or {}
    search = "false" if "search" in reg else "not set (false)"
    for name in config.get("representations") or {}:
        missing = [k for k in HYPERPARAMETERS if k not in (given.get(name) or {})]
        if missing:
            raise ConfigError(
                f"config key regression.hyperparameters.{name}: {', '.join(missing)} missing and regression.search "
                f"is {search}; give {', '.join(HYPERPARAMETERS)} for every representation (ridge and kernel ridge "
                f"run for each), or set regression.search: true"
            )


def check_regression_e0(config: dict[str, Any]) -> None:
    """The isolated-atom energies (``datasets.<name>.e0``) a regression dataset needs, as far
    as the config tells before any job.

    Targets are E − Σ E0.  With ``regression.targets.file`` (total energies from a file)
    ``e0`` must give every species of the dataset; without it a given ``e0`` replaces the
    dataset's isolated atoms, so it too must give every species.  The species are known
    here for a generated dataset (its generator's, each with its isolated atom); for a
    file or a pinned source they are known only once the dataset exists (the regression
    job checks them then), so for those only an ``e0`` missing altogether under the
    targets-file route is found here.
    """
    from .datasets.generate import SPECIES

    reg = config.get("regression") or {}
    targets = (reg.get("targets") or {}).get("file")
    for name in reg.get("datasets") or []:
        spec = config["datasets"][name]
        e0 = spec.get("e0") or {}
        species = SPECIES.get(spec.get("generator"))
        key = f"config key datasets.{name}.e0"
        if targets and not e0:
            of = f"of {', '.join(species)}" if species else "of every species of the dataset"
            raise ConfigError(
                f"{key}: missing; regression.targets.file ({targets}) gives total energies, and the cohesive "
                f"energies the regression fits need the isolated-atom energy (eV) {of}; give e0: {{element: energy}}"
            )
        missing = [s for s in species or () if e0 and s not in e0]
        if missing:
            why = (
                "the targets-file route needs E0 of every species"
                if targets
                else "a given e0 replaces the dataset's isolated atoms, so it needs every species"
            )
            raise ConfigError(
                f"{key}: no isolated-atom energy for {', '.join(missing)} ({why} of {name}: {', '.join(species)})"
            )


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
    merged with the main entry (the parameters the sensitivity jobs get); every error
    about it names ``sensitivity.representations.<name>``.  Every cutoff is at most
    ``MAX_CUTOFF``.
    """
    classes: dict[str, type] = {}
    main = config.get("representations") if isinstance(config.get("representations"), dict) else None
    for section, name, entry in _sections(config):
        where = f"{section}.{name}"
        if entry is not None and not isinstance(entry, dict):
            raise ConfigError(f"config key {where}: give a mapping of parameters (or {{}}), not {entry!r}")
        entry = dict(entry or {})
        base = dict((main or {}).get(name) or {}) if section != "representations" else {}
        target = entry.get(registry.CLASS_KEY, base.get(registry.CLASS_KEY))
        try:
            cls = registry.get_class(name, target)
            own = {k: v for k, v in entry.items() if k != registry.CLASS_KEY}
            if section == "representations":
                cls.resolve_params(own, where)
            else:
                from .representations.spec import resolve

                resolve(cls.parameters, own, where)  # the override's own keys, named in its section
                merged = {k: v for k, v in section_params(base, own).items() if k != registry.CLASS_KEY}
                cls.resolve_params(merged, where)
            _check_cutoffs(own, where)
        except ConfigError as exc:
            if section != "representations" and main and name not in main:
                raise ConfigError(_not_in_main(name)) from None  # the cause of an unknown name's error
            message = str(exc)
            main_key = f"representations.{name}"
            prefix = message.split(":", 1)[0]
            if section != "representations" and (prefix == main_key or prefix.startswith(main_key + ".")):
                message = where + message[len(main_key) :]  # the registry names the main section
            raise ConfigError(message if message.startswith("config key") else f"config key {message}") from None
        classes.setdefault(name, cls)
    return classes


def _check_cutoffs(params: Mapping[str, Any], where: str) -> None:
    """Every ``cutoff`` or ``*_cutoff`` number of ``params`` (nested blocks too) is at most
    ``MAX_CUTOFF``."""
    for key, value in params.items():
        if isinstance(value, Mapping):
            _check_cutoffs(value, f"{where}.{key}")
        elif (
            (key == "cutoff" or str(key).endswith("_cutoff"))
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and value > MAX_CUTOFF
        ):
            raise ConfigError(
                f"{where}.{key}: {value:g} Å is not allowed; allowed: at most {MAX_CUTOFF:g} Å (the representations "
                f"are local: cutoffs in the literature lie between 3 and 12 Å, and a {MAX_CUTOFF:g} Å sphere in a "
                f"solid already holds about 3400 neighbours)"
            )


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


def _known_classes(config: dict[str, Any]) -> dict[str, type]:
    """name → class of the representations whose class the registry finds (the others are
    reported by ``check_representations``)."""
    classes: dict[str, type] = {}
    main = config.get("representations") if isinstance(config.get("representations"), dict) else {}
    for section, name, entry in _sections(config):
        if name in classes:
            continue
        base = main.get(name) if section != "representations" else None
        target = next(
            (e[registry.CLASS_KEY] for e in (entry, base) if isinstance(e, dict) and registry.CLASS_KEY in e), None
        )
        with contextlib.suppress(ConfigError):
            classes[name] = registry.get_class(name, target if isinstance(target, str) else None)
    return classes


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
