# Every dataset ends as data/<dataset>.extxyz with one energy key, checked on the way in.


rule dataset:
    output:
        "data/{dataset}.extxyz",
    params:
        spec=lambda wc: {"name": wc.dataset, **dataset_spec(wc.dataset)},
        mirror=config.get("data", {}).get("mirror"),
        cache=config.get("data", {}).get("cache", "data/cache"),
    log:
        "logs/datasets/{dataset}.log",
    resources:
        runtime=30,
    script:
        "../../scripts/make_dataset.py"


rule pinned_file:
    """Single pinned files (the authors' Si regression split and targets), from the mirror."""
    output:
        "data/{group}/{name}.txt",
    params:
        mirror=config.get("data", {}).get("mirror"),
    wildcard_constraints:
        group="Si-GAP-RR",
    log:
        "logs/datasets/{group}-{name}.log",
    script:
        "../../scripts/pinned_file.py"
