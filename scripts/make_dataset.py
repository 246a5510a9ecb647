"""Rule `dataset`: fetch or generate one dataset and write data/<dataset>.extxyz, checked."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.datasets import make_dataset


def main(smk):
    make_dataset(smk.params.job)


run_step(snakemake, main)  # noqa: F821
