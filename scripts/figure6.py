"""Rule `figure6`: CUR error curves, one panel per representation (6g Si(STD), 6h ACE degrees)."""

from descriptor_study.plotting.dimensionality import figure6_from_files
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    figure6_from_files(smk.input.curves, smk.input.mbtr_std, smk.input.ace_degrees, smk.output[0],
                       published_dir(smk), smk.params.compare_as)


run_step(snakemake, main)  # noqa: F821
