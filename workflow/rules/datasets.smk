# Every dataset ends as data/<dataset>.extxyz with one energy key, checked on the way in.


rule dataset:
    output:
        "data/{dataset}.extxyz",
    params:
        spec=lambda wc: {"name": wc.dataset, **config["datasets"][wc.dataset]},
        mirror=config.get("data", {}).get("mirror"),
        cache=config.get("data", {}).get("cache", "data/cache"),
    log:
        "logs/datasets/{dataset}.log",
    resources:
        runtime=30,
    script:
        "../../scripts/make_dataset.py"
