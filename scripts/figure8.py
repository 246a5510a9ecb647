"""Rule `figure8`: CUR against FPS on one dataset."""

from descriptor_study.plotting.dimensionality import figure8_from_files
from descriptor_study.representations import registry
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    figure8_from_files(
        smk.params.cur,
        smk.params.fps,
        smk.params.dataset,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        classes=registry.classes_of(smk.params.classes),
    )


run_step(snakemake, main)  # noqa: F821
