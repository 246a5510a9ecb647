"""Rule `select_features`: CUR, FPS or PCA ranking and curve for one (dataset, representation)."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.dimensionality import select_features


def main(smk):
    # the matrix read is used only by this job: it is compacted and standardised in place
    select_features(smk.params.job)


run_step(snakemake, main)  # noqa: F821
