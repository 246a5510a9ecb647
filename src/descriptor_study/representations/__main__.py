"""``python -m descriptor_study.representations``: the parameter reference of every known
representation, generated from the classes (writes ``docs/representations.md`` content to
stdout; a test checks the shipped file is current)."""

from __future__ import annotations

from . import registry
from .spec import markdown_table


def reference() -> str:
    out = [
        "# Representations and their parameters",
        "",
        "Generated from the representation classes by `python -m descriptor_study.representations`;",
        "do not edit by hand. Defaults are the paper's values. Give a parameter under the",
        "representation's name in `representations:` (or `sensitivity.representations:`); old",
        "names are still accepted with a deprecation message. How to add a representation:",
        "[adding-a-representation.md](adding-a-representation.md).",
        "",
    ]
    registry.names()  # finds the built-ins, and those whose extra is not installed here
    absent = registry._absent()
    for name in registry.sort_names([*registry.names(), *absent], absent):
        cls = absent.get(name) or registry.get_class(name)
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        kind = "one row per structure" if cls.per_structure else "one row per atom"
        needs = f"; needs the `{cls.extra}` extra" if cls.extra else ""
        out += [
            f"## {registry.label(name, {name: cls})}",
            "",
            f"{doc} ({kind}; class `{cls.__module__}.{cls.__qualname__}`{needs})",
            "",
            markdown_table(cls.parameters),
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    print(reference(), end="")
