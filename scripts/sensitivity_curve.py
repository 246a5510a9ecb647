"""Rule `sensitivity_curve`: the dV(t) curves of one representation, one CSV per panel."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.sensitivity import sensitivity_curves


def main(smk):
    # the outputs are named by panel (fig3, fig4, ...); what the curves were computed with
    # (parameters and settings resolved, defaults included) goes into their provenance
    return sensitivity_curves(smk.wildcards.rep, smk.params.params, smk.params.settings, dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
