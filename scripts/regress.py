"""Rule `regress`: RR or KRR test/train RMSE against the number of CUR-selected features."""

from descriptor_study.runlog import run_step
from descriptor_study.stages.regression import regress_dataset


def main(smk):
    regress_dataset(
        model=smk.wildcards.model,
        h5=smk.input.h5,
        ranking_csv=smk.input.ranking,
        dataset_path=smk.input.data,
        out_csv=smk.output[0],
        dataset=smk.wildcards.dataset,
        representation=smk.wildcards.rep,
        hyper=smk.params.hyper,
        search=smk.params.search,
        split=smk.params.split,
        n_top=smk.params.n_top,
        e0=smk.params.e0,
        targets=smk.params.targets,
    )


run_step(snakemake, main)  # noqa: F821
