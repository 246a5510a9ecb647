"""Rule `table1`: Table I from every representation file."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.tables import table1


def main(smk):
    table1(smk.params.job)


run_step(snakemake, main)  # noqa: F821
