"""Rule `published_file`: one of the authors' published result files, pinned and checked."""

from descriptor_study.published import fetch_published
from descriptor_study.runlog import run_step


def main(smk):
    fetch_published(smk.wildcards.name, smk.output[0], mirror=smk.params.mirror, cache_dir=smk.params.cache)


run_step(snakemake, main)  # noqa: F821
