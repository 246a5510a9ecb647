"""Write the conda environments of the rules (envs/<kind>.yaml) and envs/constraints.txt
with the exact versions installed in the running environment, the tested one.

    python envs/pin.py            rewrite them from this environment
    python envs/pin.py --check    exit 1 if a file differs from what would be written

Each environment lists the distributions its rules import (ROOTS) and everything those
require, transitively, so that pip resolves nothing on its own.  Python comes from
conda-forge, everything else from PyPI through the pip section (the versions tested here
are PyPI wheels).  This package itself is installed by <kind>.post-deploy.sh, editable
and without dependencies, from the checkout the Snakefile runs from
($DESCRIPTOR_STUDY_SOURCE, set by the Snakefile): a relative pip path such as `-e ../`
would be resolved against the copy Snakemake makes of the file under .snakemake/conda.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ENVS_DIR = Path(__file__).resolve().parent

#: kind -> (what its rules do, the distributions they import; ase-extxyz is an ASE I/O plugin
#: found through entry points, so it is listed although nothing requires it).  Checked against
#: the modules each script imported in a traced run of config/ci.yaml.
ROOTS: dict[str, tuple[str, list[str]]] = {
    "data": (
        "downloads from pinned sources with pooch and py7zr, input checks, demo generators with ASE EMT and quippy SW",
        ["numpy", "scipy", "ase", "ase-extxyz", "quippy-ase", "pandas", "pooch", "py7zr", "tqdm", "pyyaml"],
    ),
    "representations": (
        "representation matrices and sensitivity curves with DScribe, quippy and ace-jax on jax",
        [
            "numpy",
            "scipy",
            "ase",
            "ase-extxyz",
            "dscribe",
            "quippy-ase",
            "ace-jax",
            "jax",
            "pandas",
            "h5py",
            "tqdm",
            "threadpoolctl",
            "pyyaml",
            # optional imports (joblib's psutil; charset-normalizer) a traced run made
            "psutil",
            "charset-normalizer",
        ],
    ),
    "analysis": (
        "feature selection, regression, tables, figures and the reproduction report",
        [
            "numpy",
            "scipy",
            "ase",
            "ase-extxyz",
            "pandas",
            "h5py",
            "matplotlib",
            "pooch",
            "threadpoolctl",
            "tqdm",
            "pyyaml",
        ],
    ),
}
PYTHON = "3.11"
#: what the tests and CI install (`pip install -e ".[test,beyond2020]" -c envs/constraints.txt`; the
#: representations of today come from the extras)
CONSTRAINT_ROOTS = ["descriptor-study[test,slurm,beyond2020]"]
POST_DEPLOY = """\
#!/usr/bin/env bash
# Run by Snakemake in the new environment: this package from the checkout the Snakefile
# runs from, editable and without dependencies (the environment file pins them all).
set -euo pipefail
python -m pip install --no-deps -e "${DESCRIPTOR_STUDY_SOURCE:?is set by the Snakefile}"
"""


def closure(roots: list[str], absent_ok: bool = False) -> dict[str, str]:
    """Canonical name -> installed version of ``roots`` and of everything they require here
    (requirements of the extras named, markers evaluated for this platform).  A distribution
    that is not installed stops it, or with ``absent_ok`` is left out with what it requires."""
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        name, extras = canonicalize_name(req.name), frozenset(req.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            if absent_ok:
                continue
            sys.exit(f"envs/pin.py: {req.name} is not installed in this environment")
        found[name] = dist.version
        for spec in dist.requires or []:
            sub = Requirement(spec)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in (extras or {""})):
                todo.append(sub)
    return dict(sorted(found.items()))


def env_yaml(kind: str) -> str:
    what, roots = ROOTS[kind]
    pins = closure(roots)
    head = (
        f"Conda environment of the {kind} rules ({what}). Exact versions, written by envs/pin.py from the"
        f" tested environment: {', '.join(roots)} and all they require. envs/{kind}.post-deploy.sh then"
        " installs this package from the checkout, without dependencies."
    )
    lines = [
        *(f"# {line}" for line in textwrap.wrap(head, 92, break_on_hyphens=False)),
        f"name: descriptor-study-{kind}",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        "  - pip:",
        *(f"      - {name}=={version}" for name, version in pins.items()),
    ]
    return "\n".join(lines) + "\n"


def constraints_txt() -> str:
    pins = closure(CONSTRAINT_ROOTS)
    pins.pop("descriptor-study")
    head = [
        "# The versions the tests ran with: pip install -e '.[test]' -c envs/constraints.txt",
        "# Written by envs/pin.py (the same versions as envs/<kind>.yaml).",
    ]
    return "\n".join(head + [f"{n}=={v}" for n, v in pins.items()]) + "\n"


def outputs() -> dict[Path, str]:
    files = {ENVS_DIR / f"{kind}.yaml": env_yaml(kind) for kind in ROOTS}
    files |= {ENVS_DIR / f"{kind}.post-deploy.sh": POST_DEPLOY for kind in ROOTS}
    files[ENVS_DIR / "constraints.txt"] = constraints_txt()
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report files that differ; write nothing")
    args = parser.parse_args()
    stale = []
    for path, text in outputs().items():
        old = path.read_text() if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
            if path.suffix == ".sh":
                path.chmod(0o755)
    for path in stale:
        print(f"{'differs' if args.check else 'written'}: envs/{path.name}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
