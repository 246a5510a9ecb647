"""Rule `dataset`: fetch or generate one dataset and write data/<dataset>.extxyz, checked."""

from pathlib import Path

from descriptor_study.datasets import build_dataset
from descriptor_study.runlog import run_step


def main(smk):
    build_dataset(
        smk.params.spec,
        Path(smk.output[0]),
        mirror=smk.params.mirror,
        cache_dir=Path(smk.params.cache),
        require_energy=bool(smk.params.require_energy),
    )


run_step(snakemake, main)  # noqa: F821
