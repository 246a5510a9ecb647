"""One place per representation: the registry, the typed parameters and the config schema
generated from them agree; unknown names and invalid values end in one line."""

from __future__ import annotations

import ast
import copy
import logging
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from descriptor_study import facts
from descriptor_study.config import validate_config
from descriptor_study.errors import ConfigError
from descriptor_study.representations import registry
from descriptor_study.representations.spec import Param, resolve

BUILTINS = registry.builtin_names()


def _config(default, name, params):
    config = copy.deepcopy(default)
    config["representations"] = {name: params}
    config.pop("sensitivity", None)
    config.pop("regression", None)
    config["dimensionality"] = {
        "methods": ["cur"],
        "fps_dataset": "Si-demo",
        "standardised_mbtr_dataset": None,
        "ace_degree_dataset": None,
    }
    return config


#: the representations of today, each behind its own extra (found only where it is installed)
OPTIONAL = {"featomic-SOAP", "CHGNet", "SevenNet"}


def test_the_eight_builtins_are_found():
    """The paper's eight, in the paper's order, then those of today whose extra is installed
    (the others are absent with their reason)."""
    paper = [n for n in BUILTINS if n not in OPTIONAL]
    assert paper == ["ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"]
    assert set(BUILTINS) - set(paper) | set(registry._absent()) == OPTIONAL
    orders = [facts.of(registry.get_class(n), "order") for n in BUILTINS]
    assert orders == sorted(orders) and len(set(orders)) == len(BUILTINS)
    assert len({facts.of(registry.get_class(n), "panel_order") for n in BUILTINS}) == len(BUILTINS)
    assert len({registry.colour(n) for n in BUILTINS}) == len(BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_schema_is_the_class_parameters_both_ways(default, schema, name):
    """Every class parameter is accepted by the config, and every key the config accepts
    for the representation is a class parameter (or an old name of one, or ``class``)."""
    cls = registry.get_class(name)
    generated = registry.config_schema()["properties"][name]["properties"]
    expected = {p.name for p in cls.parameters} | {a for p in cls.parameters for a in p.aliases}
    assert set(generated) == expected | {registry.CLASS_KEY}
    # every parameter, at its default, passes the config check
    validate_config(_config(default, name, cls.defaults()), schema)
    # a key that is not a parameter is rejected, naming representation and key
    for key in ("cutof", "n_maxx", "sigmaa", "unknown_key"):
        if key in expected:
            continue
        with pytest.raises(ConfigError) as info:
            validate_config(_config(default, name, {key: 1}), schema)
        message = str(info.value)
        assert f"config key representations.{name}.{key}" in message and "\n" not in message
        assert "allowed" in message


def _bad_value(p: Param):
    if p.choices is not None:
        return "not-a-choice"
    if p.kind in ("number", "integer"):
        if p.minimum is not None:
            return p.minimum - 1
        return "text"
    if p.kind == "boolean":
        return "yes"
    if p.kind in ("string",):
        return 3.5
    if p.kind in ("list", "mapping"):
        return 3.5
    return None


@pytest.mark.parametrize("name", BUILTINS)
def test_every_invalid_value_is_one_config_error_line(default, schema, name):
    cls = registry.get_class(name)
    tried = 0
    for p in cls.parameters:
        bad = _bad_value(p)
        if bad is None or (p.nullable and bad is None):
            continue
        tried += 1
        with pytest.raises(ConfigError) as info:
            validate_config(_config(default, name, {p.name: bad}), schema)
        message = str(info.value)
        assert message.startswith(f"config key representations.{name}.{p.name}"), message
        assert repr(bad) in message and "allowed" in message and "\n" not in message
    assert tried >= 1


def test_old_names_are_accepted_with_one_deprecation_line(default, schema, caplog):
    with caplog.at_level(logging.WARNING, logger="descriptor_study"):
        validate_config(_config(default, "CHSF-mix", {"n": 5, "l": 4}), schema)
    lines = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert any("CHSF-mix.n is deprecated: use n_max" in m for m in lines)
    rep = registry.build("SOAP", ["Si"], {"atom_sigma": 0.4})
    assert rep.params["sigma"] == 0.4 and "atom_sigma" not in rep.params
    with pytest.raises(ConfigError, match="both atom_sigma"):
        registry.build("SOAP", ["Si"], {"atom_sigma": 0.4, "sigma": 0.5})


def test_unknown_name_lists_the_known_ones(default, schema):
    with pytest.raises(ConfigError) as info:
        validate_config(_config(default, "SOAPY", {}), schema)
    message = str(info.value)
    assert "representations.SOAPY" in message and "\n" not in message
    for name in BUILTINS:
        assert name in message


def test_resolve_fills_defaults_and_coerces():
    params = (
        Param("cutoff", "number", 5.0, "cutoff", unit="Å", minimum=0, exclusive=True),
        Param("n_max", "integer", 4, "radial functions", minimum=1, maximum=20, aliases=("n",)),
        Param("mode", "string", "a", "mode", choices=("a", "b")),
    )
    assert resolve(params, {"n": 3}, "x") == {"cutoff": 5.0, "n_max": 3, "mode": "a"}
    assert resolve(params, {"cutoff": 2}, "x")["cutoff"] == 2.0
    for given in ({"cutoff": 0}, {"n_max": 2.5}, {"n_max": True}, {"mode": "c"}, {"cutoff": float("nan")}):
        with pytest.raises(ConfigError):
            resolve(params, given, "x")


LOCAL_CLASS = textwrap.dedent('''
    import numpy as np
    from descriptor_study.representations import Param, Representation

    class PairCount(Representation):
        """Number of neighbours of each species within a cutoff (a toy, invariant by construction)."""
        name = "PairCount"
        parameters = (Param("cutoff", "number", 3.0, "neighbour cutoff", unit="Å", minimum=0, exclusive=True),)

        @property
        def n_features(self):
            return len(self.species)

        def _compute(self, atoms, centers):
            from ase.neighborlist import neighbor_list
            i, j = neighbor_list("ij", atoms, self.params["cutoff"])
            out = np.zeros((len(atoms), len(self.species)))
            col = np.array([self.species.index(s) for s in atoms.get_chemical_symbols()])
            np.add.at(out, (i, col[j]), 1.0)
            return out if centers is None else out[centers]
''')


def test_a_local_class_from_config(tmp_path, default, schema, monkeypatch):
    (tmp_path / "my_reps.py").write_text(LOCAL_CLASS)
    monkeypatch.chdir(tmp_path)
    for target in ("my_reps.py:PairCount", "my_reps:PairCount"):
        config = _config(default, "PairCount", {"class": target, "cutoff": 2.5})
        validate_config(config, schema)
        with pytest.raises(ConfigError, match=r"representations.PairCount.cutoff: -1"):
            validate_config(_config(default, "PairCount", {"class": target, "cutoff": -1}), schema)
        rep = registry.build("PairCount", ["Si"], {"class": target, "cutoff": 2.5})
        from ase.build import bulk

        X = rep.compute(bulk("Si", "diamond", a=5.43))
        assert X.shape == (2, 1) and X[0, 0] == 4.0  # four nearest neighbours at 2.35 Å
    with pytest.raises(ConfigError, match="no such file"):
        validate_config(_config(default, "PairCount", {"class": "missing.py:PairCount"}), schema)
    with pytest.raises(ConfigError, match="not a Representation subclass"):
        validate_config(_config(default, "PairCount", {"class": "my_reps.py:np"}), schema)


def test_an_installed_plugin_through_its_entry_point(tmp_path):
    """A package that declares the entry point is found by name, without a config class."""
    (tmp_path / "plugin_reps.py").write_text(LOCAL_CLASS)
    dist = tmp_path / "plugin_reps-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-reps\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[descriptor_study.representations]\nPairCount = plugin_reps:PairCount\n")
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from descriptor_study.representations import registry
        assert "PairCount" in registry.names(), registry.names()
        rep = registry.build("PairCount", ["Si"], {{"cutoff": 2.5}})
        print(registry.colour("PairCount"), registry.colour("PairCount"))
    """)
    out = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert out[0] == out[1] and out[0].split()[0] == out[0].split()[1] == registry.PALETTE[0]


# --- one place per representation ----------------------------------------------------


def _literals_py(path: Path) -> list[str]:
    """String constants of the code (docstrings aside)."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def _literals_smk(path: Path) -> list[str]:
    code = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
    return re.findall(r'"([^"\n]*)"|\'([^\'\n]*)\'', code)


