"""Rule `regression_table`: best test RMSE per (model, dataset, representation)."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.regression import regression_table


def main(smk):
    regression_table(smk.params.job)


run_step(snakemake, main)  # noqa: F821
