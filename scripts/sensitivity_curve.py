"""Rule `sensitivity_curve`: one dV(t) curve for (panel, representation)."""

from descriptor_study.runlog import run_step
from descriptor_study.sensitivity import run_panel


def main(smk):
    run_panel(smk.wildcards.panel, smk.wildcards.rep, smk.params.params, smk.params.settings, smk.output[0])


run_step(snakemake, main)  # noqa: F821
