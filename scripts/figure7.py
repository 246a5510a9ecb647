"""Rule `figure7`: PCA explained-variance spectra, one panel per representation."""

from descriptor_study.plotting.dimensionality import figure7_from_files
from descriptor_study.runlog import run_step


def main(smk):
    figure7_from_files(smk.input.curves, smk.output[0])


run_step(snakemake, main)  # noqa: F821
