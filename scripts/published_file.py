"""Rule `published_file`: one of the authors' published result files, pinned and checked."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.reproduction import published_file


def main(smk):
    published_file(smk.params.job)


run_step(snakemake, main)  # noqa: F821
