"""Rule `represent`: one (dataset, representation) → results/representations/<dataset>/<rep>.h5."""

from descriptor_study.runlog import on_terminal, run_step
from descriptor_study.stages.representations import represent


def main(smk):
    represent(smk.params.job, n_jobs=smk.threads, progress=on_terminal())


run_step(snakemake, main)  # noqa: F821
