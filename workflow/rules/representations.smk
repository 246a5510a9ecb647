# One (dataset, representation) → one .h5: matrix, structure offsets, species,
# parameters and library versions.


rule represent:
    input:
        "data/{dataset}.extxyz",
    output:
        "results/representations/{dataset}/{rep}.h5",
    params:
        params=lambda wc: rep_params(wc.rep),
        species=lambda wc: config["datasets"][wc.dataset].get("species"),
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=120,
    log:
        "logs/representations/{dataset}/{rep}.log",
    script:
        "../../scripts/represent.py"


rule represent_ace_degree:
    """ACE at another total degree, for Figure 6h."""
    input:
        "data/{dataset}.extxyz",
    output:
        "results/representations/{dataset}/ACE-degree{degree}.h5",
    params:
        params=lambda wc: {**rep_params("ACE"), "degree": int(wc.degree)},
        species=lambda wc: config["datasets"][wc.dataset].get("species"),
        rep="ACE",
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=240,
    log:
        "logs/representations/{dataset}/ACE-degree{degree}.log",
    script:
        "../../scripts/represent.py"
