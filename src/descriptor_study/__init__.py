"""Sensitivity and dimensionality of atomic-environment representations.

Library behind the workflow that regenerates Onat, Ortner and Kermode,
J. Chem. Phys. 153, 144106 (2020).  One module a concern, in three layers.

The science (arrays in, arrays out):

- ``datasets``: reading, checking, fetching (pinned sources) and generating datasets
- ``representations``: the representations behind one open registry (``neighbours``:
  the neighbour search of the atom-centred ones)
- ``sensitivity``: reference crystal, perturbation paths, dV(t) curves, slopes;
  ``slope_report``: the slope table as it is written
- ``selection``: CUR, FPS and PCA on feature matrices
- ``regression``: ridge and kernel ridge against the number of selected features, one
  module a concern (``targets``, ``models``, ``hyperparameters``, ``folds``, ``sweep``,
  ``search``: the hyperparameters chosen by cross-validation, ``table``)
- ``splits``: the regression's train/test split and targets files
- ``published``: the authors' published results, pinned and decoded (``fetch``, ``files``,
  ``names``, ``axis``, and one reader per study: ``dimensionality``, ``regression``,
  ``sensitivity``; ``available``)
- ``reproduction``: every comparable number of a run against the published one
  (``metrics``, ``tolerances``, ``cells``, ``reasons``, ``report``, ``names``)
- ``plotting``: the paper's figures; ``tables``: Table I and the derived tables
- ``facts``: what the paper published about each built-in representation and how it is
  drawn (label, colour, order), read from ``facts.yaml``
- ``cards``: the report card of each representation of a run
- ``contract``: the checks every representation keeps (``contract_structures``: their
  test structures)

The files and the run (what the rules' scripts call):

- ``stages``: one module per file of ``workflow/rules/``, one stage function per rule
- ``jobs``: one typed job spec per rule (what a job reads, writes and is parameterised
  by), built by ``plan.Plan`` and passed to the rule's stage
- ``storage``: the ``.h5`` file of one (dataset, representation)
- ``atomic``: writes to a temporary name and renames; ``finite``: non-finite values named
- ``runlog``: a step run as a supervised job, bad input ending in one line; ``joblog``:
  its messages on the console and in its log; ``provenance``: the record of each output
- ``errors``: the exceptions that end a run with one line
- ``vocabulary``: the names and defaults every layer shares (panels, selection methods,
  models, hyperparameter keys, published datasets, the defaults of ``threads`` and
  ``n_top``), each written once
- ``pins``: where each pinned input (dataset, authors' file, published result) lives
  and its checksums; ``checksums``: a file's sha256 and git blob sha1; ``versions``:
  installed package versions (these four: the standard library only; nothing of the
  package imported but the vocabulary)

The workflow's glue (read by ``workflow/rules/common.smk``, no Snakemake imported):

- ``config``: the config checked before any job; ``config_text``: the ``--config`` text
  that stands for numbers read as numbers; ``config_reference``: the reference of every
  config key, generated from the schema
- ``plan``: what a config asks for: path patterns, records, targets, parameters
- ``resources``: memory and runtime requests of the heavy rules from their input;
  ``feature_counts``: the representations' feature counts it needs, kept between runs

The command line: ``cli`` (``descriptor-study check`` and ``shares``).

The science modules take arrays and return arrays; each rule's script calls one stage
function, which reads the stage's input files, calls the science, and writes the outputs.
The script (``scripts/``) is a few lines: it passes the job's ``input``, ``output``,
``params`` and ``threads`` to that function and reads nothing else (no script reads the
config).

The library needs none of Snakemake: ``pip install descriptor-study`` gives it alone, the
``workflow`` extra adds Snakemake to run the ``Snakefile``.
"""

__version__ = "0.1.0"
