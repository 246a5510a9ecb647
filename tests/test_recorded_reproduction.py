"""The reproduction numbers the README states are those of a recorded run of the committed code.

``docs/records/reproduction-run.md`` records one from-scratch run of the offline reproduction: its
command, the commit it ran, the date, and the ``results/reproduction.md`` it wrote, as
written.  The README's summary and per-figure counts must equal that report, and the code
that defines those numbers must not have changed since the recorded commit (else the run
is to be repeated and recorded again).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

RECORD = REPO / "docs/records/reproduction-run.md"
REPORT_MARK = "<!-- the run's results/reproduction.md, as written -->\n"

#: what defines the numbers of the reproduction report: the representations, the three
#: studies, the datasets and the comparison (the science modules and the stage functions that
#: run them on the files), the offline config and the pinned libraries.  ``path::name,...``
#: takes only those top-level definitions of a module (and its imports and constants).  Not
#: listed: ``regression.py`` and ``stages/regression.py``, since the offline config runs no
#: regression (checked below).
RESULT_DEFINING = [
    "src/descriptor_study/representations",
    # what the paper published (Table I's counts, the authors' keys and code paths): the report
    "src/descriptor_study/facts.py",
    "src/descriptor_study/facts.yaml",
    "src/descriptor_study/datasets",
    "src/descriptor_study/sensitivity.py",
    "src/descriptor_study/selection.py",
    "src/descriptor_study/stages/datasets.py",
    "src/descriptor_study/stages/representations.py",
    "src/descriptor_study/stages/sensitivity.py::one_thread,run_panel,run_panels,sensitivity_curves,_write_panels",
    "src/descriptor_study/stages/dimensionality.py::select_features,run_selection",
    "src/descriptor_study/stages/tables.py::read_counts,table1",
    "src/descriptor_study/tables.py::table1",
    "src/descriptor_study/stages/reproduction.py",
    "src/descriptor_study/splits.py",
    "src/descriptor_study/atomic.py",
    "src/descriptor_study/storage.py",
    "src/descriptor_study/finite.py",
    "src/descriptor_study/published.py",
    "src/descriptor_study/pins.py",
    "src/descriptor_study/versions.py",
    "src/descriptor_study/checksums.py",
    "src/descriptor_study/reproduction.py",
    "config/reproduce-offline.yaml",
    "envs/constraints.txt",
]
OFFLINE_CONFIG = REPO / "config/reproduce-offline.yaml"

#: top-level definitions inside RESULT_DEFINING that cannot change a number of the report,
#: each with the reason; the check leaves them out (their call sites stay in).  Only three
#: kinds belong here: what ends a run with an error (it runs only where no number is written),
#: what decides whether a job reruns (the code fingerprints) and what the offline config never
#: calls (a test holds that).  ``path::name,...``.
NOT_RESULT_DEFINING: dict[str, str] = {
    "src/descriptor_study/datasets/io.py::_check_atom_counts,_short_frame": (
        "checks a file's atom counts before it is read: it stops the run with a message (naming a cut "
        "or short structure) or warns; it returns nothing and changes nothing that is read"
    ),
    "src/descriptor_study/representations/registry.py::_load_target": (
        "loads the class of a config's `class:` key (a file or module of the user's); the offline "
        "config names none (test_the_offline_config_names_no_class_file), so it runs no such class"
    ),
}


def _exempt(path: str) -> set[str]:
    """The top-level definitions of ``path`` that NOT_RESULT_DEFINING leaves out."""
    return {n for entry in NOT_RESULT_DEFINING if entry.split("::")[0] == path for n in entry.split("::")[1].split(",")}


def _meaning(text: str, path: str, names: set[str] | None, exempt: set[str] = frozenset()) -> str:
    """What of a file can change a result: a Python module's syntax tree without docstrings (as
    the code fingerprints read it: comments and layout are not in it), only ``names`` among its
    top-level definitions when given, without those in ``exempt``; any other file as it is."""
    if not path.endswith(".py"):
        return text
    import ast
    import tempfile

    from descriptor_study.representations.fingerprint import _normalised

    if names is not None or exempt:
        tree = ast.parse(text)
        defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        keep = lambda n: not isinstance(n, defs) or ((names is None or n.name in names) and n.name not in exempt)  # noqa: E731
        tree.body = [n for n in tree.body if keep(n)]
        text = ast.unparse(tree)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "module.py"
        file.write_text(text, encoding="utf-8")
        return _normalised("module", str(file))


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


def test_the_recorded_run_is_of_the_code_that_defines_the_numbers():
    """Nothing that defines the report's numbers changed since the recorded commit (in the
    history or in the work tree); otherwise the offline reproduction is to be rerun from
    scratch and recorded again (docs/records/reproduction-run.md, the README's summary)."""
    fields, _ = _record()
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the recorded commit cannot be compared with the code")
    known = subprocess.run(
        [git, "-C", str(REPO), "cat-file", "-e", fields["commit"] + "^{commit}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"commit {fields['commit'][:12]} is not in this clone's history (a shallow clone?)")
    paths = {entry.split("::")[0]: entry for entry in RESULT_DEFINING}
    diff = subprocess.run(
        [git, "-C", str(REPO), "diff", "--name-only", fields["commit"], "--", *paths],
        capture_output=True,
        text=True,
        check=True,
    )
    changed = []
    for path in diff.stdout.split():
        entry = next((e for p, e in paths.items() if path == p or path.startswith(p.rstrip("/") + "/")), path)
        names = set(entry.split("::")[1].split(",")) if "::" in entry else None
        before = subprocess.run(
            [git, "-C", str(REPO), "show", f"{fields['commit']}:{path}"], capture_output=True, text=True
        )
        now = REPO / path
        if before.returncode != 0 or not now.exists():
            changed.append(path)  # added or removed
        elif _meaning(before.stdout, path, names, _exempt(path)) != _meaning(
            now.read_text(), path, names, _exempt(path)
        ):
            changed.append(path)
    assert not changed, (
        f"the recorded reproduction run is of {fields['commit'][:12]}; since then {', '.join(changed)} changed: "
        f"run `{fields['command']}` from scratch and record its report in {RECORD.name} and the README"
    )


def test_what_is_left_out_of_the_check_does_not_run_offline():
    """The regression code is not in RESULT_DEFINING because the offline reproduction runs no
    regression; a regression section in its config would make that code result-defining."""
    import yaml

    config = yaml.safe_load(OFFLINE_CONFIG.read_text())
    assert not (config.get("regression") or {}).get("datasets"), "add the regression code to RESULT_DEFINING"


def test_the_offline_config_names_no_class_file():
    """Loading a class named by a config's ``class:`` key (registry._load_target) is left out
    of the check because the offline reproduction names no such class; a ``class`` key
    anywhere in its config would make that loading result-defining."""
    import yaml

    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for value in node:
                yield from keys(value)

    config = yaml.safe_load(OFFLINE_CONFIG.read_text())
    assert "class" not in set(keys(config)), "remove registry.py::_load_target from NOT_RESULT_DEFINING"


def test_the_check_sees_code_but_not_docstrings_or_comments():
    code = 'def f(x):\n    """Twice x."""\n    return 2 * x  # double\n\n\ndef g():\n    return 1\n'
    reworded = code.replace("Twice x.", "x, doubled.").replace("# double", "# twice")
    assert _meaning(code, "m.py", None) == _meaning(reworded, "m.py", None)
    assert _meaning(code, "m.py", None) != _meaning(code.replace("2 * x", "3 * x"), "m.py", None)
    assert _meaning(code, "m.py", {"f"}) == _meaning(code.replace("return 1", "return 2"), "m.py", {"f"})
    assert _meaning(code, "m.py", {"f"}) != _meaning(code.replace("2 * x", "x + x"), "m.py", {"f"})


def test_what_is_exempt_is_named_in_the_check_and_exists():
    """Every NOT_RESULT_DEFINING entry names top-level definitions of a file the check covers."""
    import ast

    covered = [e.split("::")[0].rstrip("/") for e in RESULT_DEFINING]
    for entry, reason in NOT_RESULT_DEFINING.items():
        path, _, names = entry.partition("::")
        assert reason and names, entry
        assert any(path == c or path.startswith(c + "/") for c in covered), f"{path} is not in RESULT_DEFINING"
        defined = {n.name for n in ast.parse((REPO / path).read_text()).body if hasattr(n, "name")}
        assert set(names.split(",")) <= defined, f"{entry}: {set(names.split(',')) - defined} not defined there"


def test_the_check_leaves_out_what_is_exempt():
    code = "def f(x):\n    return 2 * x\n\n\ndef fail(x):\n    raise ValueError(x)\n"
    reworded = code.replace("raise ValueError(x)", "raise ValueError(f'bad {x}')")
    assert _meaning(code, "m.py", None, {"fail"}) == _meaning(reworded, "m.py", None, {"fail"})
    assert _meaning(code, "m.py", None) != _meaning(reworded, "m.py", None)
    assert _meaning(code, "m.py", None, {"fail"}) != _meaning(code.replace("2 * x", "3 * x"), "m.py", None, {"fail"})
