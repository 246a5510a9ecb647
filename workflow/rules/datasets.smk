# Every dataset ends as data/<dataset>.extxyz with one energy key, checked on the way in.


rule dataset:
    input:
        unpack(lambda wc: PLAN.dataset_job(wc.dataset).input),
    output:
        paths.DATASET,
    log:
        "logs/datasets/{dataset}.log",
    benchmark:
        bench("dataset", "{dataset}")
    priority: REQUESTS.dataset_priority
    conda:
        "../../envs/data.yaml"
    resources:
        runtime=30,
    params:
        job=lambda wc: PLAN.dataset_job(wc.dataset),
    script:
        "../../scripts/make_dataset.py"


rule pinned_file:
    """Single pinned files (the authors' Si regression split and targets), from the mirror."""
    output:
        paths.PINNED,
    log:
        "logs/datasets/{group}-{name}.log",
    wildcard_constraints:
        group="Si-GAP-RR",
    conda:
        "../../envs/data.yaml"
    params:
        job=lambda wc: PLAN.pinned_file_job(wc.group, wc.name),
    script:
        "../../scripts/pinned_file.py"
