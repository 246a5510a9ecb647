"""Rule `compressibility`: features needed to bring the CUR error below 1e-3 and the plateau."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.dimensionality import compressibility


def main(smk):
    # the records name each file's representation and dataset, in the order of the input
    compressibility(smk.params.curves, smk.output.csv, smk.output.md)


run_step(snakemake, main)  # noqa: F821
