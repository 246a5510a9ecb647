"""Rule `cards`: every representation's report card and the league table."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.cards import cards


def main(smk):
    cards(smk.params.job, workers=smk.threads)


run_step(snakemake, main)  # noqa: F821
