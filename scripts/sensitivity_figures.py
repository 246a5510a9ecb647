"""Rule `sensitivity_figures`: Figures 3, 4 and 5 from the curve files."""

from pathlib import Path

from descriptor_study.plotting.sensitivity import figures_from_files
from descriptor_study.representations.registry import classes_of
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    figures_from_files(
        smk.params.curves, Path(smk.output[0]).parent, published_dir(smk), classes_of(smk.params.classes)
    )


run_step(snakemake, main)  # noqa: F821
