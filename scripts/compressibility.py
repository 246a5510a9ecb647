"""Rule `compressibility`: features needed to bring the CUR error below 1e-3 and the plateau."""

from descriptor_study.runlog import run_step
from descriptor_study.selection import compressibility_from_files
from descriptor_study.stages.tables import write_table


def main(smk):
    # the records name each file's representation and dataset, in the order of the input
    write_table(
        compressibility_from_files(smk.params.curves), smk.output.csv, smk.output.md, title="Compressibility (CUR)"
    )


run_step(snakemake, main)  # noqa: F821
