"""Rule `figure8`: CUR against FPS on one dataset."""

from descriptor_study.runlog import published_dir, run_step
from descriptor_study.stages.dimensionality import figure8


def main(smk):
    figure8(
        smk.params.cur,
        smk.params.fps,
        smk.params.dataset,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        class_entries=smk.params.classes,
    )


run_step(snakemake, main)  # noqa: F821
