"""Representations behind one open registry (see ``registry``): each class holds its own
name, label, colour, order, typed parameters and the paper's facts about it."""

from .base import Representation
from .registry import build, builtin_names, colour, get_class, label, names, sort_names
from .spec import Param

__all__ = ["Representation", "Param", "build", "builtin_names", "colour", "get_class", "label", "names", "sort_names"]
