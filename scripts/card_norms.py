"""Rule `card_norms`: the row norms and recorded identity of one representation file, for its card."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.cards import row_norms


def main(smk):
    row_norms(smk.input[0], smk.output[0])


run_step(snakemake, main)  # noqa: F821
