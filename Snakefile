# Sensitivity and dimensionality of atomic-environment representations:
# a re-run of Onat, Ortner and Kermode, J. Chem. Phys. 153, 144106 (2020).
#
#   snakemake --cores 2                                  embedded demo data (no network)
#   snakemake --cores N --configfile config/paper.yaml   the paper's four datasets

import os
from pathlib import Path

from snakemake.utils import min_version

min_version("8.0")  # as the `workflow` extra requires (pyproject.toml; a test keeps them equal)

# A config file named on the command line (--configfile) describes the whole study; the
# embedded default is read only when none is named (--config KEY=VALUE overrides either).
if not workflow.overwrite_configfiles:

    configfile: Path(workflow.basedir) / "config/config.yaml"


# With --software-deployment-method conda each rule runs in its environment (envs/<kind>.yaml);
# the environment's post-deploy script installs this package from here (docs/development.md).
os.environ.update(DESCRIPTOR_STUDY_SOURCE=workflow.basedir)  # set here, not read: no envvars directive


include: "workflow/rules/common.smk"  # config validation, wildcards, PLAN (descriptor_study.plan)
include: "workflow/rules/datasets.smk"  # data/<dataset>.extxyz
include: "workflow/rules/representations.smk"  # results/representations/<dataset>/<rep>.h5
include: "workflow/rules/tables.smk"  # Table I
include: "workflow/rules/sensitivity.smk"  # Figures 3-5, slope table
include: "workflow/rules/dimensionality.smk"  # Figures 6-8, compressibility table
include: "workflow/rules/regression.smk"  # Figure 9, best-RMSE table
include: "workflow/rules/reproduction.smk"  # published results, reproduction report
include: "workflow/rules/cards.smk"  # report cards, league table


rule all:
    input:
        PLAN.targets,


# A failed run ends with each failed job's one line, read from its log (common.smk).
onerror:
    report_failures()
