"""Rule `figure9`: RR and KRR RMSE against the number of features for one dataset."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.regression import figure9


def main(smk):
    figure9(smk.params.job)


run_step(snakemake, main)  # noqa: F821
