"""Rule `sensitivity_figures`: Figures 3, 4 and 5 from the curve files."""

from pathlib import Path

from descriptor_study.plotting.sensitivity import figures_from_files
from descriptor_study.runlog import run_step


def main(smk):
    figures_from_files(smk.input, Path(smk.output[0]).parent)


run_step(snakemake, main)  # noqa: F821
