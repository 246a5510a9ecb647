"""Rule `reproduction`: every comparable number against the authors' published results."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.reproduction import reproduction


def main(smk):
    reproduction(smk.params.job)


run_step(snakemake, main)  # noqa: F821
