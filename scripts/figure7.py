"""Rule `figure7`: PCA explained-variance spectra, one panel per representation."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.dimensionality import figure7


def main(smk):
    figure7(smk.params.job)


run_step(snakemake, main)  # noqa: F821
