"""Every module of the package opens with a docstring whose first sentence names its one
concern, and the package's docstring names every top-level module and subpackage.

Read from the source with ``ast`` (nothing is imported)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import descriptor_study

PACKAGE = Path(descriptor_study.__file__).resolve().parent


def _docstring(path: Path) -> str | None:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


def _first_sentence(doc: str) -> str:
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    return re.split(r"(?<=\.)\s+(?=[A-Z`])", paragraph, maxsplit=1)[0]


def test_every_module_starts_with_a_docstring():
    missing = [p.relative_to(PACKAGE.parent).as_posix() for p in sorted(PACKAGE.rglob("*.py")) if not _docstring(p)]
    assert missing == [], f"modules without a docstring: {missing}"


def test_every_docstring_opens_with_one_short_sentence():
    """The concern comes first, in one sentence (a line or two, not a paragraph of detail)."""
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        sentence = _first_sentence(_docstring(path) or "")
        if not 3 <= len(sentence.split()) <= 45:
            long[path.relative_to(PACKAGE.parent).as_posix()] = sentence
    assert long == {}


def test_the_package_docstring_names_every_module():
    """``descriptor_study.__doc__`` lists the modules by layer: a new module is listed there."""
    named = set(re.findall(r"``(\w+)``", descriptor_study.__doc__))
    top = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    top |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert sorted(top - named) == []
