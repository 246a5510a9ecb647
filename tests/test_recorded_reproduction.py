"""The reproduction numbers the README states are those of a recorded run of the committed code.

``docs/records/reproduction-run.md`` records one from-scratch run of the offline reproduction: its
command, the commit it ran, the date, and the ``results/reproduction.md`` it wrote, as
written.  The README's summary and per-figure counts must equal that report, and the code
that defines those numbers must not have changed since the recorded commit (else the run
is to be repeated and recorded again).

That code is found from the code, not kept in a list: what the jobs of the offline report
reach from their scripts, their rules' parameters and the representation classes the config
names (``test_the_recorded_run_is_of_the_code_that_defines_the_numbers`` says how;
``result_path.py`` walks the references; docs/development.md, "When the offline reproduction
has to be rerun").
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_snakemake
from result_path import Package, changed, workflow_modules

#: one worker runs this file, so its one dry run of the Snakefile serves every test that needs it
pytestmark = pytest.mark.xdist_group("recorded_reproduction")

RECORD = REPO / "docs/records/reproduction-run.md"
REPORT_MARK = "<!-- the run's results/reproduction.md, as written -->\n"
OFFLINE_CONFIG = REPO / "config/reproduce-offline.yaml"
#: the package whose code the jobs run, and the report the README states
PACKAGE = "descriptor_study"
REPORT = "results/reproduction.md"

#: what besides code defines the report's numbers, compared as text
RESULT_DEFINING_FILES = [
    "config/reproduce-offline.yaml",
    "envs/constraints.txt",
    # what the paper published (Table I's counts, the authors' keys and code paths): the report
    "src/descriptor_study/facts.yaml",
]

#: definitions on the report's path that cannot change a number of it, by qualname (a
#: function, ``Class.method``), each with the reason; they are neither compared nor followed
#: (what only they call is not reached through them).  Only four kinds belong here: the job
#: harness around a script's ``main``, what ends a run with an error (it runs only where no
#: number is written), what decides whether a job reruns, and what the offline config never
#: calls (a test holds that).  A test keeps every entry defined and on the path.
EXEMPT: dict[str, str] = {
    "run_step": (
        "the job harness: runs a script's `main` (which is followed) with its log, a supervised "
        "worker process and the provenance record of the outputs; it computes none of them"
    ),
    "_check_atom_counts": (
        "checks a file's atom counts before it is read: it stops the run with a message or warns; "
        "it returns nothing and changes nothing that is read"
    ),
    "_short_frame": "builds the message of a run that `_check_atom_counts` stops",
    "Plan.rep_fingerprint": (
        "the code fingerprint a job's `code` param holds so that a code change reruns the job; no script reads it"
    ),
    "_load_target": (
        "loads the class of a config's `class:` key (a file or module of the user's); the offline "
        "config names none (test_the_offline_config_names_no_class_file), so it runs no such class"
    ),
}


def _record() -> tuple[dict[str, str], str]:
    head, report = RECORD.read_text().split(REPORT_MARK, 1)
    fields = dict(re.findall(r"^- (command|commit|date): `([^`\n]+)`", head, re.M))
    assert set(fields) == {"command", "commit", "date"}, f"{RECORD.name}: command, commit and date, each in `...`"
    assert re.fullmatch(r"[0-9a-f]{40}", fields["commit"]), fields["commit"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["date"]), fields["date"]
    return fields, report


def _summary(markdown: str) -> str:
    found = re.findall(r"^(?:> )?\*\*(\d+ of \d+ compared cells agree[^*]*)\*\*$", markdown, re.M)
    assert len(found) == 1, found
    return found[0]


def _counts(markdown: str, header: str) -> dict[str, tuple[int, int]]:
    """The rows ``| label | agree | differ | ...`` of the table whose header starts with ``header``."""
    lines = markdown.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = (int(cells[1]), int(cells[2]))
    return rows


def _figures(label: str) -> list[str]:
    """A README row's figures in the report's names: "Figures 4, 5a–d" → Figure 4, 5a, ..., 5d;
    "Figure 6 (CUR)" → Figure 6."""
    label = re.sub(r" \([^)]*\)$", "", label)
    if not label.startswith("Figures "):
        return [label]
    out = []
    for part in label.removeprefix("Figures ").split(", "):
        m = re.fullmatch(r"(\d+)([a-z])–([a-z])", part)
        if m:
            out += [f"Figure {m[1]}{chr(c)}" for c in range(ord(m[2]), ord(m[3]) + 1)]
        else:
            out.append(f"Figure {part}")
    return out


def test_the_recorded_report_is_whole():
    """Its summary line counts what its per-figure table holds."""
    _, report = _record()
    counts = _counts(report, "| figure | agree | differ |")
    agree, compared = map(int, re.match(r"(\d+) of (\d+)", _summary(report)).groups())
    assert agree == sum(a for a, _ in counts.values())
    assert compared == sum(a + d for a, d in counts.values())


def test_the_readme_states_the_recorded_report():
    fields, report = _record()
    readme = (REPO / "README.md").read_text()
    assert _summary(readme) == _summary(report)
    assert fields["command"] in readme, "the README gives the recorded run's command"
    assert fields["commit"][:7] in readme and fields["date"] in readme, "the README names the run's commit and date"
    ours = _counts(report, "| figure | agree | differ |")
    stated = _counts(readme, "| figure | agree | differ | what differs")
    named = [fig for label in stated for fig in _figures(label)]
    assert sorted(named) == sorted(ours), "the README's rows cover the report's figures, each once"
    for label, (agree, differ) in stated.items():
        figures = _figures(label)
        assert (agree, differ) == (sum(ours[f][0] for f in figures), sum(ours[f][1] for f in figures)), label


# --- what defines the report's numbers: found from the code -------------------------------


def report_rules(tmp: Path) -> list[str]:
    """The rules of the jobs the offline config runs to write its report: a dry run of the
    repository's Snakefile for ``results/reproduction.md`` (an empty file stands in for each
    local dataset file the config names, so no dataset is needed)."""
    config = yaml.safe_load(OFFLINE_CONFIG.read_text())
    run = tmp / "run"
    run.mkdir(parents=True)
    for spec in (config.get("datasets") or {}).values():
        if isinstance(spec, dict) and spec.get("file") and not Path(spec["file"]).is_absolute():
            (run / spec["file"]).parent.mkdir(parents=True, exist_ok=True)
            (run / spec["file"]).touch()
    out = run_snakemake(
        run, "-n", "--forceall", "--cores", "1", "--configfile", str(OFFLINE_CONFIG), "--", REPORT, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rules = sorted(set(re.findall(r"^(?:local)?rule (\w+):$", out.stdout + out.stderr, re.M)))
    assert "reproduction" in rules, out.stdout[-2000:]
    return rules


def representation_roots() -> list[str]:
    """The classes of the representations the offline config names (its main and
    sensitivity sections), as the registry finds them: ``module:Class``."""
    from descriptor_study.representations import registry

    config = yaml.safe_load(OFFLINE_CONFIG.read_text())
    entries = dict(config["representations"])
    entries.update((config.get("sensitivity") or {}).get("representations") or {})
    return sorted({f"{c.__module__}:{c.__qualname__}" for c in registry.classes_of(entries).values()})


def result_path(repo: Path, rules: list[str], strict: bool = True) -> tuple[Package, list[str]]:
    """The package of ``repo`` with the rules' scripts and params as modules, and the roots:
    those entry points and the configured representation classes."""
    modules, roots = workflow_modules(repo, rules, strict=strict)
    return Package(repo / "src", PACKAGE, modules), roots + representation_roots()


@pytest.fixture(scope="module")
def report_path(tmp_path_factory) -> tuple[Package, list[str], set[str]]:
    """The package now, the rules of the report's jobs and every definition they reach."""
    rules = report_rules(tmp_path_factory.mktemp("dag"))
    package, roots = result_path(REPO, rules)
    return package, rules, package.reachable(roots, EXEMPT)


