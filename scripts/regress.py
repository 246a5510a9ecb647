"""Rule `regress`: RR or KRR test/train RMSE against the number of CUR-selected features."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.regression import regress_dataset


def main(smk):
    regress_dataset(smk.params.job)


run_step(snakemake, main)  # noqa: F821
