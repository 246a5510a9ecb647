"""The facts about each representation that are not its numbers (descriptor_study/facts.yaml).

What the paper published about a representation and how the figures draw it live in one
data file, not on the classes: a class holds what defines its numbers, its code
fingerprint covers exactly that, and correcting a published number or a colour reruns the
figures, tables, report and cards of a finished run and no job that computes a
representation.  A user's class needs none of the facts.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import snakemake_env

from descriptor_study import facts
from descriptor_study.errors import ConfigError
from descriptor_study.representations import registry
from descriptor_study.representations.fingerprint import fingerprint

REPO = Path(__file__).resolve().parents[1]
CI = REPO / "config/ci.yaml"
PACKAGE = REPO / "src/descriptor_study"

# the finished run of config/ci.yaml is shared with the report cards' tests
pytestmark = pytest.mark.xdist_group("ci_cards")

#: the jobs that compute a representation, or are made from its numbers alone
COMPUTING = {"dataset", "represent", "represent_degree", "sensitivity_curve", "select_features", "regress", "card_part"}
#: the jobs that read the facts: figures, tables, the report, the cards
READING = {"table1", "sensitivity_figures", "figure6", "figure7", "figure8", "figure9", "reproduction", "cards"}


def test_no_representation_class_declares_a_fact():
    """The classes of the package's representations assign none of the facts (label,
    colour, order, what the paper published): those are in facts.yaml only."""
    found = []
    for path in sorted((PACKAGE / "representations").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
                    found += [
                        f"{path.name}:{node.name}.{t.id}" for t in targets if getattr(t, "id", None) in facts.DEFAULTS
                    ]
    assert found == []
    # and every built-in's facts come from its entry (the paper's eight and today's three)
    for name in registry.builtin_names():
        assert facts.of(registry.get_class(name), "colour") == facts.table()[name]["colour"]


def test_the_code_fingerprint_covers_no_fact():
    for name in registry.builtin_names():
        assert not any("facts" in module for module in fingerprint(name)["modules"]), name


def test_the_published_facts_as_the_paper_gives_them():
    """A few of Table I's counts and the authors' hyperparameters, as numbers (YAML reads
    5e-11 as text: the file writes 5.0e-11, and a value of the wrong kind is refused)."""
    soap = registry.get_class("SOAP")
    assert dict(facts.of(soap, "paper_feature_counts")) == {"Si": 450, "CHON": 6660, "AlNiCu": 3780, "TiO2": 1710}
    assert facts.of(registry.get_class("ACSF-X"), "paper_feature_counts")["Si"] == "57 (195)"
    assert dict(facts.of(registry.get_class("ACSF"), "paper_hyperparameters")) == {
        "krr_lambda": 5e-11,
        "krr_gamma": 5e-5,
        "rr_lambda": 9e-4,
    }
    assert facts.of(soap, "published_constant_column") is True
    assert facts.of(registry.get_class("ACE"), "published_keys") == ("ACE", "ACE-SHIPs")
    assert facts.of(registry.get_class("ACE"), "degree_parameter") == "degree"
    # CHSF-mix derives from CHSF, its own entry decides: not in Table I
    mix = registry.get_class("CHSF-mix")
    assert not facts.of(mix, "paper_feature_counts") and facts.of(mix, "authors_code") == "julia"


def test_a_wrong_fact_ends_in_one_line_naming_the_file_and_key(tmp_path, monkeypatch):
    bad = (
        (PACKAGE / "facts.yaml")
        .read_text()
        .replace("krr_lambda: 5.0e-11, krr_gamma: 5.0e-5", "krr_lambda: 5e-11, krr_gamma: 5.0e-5", 1)
    )
    (tmp_path / "facts.yaml").write_text(bad)
    monkeypatch.setattr(facts, "FILE", tmp_path / "facts.yaml")
    facts.table.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"^descriptor_study/facts.yaml: ACSF.paper_hyperparameters: .*'5e-11'"):
            facts.table()
        (tmp_path / "facts.yaml").write_text("ACSF: {colour: '#000000', shade: dark}\n")
        with pytest.raises(ConfigError, match=r"^descriptor_study/facts.yaml: ACSF.shade: unknown fact"):
            facts.table()
    finally:
        monkeypatch.undo()
        facts.table.cache_clear()


def test_a_users_class_needs_no_fact_and_a_renamed_built_in_keeps_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(
        "from descriptor_study.representations import Param, Representation\n"
        "from descriptor_study.representations.soap import SOAPlite\n\n"
        "class Mine(Representation):\n"
        "    name = 'Mine'\n"
        "    parameters = (Param('cutoff', 'number', 5.0, 'cutoff'),)\n"
        "    n_features = 1\n\n"
        "    def _compute(self, atoms, centers):\n"
        "        return [[1.0]] * len(atoms)\n\n"
        "class Labelled(Mine):\n"
        "    name = 'Labelled'\n"
        "    label = 'Mine, labelled'\n"
    )
    classes = registry.classes_of(
        {
            "Mine": {"class": "mine.py:Mine"},
            "Labelled": {"class": "mine.py:Labelled"},
            "Lite": {"class": "descriptor_study.representations.soap:SOAPlite"},
        }
    )
    mine = classes["Mine"]
    assert {k: facts.of(mine, k) for k in facts.DEFAULTS} == dict(facts.DEFAULTS)
    assert registry.label("Mine", classes) == "Mine" and registry.colour("Mine", classes) in registry.PALETTE
    assert registry.label("Labelled", classes) == "Mine, labelled"  # a class may still declare one
    # a built-in under another name: SOAPlite's colour, order and published facts
    assert registry.colour("Lite", classes) == registry.colour("SOAPlite")
    assert registry.sort_names(["MBTR", "Lite", "ACSF"], classes) == ["ACSF", "Lite", "MBTR"]
    assert registry.label("Lite", classes) == "Lite"


def _stats(text: str) -> dict[str, int]:
    if "Job stats:" not in text:
        return {}
    block = text.split("Job stats:")[1].split("total")[0]
    return {k: int(v) for k, v in re.findall(r"^(\w+)\s+(\d+)$", block, re.M)}


def test_correcting_a_published_number_or_a_colour_reruns_no_representation_job(ci_run, snakemake, tmp_path):
    """A copy of the finished run of config/ci.yaml, the package copied aside and first on
    the path: Table I's count of ACSF on CHON and SOAPlite's colour corrected in its
    facts.yaml; ``snakemake -n`` plans the figures, tables, report and cards, and no job
    that computes a representation (no matrix, curve, selection, sweep or card part)."""
    work = tmp_path / "run"
    shutil.copytree(ci_run, work, symlinks=True)  # mtimes and Snakemake's records kept
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "descriptor_study", ignore=shutil.ignore_patterns("__pycache__"))
    env = snakemake_env(front=str(copy))
    args = ("-n", "--configfile", str(CI))

    def planned() -> tuple[dict[str, int], str]:
        res = snakemake(work, *args, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        return _stats(res.stdout + res.stderr), res.stdout

    assert planned()[0] == {}
    data = copy / "descriptor_study/facts.yaml"
    text = data.read_text()
    assert yaml.safe_load(text)["ACSF"]["paper_feature_counts"]["CHON"] == 462
    edited = text.replace("{Si: 51, CHON: 462,", "{Si: 51, CHON: 463,", 1)
    edited = edited.replace('colour: "#ff7f0e"', 'colour: "#e6ab02"', 1)  # SOAPlite's
    assert edited.count("463") == 1 and "#e6ab02" in edited
    data.write_text(edited)
    stats, out = planned()
    assert stats, out[-3000:]
    assert not set(stats) & COMPUTING, stats
    assert set(stats) - {"all"} <= READING and {"table1", "cards", "reproduction"} <= set(stats), stats
    assert "Params have changed since last execution" in out