def test_a_builtin_name_is_written_in_its_own_class_only(repo_root):
    """Outside its own module, no code names a built-in representation (configs and docs aside)."""
    modules = {name: Path(sys.modules[registry.get_class(name).__module__].__file__).resolve() for name in BUILTINS}
    files = [
        *(repo_root / "src").rglob("*.py"),
        *(repo_root / "scripts").rglob("*.py"),
        *(repo_root / "workflow").rglob("*.smk"),
        repo_root / "Snakefile",
    ]
    found = []
    for path in files:
        literals = _literals_py(path) if path.suffix == ".py" else [a or b for a, b in _literals_smk(path)]
        for name in BUILTINS:
            pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w]|-mix|-X)")
            if path.resolve() != modules[name] and any(pattern.search(s) for s in literals):
                found.append(f"{path.relative_to(repo_root)}: {name}")
    # CHSF-mix lives in chsf.py beside CHSF, whose name it contains
    found = [f for f in found if not f.startswith("src/descriptor_study/representations/chsf.py")]
    assert found == []


def test_parameter_reference_in_docs_is_generated_from_the_classes(repo_root):
    """docs/representations.md is what `python -m descriptor_study.representations` prints."""
    out = subprocess.run(
        [sys.executable, "-m", "descriptor_study.representations"],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo_root,
    ).stdout
    assert out == (repo_root / "docs/representations.md").read_text()
    for name in BUILTINS:
        cls = registry.get_class(name)
        assert f"## {registry.label(name)}" in out
        for p in cls.parameters:
            assert f"| `{p.name}` |" in out


# --- classes behind an extra ------------------------------------------------------------


def test_missing_requirements_names_what_cannot_be_imported():
    from descriptor_study.representations import Representation

    class Needs(Representation):
        name = "Needs"
        requires = ("json", "descriptor_study_no_such_module")
        extra = "someextra"
        n_features = 1

        def _compute(self, atoms, centers):
            return None

    assert registry.missing_requirements(Needs) == ["descriptor_study_no_such_module"]
    assert registry.absence_reason(Needs) == (
        'Needs needs descriptor_study_no_such_module, not installed here (pip install -e ".[someextra]" '
        "-c envs/constraints.txt; docs/beyond-2020.md)"
    )


def test_a_config_naming_a_class_without_its_extra_stops_with_one_line():
    import yaml

    absent = sorted(registry._absent())
    if not absent:
        pytest.skip("every optional representation's extra is installed here")
    repo = Path(__file__).resolve().parents[1]
    default = yaml.safe_load((repo / "config/config.yaml").read_text())
    for name in absent:
        config = copy.deepcopy(default)
        config["representations"][name] = {}
        with pytest.raises(ConfigError) as info:
            validate_config(config, repo / "workflow/schemas/config.schema.yaml")
        message = str(info.value)
        assert f"representations.{name}: {name} needs " in message and "not installed here" in message
        assert len(message.splitlines()) == 1
        assert name not in registry.names()
