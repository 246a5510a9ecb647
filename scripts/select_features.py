"""Rule `select_features`: CUR, FPS or PCA ranking and curve for one (dataset, representation)."""

from descriptor_study import storage
from descriptor_study.runlog import run_step
from descriptor_study.selection import run_selection


def main(smk):
    # the matrix read here is used only by this job: it is compacted and standardised in place
    run_selection(
        smk.wildcards.method,
        storage.read(smk.input[0]),
        smk.output[0],
        standardise=smk.params.standardise,
        overwrite=True,
    )


run_step(snakemake, main)  # noqa: F821
