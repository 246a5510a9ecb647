"""The eight representations of the paper behind one registry (see ``registry``)."""

from .base import Representation
from .registry import PAPER_ORDER, build, get_class, names

__all__ = ["Representation", "PAPER_ORDER", "build", "get_class", "names"]
