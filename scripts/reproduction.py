"""Rule `reproduction`: every comparable number against the authors' published results."""

from descriptor_study.representations import registry
from descriptor_study.reproduction import compare, read_run, write_report
from descriptor_study.runlog import published_dir, run_step


def main(smk):
    run = read_run(
        smk.params.compare_as,
        smk.input.table1,
        smk.params.sensitivity,
        smk.params.dimensionality,
        smk.params.regression,
        classes=registry.classes_of(smk.params.classes),
    )
    write_report(compare(run, published_dir(smk), not_run=smk.params.not_run), smk.output.csv, smk.output.md)


run_step(snakemake, main)  # noqa: F821
