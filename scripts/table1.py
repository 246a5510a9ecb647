"""Rule `table1`: Table I from every representation file."""

from descriptor_study.representations.registry import classes_of
from descriptor_study.runlog import run_step
from descriptor_study.tables import table1, write_table


def main(smk):
    write_table(
        table1(smk.params.files, classes_of(smk.params.classes)),
        smk.output.csv,
        smk.output.md,
        title="Table I. Number of features",
    )


run_step(snakemake, main)  # noqa: F821
