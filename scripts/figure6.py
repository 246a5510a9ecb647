"""Rule `figure6`: CUR error curves, one panel per representation (6g the standardised
variant, 6h the degree sweep)."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.dimensionality import figure6


def main(smk):
    figure6(smk.params.job)


run_step(snakemake, main)  # noqa: F821
