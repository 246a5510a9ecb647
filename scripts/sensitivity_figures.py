"""Rule `sensitivity_figures`: Figures 3, 4 and 5 from the curve files."""

from descriptor_study.runlog import published_dir, run_step
from descriptor_study.stages.sensitivity import sensitivity_figures


def main(smk):
    # the three figures are written into the folder of the first output
    sensitivity_figures(smk.params.curves, smk.output[0], published_dir(smk), class_entries=smk.params.classes)


run_step(snakemake, main)  # noqa: F821
