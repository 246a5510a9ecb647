"""Rule `pinned_file`: copy a pinned single file from the mirror, checked."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.datasets import pinned_file


def main(smk):
    pinned_file(smk.params.job)


run_step(snakemake, main)  # noqa: F821
