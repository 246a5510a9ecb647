"""Rule `card_part`: one representation's row norms per dataset and its invariances, for its card."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.cards import card_part


def main(smk):
    card_part(smk.params.job)


run_step(snakemake, main)  # noqa: F821
