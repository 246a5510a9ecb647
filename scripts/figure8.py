"""Rule `figure8`: CUR against FPS on one dataset."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.dimensionality import figure8


def main(smk):
    figure8(smk.params.job)


run_step(snakemake, main)  # noqa: F821
