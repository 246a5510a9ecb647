"""The study's vocabulary: the names and defaults every layer shares, each written once.

The panels, selection methods, models, hyperparameter keys and published dataset names,
the defaults of ``threads`` and ``regression.n_top``, and how a study's section overrides a
representation's main parameters.  The plan, the config check, the science modules, the
stages, the plots, the benchmarks and the tests read them from here; the config schema
(``workflow/schemas/config.schema.yaml``) states the same enums and defaults for the
config check, and ``tests/test_vocabulary.py`` holds the two equal.

The standard library only, and nothing of the package imported: any module may read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the sensitivity study's panels (Figures 3–5), in the figures' order → the path each
#: perturbs (its panel's title)
PANELS = {
    "fig3": "rotation",
    "fig4": "mixed",
    "fig5a": "radial (4th shell)",
    "fig5b": "tangential, high symmetry (1st shell)",
    "fig5c": "tangential, random (1st shell, pre-perturbed)",
    "fig5d": "tangential, random (2nd shell, pre-perturbed)",
}

#: the dimensionality study's selections: CUR (Figure 6), FPS (Figure 8), PCA (Figure 7)
METHODS = ("cur", "fps", "pca")

#: the regression study's models, ridge (RR) and kernel ridge (KRR), in Figure 9's order →
#: their hyperparameters' keys (``regression.hyperparameters.<representation>``)
MODEL_HYPERPARAMETERS = {"rr": ("rr_lambda",), "krr": ("krr_lambda", "krr_gamma")}
MODELS = tuple(MODEL_HYPERPARAMETERS)
#: every model's hyperparameters, in the models' order
HYPERPARAMETERS = tuple(key for keys in MODEL_HYPERPARAMETERS.values() for key in keys)

#: the paper's datasets, as the published results name them (Table I's columns)
PUBLISHED_DATASETS = ("Si", "CHON", "AlNiCu", "TiO2")

#: ``threads`` when a config leaves it out: threads per heavy job.  One lets ``--cores N``
#: run N jobs side by side, which pays more on a laptop than a second thread inside a job;
#: a config for a cluster gives each job more (``config/paper.yaml``: 2)
THREADS = 1
#: ``regression.n_top`` when a config leaves it out (the paper's): the sweeps fit every
#: size up to it, Figure 9's panels (a) and (c) show those sizes
N_TOP = 65


def section_params(main: Mapping[str, Any] | None, override: Mapping[str, Any] | None) -> dict[str, Any]:
    """A representation's parameters in a study whose section overrides them
    (``sensitivity.representations.<name>``): the main entry's, the section's own
    replacing those it names."""
    return {**(main or {}), **(override or {})}
