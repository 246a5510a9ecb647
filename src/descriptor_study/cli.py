"""``descriptor-study``: the command-line tool of the library.

``descriptor-study check my_reps.py:MyRep`` runs the representation contract
(:mod:`descriptor_study.contract`) on a class, named as a config's ``class:`` key names it
(``path/to/file.py:Class`` or ``module:Class``; a registered name such as ``ACSF`` works too),
prints one line per check and exits 1 when any fails.

``descriptor-study shares results/representations/<dataset>/<rep>.h5`` prints the CUR and
PCA shares of a representation file (features to reach 1e-3, as the dimensionality stage
and the report card define them) with every row and without the structures the card flags
as wide (:mod:`descriptor_study.cards.shares`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from pathlib import Path

from .errors import StudyError


def _subject(target: str, name: str | None, params: list[str]):
    import yaml

    from . import contract
    from .representations import registry

    entry = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise StudyError(f"--param {item!r}: expected key=value")
        entry[key] = yaml.safe_load(value)
    if ":" in target:
        module, _, cls_name = target.rpartition(":")
        if module.endswith(".py"):
            target = f"{Path(module).resolve()}:{cls_name}"  # the entry works from any folder
        cls = registry._load_target(target, f"check {module}:{cls_name}")
        entry[registry.CLASS_KEY] = target
        name = name or cls.name or cls.__name__
    else:
        name = name or target
    return contract.Subject(name, entry)


def check(args: argparse.Namespace) -> int:
    from . import contract
    from .joblog import quiet_library_noise

    quiet_library_noise()  # the pinned libraries' known warnings, as in a job; the class's own still show
    try:
        subject = _subject(args.target, args.name, args.param)
        subject.rep  # noqa: B018 (built once: a class that cannot be built fails here, in one line)
    except StudyError as exc:
        print(f"descriptor-study check: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        print(f"descriptor-study check: {args.target}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(f"The representation contract on {subject.name} ({args.target}), species {', '.join(contract.SPECIES)}:")
    failed = passed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="descriptor-study-check-") as tmp:
        items = list(contract.checks(subject, Path(tmp)))
        width = len(str(len(items)))
        for number, item in enumerate(items, 1):
            tag = f"{number:>{width}}/{len(items)}"
            try:
                item.run()
            except contract.NotApplicable as exc:
                skipped += 1
                print(f"{tag} skipped  {item.title}: {exc}")
            except contract.ContractError as exc:
                failed += 1
                print(f"{tag} FAILED   {item.title}: {exc}")
            except Exception as exc:  # the class raised: name the check and where in its code
                failed += 1
                frames = traceback.extract_tb(exc.__traceback__)
                at = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                print(f"{tag} FAILED   {item.title}: {type(exc).__name__}: {first}{at}")
            else:
                passed += 1
                print(f"{tag} passed   {item.title}")
    summary = f"{subject.name}: {passed} passed, {failed} failed" + (f", {skipped} not applicable" if skipped else "")
    print(summary)
    return 1 if failed else 0


def _share(found: tuple[int | None, float | None], of: int) -> str:
    n, percent = found
    return f"{n} of {of} ({percent:g} %)" if n is not None else f"never below (of {of})"


def _frames(frames: list[int]) -> str:
    from .cards.card import shortened

    return shortened([str(f) for f in frames])


def shares(args: argparse.Namespace) -> int:
    from . import storage
    from .cards import verdicts
    from .cards.shares import row_frames, shares_without_wide

    try:
        data = storage.read(args.h5)
    except StudyError as exc:
        print(f"descriptor-study shares: {exc}", file=sys.stderr)
        return 2
    factor = args.factor if args.factor is not None else verdicts.WIDE_ROW_FACTOR
    frames = row_frames(data.offsets, data.per_structure, len(data.matrix))
    found = shares_without_wide(data.matrix, frames, factor)
    level = f"{verdicts.COMPRESSION_LEVEL:g}"
    print(
        f"{data.representation} on {data.dataset}: {len(data.matrix)} rows of {data.n_structures} structures, "
        f"{data.matrix.shape[1]} features"
    )
    print(
        f"row norms: median {found['median']:.3g}, max {found['max_norm']:.3g} "
        f"(max/median {found['max_over_median'] or float('nan'):.3g})"
    )
    wide = found["wide_frames"]
    print(
        f"structures with a row >= {factor:g} x the median: {len(wide)}"
        + (f" (frames {_frames(wide)}); max row norm without them {found['max_norm_without']:.3g}" if wide else "")
    )
    low = found.get("low_frames", [])
    print(
        f"structures whose rows are all <= the median / {factor:g}: {len(low)}"
        + (f" (frames {_frames(low)})" if low else "")
        + f"; the non-zero row norms span {found['span_decades'] or 0:.3g} decades"
    )
    print(f"features to reach {level} (CUR error; PCA variance ratio), as the dimensionality stage ranks them:")
    for name, part in (("all rows", found["all"]), (f"without the {len(wide)} structures", found["without"])):
        if part is None:
            continue
        print(
            f"  {name} ({part['rows']} rows): CUR {_share(part['cur'], part['features'])}, "
            f"PCA {_share(part['pca'], part['features'])}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="descriptor-study", description=__doc__.split("\n\n")[0].strip("`"))
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "check",
        help="run the representation contract on a class",
        description="Run the representation contract on a class: one line per check, exit 1 when any fails.",
    )
    p.add_argument("target", help="path/to/file.py:Class, module:Class, or the name of a registered representation")
    p.add_argument("--name", help="the representation's name (default: the class's name attribute)")
    p.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter as in a config (repeatable)"
    )
    p.set_defaults(func=check)
    p = commands.add_parser(
        "shares",
        help="CUR and PCA shares of a representation file, with and without its wide structures",
        description=(
            "The CUR and PCA shares (features to reach 1e-3) of a representation .h5, computed as the "
            "dimensionality stage does, with every row and without the structures the report card flags "
            "as wide (a row at least --factor times the median row norm)."
        ),
    )
    p.add_argument("h5", help="a representation file, e.g. results/representations/<dataset>/<rep>.h5")
    p.add_argument(
        "--factor",
        type=float,
        default=None,
        help="flag a structure with a row >= this x the median row norm (default: the card's, 1000)",
    )
    p.set_defaults(func=shares)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
