"""Checking a workflow configuration before any job runs.

``validate_config`` applies ``workflow/schemas/config.schema.yaml`` (types, ranges, unknown
keys) and then the checks a schema cannot express (a dataset named in another section
must exist).  Every failure raises one ``ConfigError`` whose message starts with the
dotted config key at fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import ConfigError


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
            raise ConfigError(
                f"config key {_key(err.path)}: give exactly one of 'source', 'file' or 'generator'"
            )
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
        (f"regression.datasets[{i}]", name)
        for i, name in enumerate(config.get("regression", {}).get("datasets", []))
    ]
    for key, name in references:
        if name is not None and name not in datasets:
            raise ConfigError(
                f"config key {key}: dataset {name!r} is not in 'datasets' ({', '.join(sorted(datasets))})"
            )
    reps = set(config.get("representations", {}))
    dim = config.get("dimensionality", {}) or {}
    for key, rep in (("ace_degree_dataset", "ACE"), ("standardised_mbtr_dataset", "MBTR")):
        if dim.get(key) is not None and rep not in reps:
            raise ConfigError(
                f"config key dimensionality.{key}: needs {rep} in 'representations' (set it to null or add {rep})"
            )
    for name in config.get("regression", {}).get("hyperparameters", {}):
        if name not in reps:
            raise ConfigError(
                f"config key regression.hyperparameters.{name}: representation {name!r} is not in "
                f"'representations'"
            )
