"""The one interface every representation implements: what defines its numbers.

A representation is built from a species list and named parameters.  Its class declares
what defines its numbers and nothing else: the name used in configs and file names, the
typed parameters (:class:`~descriptor_study.representations.spec.Param`, defaults = the
paper's values), what it needs installed and its numerical precision.  A new
representation sets ``name``, ``parameters``, ``n_features`` and ``_compute``; everything
else has a default.  How figures and tables draw it (label, colour, order) and what the
paper published about it (Table I's counts, the authors' hyperparameters, ...) are facts
kept apart, in ``descriptor_study/facts.yaml`` (:mod:`descriptor_study.facts`), so that
correcting one reruns no job that computes the representation.

``compute`` gives the descriptor matrix of one structure: one row per requested centre
atom for atom-centred representations, one row for a global one (MBTR-like).
``compute_many`` stacks a list of structures and returns the row offsets of each
structure, which is what the ``.h5`` store keeps.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from ..errors import ConfigError, RepresentationError, SpeciesError
from ..finite import first_nonfinite
from .spec import Param, resolve

log = logging.getLogger(__name__)

#: seconds between the progress lines a long computation writes to the log
PROGRESS_EVERY = 30.0


class Representation(ABC):
    # --- identity ------------------------------------------------------------------------
    #: the name in configs, file names and tables
    name: ClassVar[str] = ""
    #: True for a global representation (one row per structure)
    per_structure: ClassVar[bool] = False
    #: the typed parameters; their defaults are the paper's values
    parameters: ClassVar[tuple[Param, ...]] = ()

    # --- optional libraries and numerical precision ---------------------------------------
    #: modules the class needs beyond the base install; when one is missing the registry
    #: leaves the class out and a config that names it stops with the reason
    requires: ClassVar[tuple[str, ...]] = ()
    #: the package extra that installs them (``pip install -e ".[<extra>]"``)
    extra: ClassVar[str] = ""
    #: relative numerical precision of the rows (e.g. a float32 model's); None: float64
    #: round-off.  The contract suite's invariance tolerance and the sensitivity study's
    #: noise floor are raised to it, never hidden below it
    relative_precision: ClassVar[float | None] = None

    def __init__(self, species: Sequence[str], **params: Any) -> None:
        self.species = sorted(
            set(species), key=lambda s: chemical_symbols.index(s) if s in chemical_symbols else len(chemical_symbols)
        )
        unknown = [s for s in self.species if s not in chemical_symbols[1:]]
        if unknown:
            raise SpeciesError(f"{self.name}: unknown element symbol(s) {unknown}")
        self.params = self.resolve_params(params)

    # --- parameters ------------------------------------------------------------------------
    @classmethod
    def resolve_params(cls, given: Mapping[str, Any] | None, where: str | None = None) -> dict[str, Any]:
        """Every parameter: the given values checked, the others at their defaults.

        Raises one ConfigError line naming ``where.<key>`` (default
        ``representations.<name>``), the value and what is allowed.
        """
        where = where or f"representations.{cls.name}"
        resolved = resolve(cls.parameters, given, where)
        cls.check_params(resolved, where)
        return resolved

    @classmethod  # noqa: B027 (a hook: subclasses may override)
    def check_params(cls, params: dict[str, Any], where: str) -> None:
        """Checks across parameters (raise ConfigError naming the key); none by default."""

    @classmethod
    def param_error(cls, where: str, key: str, value: Any, allowed: str) -> ConfigError:
        return ConfigError(f"{where}.{key}: {value!r} is not allowed; allowed: {allowed}")

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: p.default for p in cls.parameters}

    # --- what subclasses implement -------------------------------------------------
    @property
    @abstractmethod
    def n_features(self) -> int:
        """Length of one descriptor row (full count, zero columns included)."""

    @abstractmethod
    def _compute(self, atoms: Atoms, centers: np.ndarray | None) -> np.ndarray:
        """Rows for ``centers`` (all atoms when None); shape (n_rows, n_features)."""

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries that produce the numbers."""
        return {}

    def reach(self) -> float | None:
        """The largest distance (Å) from a centre at which an atom can change the centre's
        row; None when not known.  The sensitivity study computes, along a path that moves
        atoms, only the rows of the atoms within reach of them (the others cannot change);
        None computes every row.  A reach too short drops rows that change: the test
        comparing the sensitivity job with the direct computation finds it."""
        return None

    # --- shared behaviour --------------------------------------------------------
    def check_species(self, atoms: Atoms, index: int = 0, source: str = "<structure>") -> None:
        extra = sorted(set(atoms.get_chemical_symbols()) - set(self.species))
        if extra:
            raise SpeciesError(
                f"{source}: structure {index} contains {extra}, which {self.name} does not "
                f"list (species: {self.species})"
            )

    def compute(self, atoms: Atoms, centers: Sequence[int] | None = None) -> np.ndarray:
        """Descriptor rows of one structure (float64, C-contiguous)."""
        return self.compute_batch([atoms], centers)[0]

    def compute_batch(
        self, structures: Sequence[Atoms], centers: Sequence[int] | None = None, source: str = "the structures given"
    ) -> list[np.ndarray]:
        """Descriptor rows of the same ``centers`` (all atoms when None) of each structure,
        one array per structure: what ``compute`` gives for each, in one call, so that a
        representation that batches (``_compute_batch``) pays its fixed costs once.

        Rows of the wrong shape, or with NaN or infinite values, end in one
        ``RepresentationError`` naming the structure (``source`` names the batch)."""
        prepared = []
        for k, atoms in enumerate(structures):
            self.check_species(atoms, k, source)
            if not np.any(atoms.pbc) and atoms.cell.volume > 0:
                # a cluster: its box means nothing to a descriptor, but a large one slows
                # cell-binned neighbour searches (Figure 3's 200 Å box)
                atoms = atoms.copy()
                atoms.set_cell(None)
            prepared.append(atoms)
        c = None if centers is None else np.asarray(centers, dtype=int)
        if self.per_structure and c is not None:
            raise ValueError(f"{self.name} is a global representation: no centre atoms")
        method = self._method("_compute_batch")
        out = self._compute_batch(prepared, c)
        if len(out) != len(prepared):
            raise RepresentationError(
                f"{method} returned {len(out)} row blocks for the {len(prepared)} structures of {source}"
            )
        for k, (atoms, rows) in enumerate(zip(prepared, out)):
            expected = 1 if self.per_structure else (len(atoms) if c is None else len(c))
            rows = self._checked_rows(rows, expected, method, f"structure {k} of {source}")
            bad = first_nonfinite(rows, per_structure=self.per_structure)
            if bad is not None:
                atom = "" if self.per_structure else f", atom {bad.row if c is None else int(c[bad.row])}"
                raise RepresentationError(
                    f"{method} returned non-finite values for structure {k} of {source}{atom}: "
                    f"{bad.columns} of {bad.n_columns} columns are {bad.kinds}"
                )
            out[k] = rows
        return list(out)

    def _compute_batch(self, structures: list[Atoms], centers: np.ndarray | None) -> list[np.ndarray]:
        """Rows of ``centers`` of each structure; subclasses that batch override this."""
        return [self._compute(atoms, centers) for atoms in structures]

    def compute_many(
        self,
        structures: Sequence[Atoms],
        n_jobs: int = 1,
        progress: bool = True,
        source: str = "<structures>",
        dataset: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Stack the rows of many structures.

        Returns ``(matrix, offsets)``: rows ``offsets[k]:offsets[k+1]`` belong to
        structure ``k``.  Subclasses whose library batches or parallelises over
        structures override ``_compute_many``.  ``source`` is the file the structures
        come from (frame ``k`` is structure ``k``) and ``dataset`` its name.

        Rows of the wrong shape, or NaN or infinite values, end in one
        ``RepresentationError`` naming the structure, its frame (and ``source_file``),
        the atom and the columns: a representation's numbers are stored finite or not at all.
        """
        for k, atoms in enumerate(structures):
            self.check_species(atoms, k, source)
        counts = [1 if self.per_structure else len(a) for a in structures]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        method = self._method("_compute_many")
        try:
            matrix = self._compute_many(list(structures), n_jobs=n_jobs, progress=progress)
        except _BadRows as exc:
            raise RepresentationError(
                f"{exc.method} returned {exc.got} for {self._structure(exc.index, structures, source, dataset)}; "
                f"{exc.expected}"
            ) from None
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape != (offsets[-1], self.n_features):
            per = "one per structure" if self.per_structure else "one per atom"
            raise RepresentationError(
                f"{method} returned shape {tuple(int(n) for n in matrix.shape)} for the {len(structures)} structures "
                f"of {dataset or source}; expected {int(offsets[-1])} rows ({per}) x {self.n_features} columns "
                f"(n_features)"
            )
        bad = first_nonfinite(matrix, offsets, self.per_structure)
        if bad is not None:
            atom = f", atom {bad.atom}" if bad.atom is not None else ""
            raise RepresentationError(
                f"{self.name} gave non-finite values for {self._structure(bad.structure, structures, source, dataset)}"
                f"{atom}: {bad.what()}; nothing written"
            )
        return matrix, offsets

    def _compute_many(self, structures: list[Atoms], n_jobs: int, progress: bool) -> np.ndarray:
        from tqdm.auto import tqdm

        method = self._method("_compute")
        # each structure's rows go straight into the one matrix: the peak is one matrix, not
        # the blocks and their stacked copy (two, for TiO2's 2.3 GB SOAP)
        counts = [1 if self.per_structure else len(atoms) for atoms in structures]
        matrix = np.empty((sum(counts), self.n_features))
        start = last = time.monotonic()
        row = 0
        for k, atoms in enumerate(tqdm(structures, desc=self.name, disable=not progress, unit="struct")):
            matrix[row : row + counts[k]] = self._checked_rows(self._compute(atoms, None), counts[k], method, index=k)
            row += counts[k]
            if progress and time.monotonic() - last >= PROGRESS_EVERY:  # the job's log, besides the bar
                last = time.monotonic()
                log.info("%s: %d of %d structures in %.0f s", self.name, k + 1, len(structures), last - start)
        return matrix

    # --- the contract's checks ------------------------------------------------------
    def _method(self, batched: str) -> str:
        """``Class._compute`` or, where the class overrides it, ``Class.<batched>``."""
        own = getattr(type(self), batched) is not getattr(Representation, batched)
        return f"{type(self).__name__}.{batched if own else '_compute'}"

    def _checked_rows(self, rows: Any, expected: int, method: str, where: str = "", index: int | None = None):
        """``rows`` as a C-contiguous float64 array of shape (``expected``, n_features), or
        one ``RepresentationError`` (``_BadRows`` when ``index`` is given: the caller names
        the structure)."""
        try:
            array = np.ascontiguousarray(rows, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            got, problem = f"rows that are not numbers ({type(exc).__name__}: {exc})", "expected a float array"
        else:
            if array.shape == (expected, self.n_features):
                return array
            if array.ndim != 2:
                got = f"a {array.ndim}-D array of shape {tuple(array.shape)}"
                problem = f"expected {expected} x {self.n_features} (rows x n_features)"
            elif array.shape[1] != self.n_features:
                got = f"{array.shape[1]} columns"
                problem = f"n_features is {self.n_features}"
            else:
                got = f"{array.shape[0]} rows"
                per = "one per structure" if self.per_structure else "one per requested atom"
                problem = f"expected {expected} ({per})"
        if index is not None:
            raise _BadRows(method, index, got, problem)
        raise RepresentationError(f"{method} returned {got} for {where}; {problem}")

    @staticmethod
    def _structure(k: int, structures: Sequence[Atoms], source: str, dataset: str | None) -> str:
        """``structure 12 of Si-demo (frame 12 of data/Si-demo.extxyz; source_file x.xsf)``."""
        frame = f"frame {k} of {source}"
        origin = structures[k].info.get("source_file") if 0 <= k < len(structures) else None
        if origin is not None:
            frame += f"; source_file {origin}"
        return f"structure {k} of {dataset} ({frame})" if dataset else f"structure {k} ({frame})"

    def describe(self) -> dict[str, Any]:
        """Name, species, and parameters as stored beside the matrix: ``params`` every
        declared parameter, resolved (defaults included); ``derived`` what the class
        computed from them or took from its library (grids in library units, the library's
        own argument string, a model's checksum), apart, so the declared ones rebuild it."""
        declared = {p.name for p in self.parameters}
        return {
            "name": self.name,
            "species": list(self.species),
            "params": {k: v for k, v in self.params.items() if k in declared},
            "derived": {k: v for k, v in self.params.items() if k not in declared},
        }


class _BadRows(Exception):
    """Rows of the wrong shape for structure ``index``: raised where the structures are
    not named, turned into a RepresentationError where they are."""

    def __init__(self, method: str, index: int, got: str, expected: str) -> None:
        super().__init__(method, index, got, expected)
        self.method, self.index, self.got, self.expected = method, index, got, expected
