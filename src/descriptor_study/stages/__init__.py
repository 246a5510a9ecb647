"""The stage functions: what the rules' scripts call, one module per file of
``workflow/rules/``.

The science modules take arrays and return arrays; each rule's script calls one stage
function, which reads the stage's input files, calls the science, and writes the outputs
(atomically).  A stage function takes the job's spec (:mod:`descriptor_study.jobs`: its
input and output paths and its parameters, built by :class:`~descriptor_study.plan.Plan`),
and the threads where it uses them, so the library runs the same without Snakemake.

- ``datasets``: ``make_dataset``, ``pinned_file``
- ``representations``: ``represent`` (rules ``represent`` and ``represent_degree``), ``represent_dataset``
- ``sensitivity``: ``sensitivity_curves`` (rule ``sensitivity_curve``; ``run_panels`` without the
  record of what the curves were computed with), ``sensitivity_slopes``, ``sensitivity_figures``
- ``dimensionality``: ``select_features``, ``figure6``, ``figure7``, ``figure8``, ``compressibility``
- ``regression``: ``regress_dataset`` (rule ``regress``), ``figure9``, ``regression_table``
- ``tables``: ``table1``, and ``write_table``, the writer of every table
- ``reproduction``: ``published_file``, ``reproduction``
"""
