"""Rule `figure9`: RR and KRR RMSE against the number of features for one dataset."""

from descriptor_study.plotting.regression import figure9_from_files
from descriptor_study.representations.registry import classes_of
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    figure9_from_files(
        smk.params.sweeps,
        smk.wildcards.dataset,
        smk.output[0],
        published_dir(smk),
        smk.params.compare_as,
        classes_of(smk.params.classes),
    )


run_step(snakemake, main)  # noqa: F821
