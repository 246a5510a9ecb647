"""Rule `sensitivity_slopes`: asymptotic slope k per (representation, panel) with a verdict."""

from descriptor_study.representations.registry import classes_of
from descriptor_study.runlog import run_step
from descriptor_study.sensitivity import slope_table_from_files
from descriptor_study.stages.tables import write_table


def main(smk):
    table = slope_table_from_files(smk.params.curves, classes_of(smk.params.classes))
    write_table(table, smk.output.csv, smk.output.md, title="Sensitivity slopes")


run_step(snakemake, main)  # noqa: F821
