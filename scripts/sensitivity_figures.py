"""Rule `sensitivity_figures`: Figures 3, 4 and 5 from the curve files."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.sensitivity import sensitivity_figures


def main(smk):
    sensitivity_figures(smk.params.job)


run_step(snakemake, main)  # noqa: F821
