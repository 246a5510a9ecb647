"""Rule `compressibility`: features needed to bring the CUR error below 1e-3 and the plateau."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.dimensionality import compressibility


def main(smk):
    compressibility(smk.params.job)


run_step(snakemake, main)  # noqa: F821
