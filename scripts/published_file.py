"""Rule `published_file`: one of the authors' published result files, pinned and checked."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.reproduction import published_file


def main(smk):
    published_file(smk.wildcards.name, smk.output[0], mirror=smk.params.mirror, cache=smk.params.cache)


run_step(snakemake, main)  # noqa: F821
