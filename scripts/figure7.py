"""Rule `figure7`: PCA explained-variance spectra, one panel per representation."""

from descriptor_study.runlog import published_dir, run_step
from descriptor_study.stages.dimensionality import figure7


def main(smk):
    figure7(
        smk.params.curves, smk.output[0], published_dir(smk), smk.params.compare_as, class_entries=smk.params.classes
    )


run_step(snakemake, main)  # noqa: F821
