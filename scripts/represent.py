"""Rule `represent`: one (dataset, representation) → results/representations/<dataset>/<rep>.h5."""

from descriptor_study.runlog import on_terminal, run_step
from descriptor_study.stages.representations import represent_dataset


def main(smk):
    represent_dataset(
        dataset_path=smk.input[0],
        out_path=smk.output[0],
        representation=smk.params.rep,
        dataset=smk.wildcards.dataset,
        params=smk.params.params,
        species=smk.params.species,
        n_jobs=smk.threads,
        progress=on_terminal(),
    )


run_step(snakemake, main)  # noqa: F821
