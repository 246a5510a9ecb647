"""Rule `figure6`: CUR error curves, one panel per representation (6g the standardised
variant, 6h the degree sweep)."""

from descriptor_study.plotting.dimensionality import figure6_from_files
from descriptor_study.representations import registry
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    figure6_from_files(
        smk.params.curves,
        smk.params.standardised,
        smk.params.degrees,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        classes=registry.classes_of(smk.params.classes),
    )


run_step(snakemake, main)  # noqa: F821
