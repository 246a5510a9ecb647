"""Rule `sensitivity_curve`: the dV(t) curves of one representation, one CSV per panel."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.sensitivity import sensitivity_curves


def main(smk):
    # what the curves were computed with (parameters and settings resolved, defaults
    # included) goes into their provenance
    return sensitivity_curves(smk.params.job)


run_step(snakemake, main)  # noqa: F821
