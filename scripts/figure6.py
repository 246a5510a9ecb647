"""Rule `figure6`: CUR error curves, one panel per representation (6g the standardised
variant, 6h the degree sweep)."""

from descriptor_study.runlog import published_dir, run_step
from descriptor_study.stages.dimensionality import figure6


def main(smk):
    figure6(
        smk.params.curves,
        smk.params.standardised,
        smk.params.degrees,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        class_entries=smk.params.classes,
    )


run_step(snakemake, main)  # noqa: F821