def _recorded_commit() -> str:
    fields, _ = _record()
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the recorded commit cannot be compared with the code")
    known = subprocess.run(
        [git, "-C", str(REPO), "cat-file", "-e", fields["commit"] + "^{commit}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"commit {fields['commit'][:12]} is not in this clone's history (a shallow clone?)")
    return fields["commit"]


def test_the_recorded_run_is_of_the_code_that_defines_the_numbers(report_path, tmp_path):
    """Nothing that defines the report's numbers changed since the recorded commit (in the
    history or in the work tree); otherwise the offline reproduction is to be rerun from
    scratch and recorded again (docs/records/reproduction-run.md, the README's summary).

    What defines the numbers is found from the code, not listed by hand: the jobs the offline
    config runs for its report (a dry run of the Snakefile), each job's script and the
    parameters its rule passes (``params:``, computed by ``PLAN``), the representation classes
    the config names (whole), and every function, class, method and constant these use,
    followed through imports within the package (tests/result_path.py holds the rules of the
    walk; a reference it cannot follow precisely takes in the whole module).  Each definition
    reached now is compared, as a syntax tree without docstrings together with what each name
    it uses refers to, with the same definition at the recorded commit (found by name where it
    moved to another module); the offline config and the pinned versions as text.  So dead
    code, docs, comments and what only the figures, cards or regression use change without a
    rerun, and a new helper on the report's path counts at once.  EXEMPT leaves out what
    cannot change a number, each with its reason."""
    commit = _recorded_commit()
    fields, _ = _record()
    package, rules, keys = report_path
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "src", "scripts", "workflow"], capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tmp_path, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    before, _ = result_path(tmp_path, rules, strict=False)
    found = changed(package, before, keys)
    diff = subprocess.run(
        ["git", "-C", str(REPO), "diff", "--name-only", commit, "--", *RESULT_DEFINING_FILES],
        capture_output=True,
        text=True,
        check=True,
    )
    found += diff.stdout.split()
    assert not found, (
        f"the recorded reproduction run is of {commit[:12]}; since then these definitions on the path of "
        "its report changed:\n  " + "\n  ".join(found) + f"\nrun `{fields['command']}` from scratch and "
        f"record its report in {RECORD.name} and the README (or, where one cannot change a number, give "
        "the reason in EXEMPT)"
    )


def test_the_report_path_is_what_the_offline_jobs_run(report_path):
    """The walk takes in every stage the report's jobs run and each configured
    representation class whole, and no code of the jobs the report does not use (the
    figures, the cards; the regression, which the offline config does not run)."""
    package, rules, keys = report_path
    config = yaml.safe_load(OFFLINE_CONFIG.read_text())
    assert not (config.get("regression") or {}).get("datasets"), "the offline config runs a regression now"
    assert {"dataset", "represent", "sensitivity_curve", "select_features", "table1", "reproduction"} <= set(rules)
    assert not {"regress", "figure6", "sensitivity_figures", "cards"} & set(rules)
    for root in representation_roots():
        assert package.whole_class(root) <= keys, root

    def stages(rules: list[str]) -> set[str]:
        """What the scripts of ``rules`` call from the package (their stage functions)."""
        modules, _ = workflow_modules(REPO, rules)
        scripts = Package(REPO / "src", PACKAGE, modules)
        return {d for k in scripts.modules if k.startswith("scripts.") for d in scripts.references(f"{k}:main")[0]}

    ours = stages(rules)
    assert ours <= keys
    others = stages(["figure6", "figure7", "figure8", "sensitivity_figures", "sensitivity_slopes", "cards", "regress"])
    others -= ours  # what the report's jobs call as well (the folder of the published files)
    assert others and not others & keys, sorted(others & keys)
    # the example: a function of a stage module that nothing calls
    assert not [k for k in keys if k.endswith(":run_panel")]


def test_the_offline_config_names_no_class_file():
    """Loading a class named by a config's ``class:`` key (``_load_target``) is left out
    of the check because the offline reproduction names no such class; a ``class`` key
    anywhere in its config would make that loading result-defining."""

    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for value in node:
                yield from keys(value)

    config = yaml.safe_load(OFFLINE_CONFIG.read_text())
    assert "class" not in set(keys(config)), "remove _load_target from EXEMPT"


def test_what_is_exempt_is_defined_and_on_the_path(report_path):
    """Every EXEMPT entry names a definition of the package that the report's jobs would
    reach without the exemption (else it is stale), with its reason."""
    package, rules, keys = report_path
    modules, roots = workflow_modules(REPO, rules)
    whole = Package(REPO / "src", PACKAGE, modules).reachable(roots + representation_roots())
    for name, reason in EXEMPT.items():
        assert reason, name
        assert package.find(name), f"EXEMPT: {name} is defined nowhere in {PACKAGE}"
        assert name in {k.split(":")[1] for k in whole}, f"EXEMPT: {name} is not on the report's path"
        assert name not in {k.split(":")[1] for k in keys}


# --- the walk, on small packages -------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Package:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Package(root, "pkg")


SMALL = {
    "__init__.py": "from .core import run\n",
    "core.py": '''import numpy as np

from . import helpers
from .helpers import scale

LIMIT = 3


def run(x):
    """The result."""
    return helpers.clip(scale(x), LIMIT)  # clipped


def dead(x):
    return np.sum(x) + 1
''',
    "helpers.py": """def scale(x):
    return 2 * x


def clip(x, n):
    return min(x, n)


def unused():
    return 0
""",
    "tables.py": """def first():
    return 1


def second():
    return 2
""",
    "models.py": """from .helpers import scale


class Model:
    k = 2

    def fit(self, x):
        return self.prepare(x)

    def prepare(self, x):
        return scale(x)

    def other(self):
        return 0
""",
}


def test_a_dead_function_is_not_reached_and_changes_freely(tmp_path):
    before = _package(tmp_path / "a", SMALL)
    reached = before.reachable(["pkg.core:run"])
    assert {"pkg.core:run", "pkg.core:LIMIT", "pkg.helpers:scale", "pkg.helpers:clip"} <= reached
    assert not {"pkg.core:dead", "pkg.helpers:unused", "pkg.tables:first"} & reached
    edited = dict(SMALL)
    edited["core.py"] = (
        SMALL["core.py"]
        .replace("np.sum(x) + 1", "np.sum(x) + 2")
        .replace("The result.", "Clipped.")
        .replace("# clipped", "# at most LIMIT")
    )
    edited["helpers.py"] = SMALL["helpers.py"].replace("return 0", "return 1")
    now = _package(tmp_path / "b", edited)
    assert changed(now, before, now.reachable(["pkg.core:run"])) == []
    # an edit on the path counts, by name
    edited["helpers.py"] = SMALL["helpers.py"].replace("2 * x", "3 * x")
    now = _package(tmp_path / "c", edited)
    assert changed(now, before, now.reachable(["pkg.core:run"])) == ["pkg.helpers:scale"]


def test_a_new_helper_called_on_the_path_is_reached_at_once(tmp_path):
    before = _package(tmp_path / "a", SMALL)
    edited = dict(SMALL)
    edited["helpers.py"] = (
        SMALL["helpers.py"].replace("return 2 * x", "return _twice(x)") + "\n\ndef _twice(x):\n    return 2 * x\n"
    )
    now = _package(tmp_path / "b", edited)
    reached = now.reachable(["pkg.core:run"])
    assert "pkg.helpers:_twice" in reached
    assert changed(now, before, reached) == ["pkg.helpers:_twice (new)", "pkg.helpers:scale"]


def test_an_unresolvable_reference_takes_in_its_module(tmp_path):
    files = dict(SMALL)
    files["core.py"] = SMALL["core.py"] + (
        "\n\nfrom . import tables  # noqa: E402\n\n\ndef pick(name):\n    return getattr(tables, name)()\n"
    )
    package = _package(tmp_path / "a", files)
    reached = package.reachable(["pkg.core:pick"])
    assert {"pkg.tables:first", "pkg.tables:second"} <= reached
    assert "pkg.helpers:scale" not in reached
    # a name the module does not define (made at run time): the whole module as well
    files["core.py"] = SMALL["core.py"] + "\n\ndef late():\n    return helpers.made_later()\n"
    package = _package(tmp_path / "b", files)
    assert {"pkg.helpers:scale", "pkg.helpers:unused"} <= package.reachable(["pkg.core:late"])


def test_a_class_named_is_reached_whole_and_a_method_through_self(tmp_path):
    files = dict(SMALL)
    files["core.py"] = SMALL["core.py"] + (
        "\n\nfrom .models import Model  # noqa: E402\n\n\ndef fit(x):\n    return Model().fit(x)\n"
    )
    package = _package(tmp_path, files)
    reached = package.reachable(["pkg.core:fit"])
    assert {"pkg.models:Model", "pkg.models:Model.fit", "pkg.models:Model.other", "pkg.helpers:scale"} <= reached
    # a method reached alone: its class's header and what it calls through self
    reached = package.reachable(["pkg.models:Model.fit"])
    assert {"pkg.models:Model", "pkg.models:Model.prepare", "pkg.helpers:scale"} <= reached
    assert "pkg.models:Model.other" not in reached


def test_a_definition_moved_to_another_module_is_the_same(tmp_path):
    before = _package(tmp_path / "a", SMALL)
    edited = dict(SMALL)
    edited["helpers.py"] = SMALL["helpers.py"].replace("def scale(x):\n    return 2 * x\n\n\n", "")
    edited["scaling.py"] = "def scale(x):\n    return 2 * x\n"
    edited["core.py"] = SMALL["core.py"].replace("from .helpers import scale", "from .scaling import scale")
    now = _package(tmp_path / "b", edited)
    reached = now.reachable(["pkg.core:run"])
    assert "pkg.scaling:scale" in reached
    assert changed(now, before, reached) == []
    # moved and changed: counted
    edited["scaling.py"] = "def scale(x):\n    return x + x\n"
    now = _package(tmp_path / "c", edited)
    assert changed(now, before, now.reachable(["pkg.core:run"])) == ["pkg.scaling:scale (new)"]


def test_what_a_name_refers_to_is_part_of_the_definition(tmp_path):
    """The same code with a name bound to another function (an import changed) differs."""
    before = _package(tmp_path / "a", SMALL)
    edited = dict(SMALL)
    edited["helpers.py"] = "from numpy import minimum as min\n\n\n" + SMALL["helpers.py"]
    now = _package(tmp_path / "b", edited)
    assert changed(now, before, now.reachable(["pkg.core:run"])) == ["pkg.helpers:clip"]


def test_exempt_definitions_are_neither_compared_nor_followed(tmp_path):
    files = dict(SMALL)
    checked = SMALL["core.py"].replace("    return helpers.clip(", "    check(x)\n    return helpers.clip(")
    files["core.py"] = checked + "\n\ndef check(x):\n    if x < 0:\n        raise ValueError(helpers.unused())\n"
    package = _package(tmp_path, files)
    assert {"pkg.core:check", "pkg.helpers:unused"} <= package.reachable(["pkg.core:run"])
    reached = package.reachable(["pkg.core:run"], exempt={"check"})
    assert "pkg.core:check" not in reached and "pkg.helpers:unused" not in reached
    assert "pkg.helpers:scale" in reached


def test_a_rule_is_followed_through_its_script_and_its_params(tmp_path):
    """A rule's script runs whole; its params reach the methods of ``PLAN`` they call (and
    what those use), not the rest of the class; a name in params the walk cannot resolve
    stops it with the rule's name."""
    files = dict(SMALL)
    files["plan.py"] = """from .helpers import scale


class Plan:
    def __init__(self, config):
        self.config = config

    @property
    def size(self):
        return scale(self.config["n"])

    def targets(self):
        return ["all"]
"""
    _package(tmp_path, files)
    rules = tmp_path / "workflow/rules"
    rules.mkdir(parents=True)
    (rules / "common.smk").write_text("from pkg.plan import Plan\n\nPLAN = Plan(config)\n")
    (rules / "a.smk").write_text(
        'rule a:\n    output:\n        "a.txt",\n    params:\n        n=PLAN.size,\n'
        '        rep=lambda wc: wc.rep,\n    script:\n        "../../scripts/a.py"\n'
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts/a.py").write_text(
        "from pkg.core import run\n\n\ndef main(smk):\n    run(smk.params.n)\n\n\nmain(snakemake)  # noqa: F821\n"
    )
    modules, roots = workflow_modules(tmp_path, ["a"])
    reached = Package(tmp_path, "pkg", modules).reachable(roots)
    assert {"scripts.a:main", "pkg.core:run", "pkg.plan:Plan.size", "pkg.plan:Plan.__init__"} <= reached
    assert "pkg.helpers:scale" in reached and "pkg.plan:Plan.targets" not in reached
    (rules / "a.smk").write_text((rules / "a.smk").read_text().replace("PLAN.size", "sized(PLAN)"))
    with pytest.raises(AssertionError, match=r"rule a: params use \['sized'\]"):
        workflow_modules(tmp_path, ["a"])
