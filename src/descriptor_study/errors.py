"""Exceptions that end a run with one clear message naming the file or key at fault."""


class StudyError(Exception):
    """Base class: every error the workflow raises on bad input."""


class ConfigError(StudyError):
    """A config key or value is invalid; the message names the key."""


class DatasetError(StudyError):
    """A dataset file is unreadable or a structure in it is unusable.

    The message names the file and, where it applies, the structure index.
    """


class ChecksumError(DatasetError):
    """A downloaded or mirrored file does not match its published checksum."""


class SpeciesError(DatasetError):
    """A structure holds an element the representation does not list."""


class RepresentationError(StudyError):
    """A representation's code broke its contract: rows of the wrong shape, or NaN or
    infinite values.  The message names the class, the method, the structure (and atom)
    and what was expected; nothing is written."""
