"""Rule `figure9`: RR and KRR RMSE against the number of features for one dataset."""

from descriptor_study.runlog import published_dir, run_step
from descriptor_study.stages.regression import figure9


def main(smk):
    figure9(
        smk.params.sweeps,
        smk.wildcards.dataset,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        class_entries=smk.params.classes,
        n_top=smk.params.n_top,
    )


run_step(snakemake, main)  # noqa: F821
