# Every dataset ends as data/<dataset>.extxyz with one energy key, checked on the way in.


def dataset_source(name):
    """A `file:` dataset's source file, an input of its dataset job (editing it reruns what
    depends on it); pinned and generated sources have none."""
    file = config["datasets"][name].get("file")
    return [file] if file else []


def requires_energy(name):
    """A dataset whose regression takes the energies from the dataset (no targets file)
    must have an energy in every structure: checked at the dataset step."""
    return name in REGRESSION_DATASETS and not (REG.get("targets") or {}).get("file")


rule dataset:
    input:
        source=lambda wc: dataset_source(wc.dataset),
    output:
        "data/{dataset}.extxyz",
    log:
        "logs/datasets/{dataset}.log",
    benchmark:
        bench("dataset", "{dataset}")
    resources:
        runtime=30,
    params:
        spec=lambda wc: {"name": wc.dataset, **dataset_spec(wc.dataset)},
        require_energy=lambda wc: requires_energy(wc.dataset),
        mirror=config.get("data", {}).get("mirror"),
        cache=config.get("data", {}).get("cache", "data/cache"),
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
    params:
        mirror=config.get("data", {}).get("mirror"),
    script:
        "../../scripts/pinned_file.py"
