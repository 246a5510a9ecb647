"""Rule `figure7`: PCA explained-variance spectra, one panel per representation."""

from descriptor_study.plotting.dimensionality import figure7_from_files
from descriptor_study.representations import registry
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    figure7_from_files(
        smk.params.curves,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        classes=registry.classes_of(smk.params.classes),
    )


run_step(snakemake, main)  # noqa: F821
