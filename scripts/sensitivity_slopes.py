"""Rule `sensitivity_slopes`: asymptotic slope k per (representation, panel) with a verdict."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.sensitivity import sensitivity_slopes


def main(smk):
    sensitivity_slopes(smk.params.job)


run_step(snakemake, main)  # noqa: F821
