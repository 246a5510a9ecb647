"""Rule `regression_table`: best test RMSE per (model, dataset, representation)."""

from descriptor_study.regression import BEST_RMSE_NOTE, best_rmse_from_files
from descriptor_study.runlog import run_step
from descriptor_study.stages.tables import write_table


def main(smk):
    write_table(
        best_rmse_from_files(smk.params.sweeps),
        smk.output.csv,
        smk.output.md,
        title="Test RMSE at the size chosen by cross-validation on the training set\n\n" + BEST_RMSE_NOTE,
    )


run_step(snakemake, main)  # noqa: F821
