"""The docs hold together: every relative link of the README and docs/ leads to a file,
and docs/README.md sorts every page of docs/ under one purpose."""

from __future__ import annotations

import re

from conftest import REPO

PAGES = [REPO / "README.md", REPO / "results/README.md", *sorted((REPO / "docs").rglob("*.md"))]


def test_every_relative_link_leads_to_a_file():
    broken = []
    for page in PAGES:
        for match in re.finditer(r"\]\(([^)#\s]+)(#[^)]*)?\)", page.read_text()):
            target = match[1]
            if not target.startswith(("http://", "https://")) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert broken == []


def test_the_docs_index_names_every_page():
    index = (REPO / "docs/README.md").read_text()
    linked = {(REPO / "docs" / m).resolve() for m in re.findall(r"\]\(([^)#\s]+)", index)}
    pages = {p.resolve() for p in (REPO / "docs").rglob("*.md") if p.name != "README.md"}
    assert sorted(p.relative_to(REPO) for p in pages - linked) == []
