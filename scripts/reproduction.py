"""Rule `reproduction`: every comparable number against the authors' published results."""

from descriptor_study.runlog import published_dir, run_step
from descriptor_study.stages.reproduction import reproduction


def main(smk):
    reproduction(
        smk.params.compare_as,
        smk.input.table1,
        smk.params.sensitivity,
        smk.params.dimensionality,
        smk.params.regression,
        smk.output.csv,
        smk.output.md,
        published_dir=published_dir(smk),
        not_run=smk.params.not_run,
        class_entries=smk.params.classes,
    )


run_step(snakemake, main)  # noqa: F821
