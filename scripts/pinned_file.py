"""Rule `pinned_file`: copy a pinned single file from the mirror, checked."""

from descriptor_study.datasets.remote import fetch_pinned_file
from descriptor_study.runlog import run_step


def main(smk):
    fetch_pinned_file(f"{smk.wildcards.group}/{smk.wildcards.name}.txt", smk.output[0], smk.params.mirror)


run_step(snakemake, main)  # noqa: F821
