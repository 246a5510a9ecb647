"""Rule `sensitivity_curve`: the dV(t) curves of one representation, one CSV per panel."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.sensitivity import run_panels


def main(smk):
    # the outputs are named by panel (fig3, fig4, ...)
    run_panels(smk.wildcards.rep, smk.params.params, smk.params.settings, dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
