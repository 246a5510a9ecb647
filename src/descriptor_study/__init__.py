"""Sensitivity and dimensionality of atomic-environment representations.

Library behind the workflow that regenerates Onat, Ortner and Kermode,
J. Chem. Phys. 153, 144106 (2020).  One module a concern:

- ``datasets``: fetching, checking and generating datasets (extxyz in, extxyz out)
- ``representations``: the eight representations behind one registry
- ``storage``: the ``.h5`` file a representation stage writes
- ``sensitivity``: reference crystal, perturbation paths, slopes
- ``selection``: CUR, FPS and PCA on feature matrices
- ``regression``: ridge and kernel ridge against the number of selected features
- ``plotting``: the paper's figures
- ``tables``: Table I and the derived tables

The library needs none of Snakemake: ``pip install descriptor-study`` gives it alone, the
``workflow`` extra adds Snakemake to run the ``Snakefile``.
"""

__version__ = "0.1.0"
