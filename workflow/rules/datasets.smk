# Every dataset ends as data/<dataset>.extxyz with one energy key, checked on the way in.


rule dataset:
    input:
        source=lambda wc: PLAN.dataset_source(wc.dataset),
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
        spec=lambda wc: {"name": wc.dataset, **PLAN.dataset_spec(wc.dataset)},
        require_energy=lambda wc: PLAN.requires_energy(wc.dataset),
        mirror=PLAN.data.get("mirror"),
        cache=PLAN.data.get("cache", "data/cache"),
    script:
        "../../scripts/make_dataset.py"


rule pinned_file:
    """Single pinned files (the authors' Si regression split and targets), from the mirror."""
    output:
        "data/{group}/{name}.txt",
    log:
        "logs/datasets/{group}-{name}.log",
    wildcard_constraints:
        group="Si-GAP-RR",
    conda:
        "../../envs/data.yaml"
    params:
        mirror=PLAN.data.get("mirror"),
    script:
        "../../scripts/pinned_file.py"
