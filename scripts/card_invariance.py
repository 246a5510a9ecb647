"""Rule `card_invariance`: translation, permutation and mirror of one representation, for its card."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.cards import invariances


def main(smk):
    invariances(smk.params.rep, smk.params.entry, smk.output[0])


run_step(snakemake, main)  # noqa: F821
