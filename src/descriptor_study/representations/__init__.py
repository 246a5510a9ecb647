"""Representations behind one open registry (see ``registry``): each class holds its name,
its typed parameters and the code that computes it; its label, colour, order and the
paper's facts about it are in ``descriptor_study/facts.yaml``."""

from .base import Representation
from .registry import build, builtin_names, colour, get_class, label, names, sort_names
from .spec import Param

__all__ = ["Representation", "Param", "build", "builtin_names", "colour", "get_class", "label", "names", "sort_names"]
