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
        rep=lambda wc: wc.rep,
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=120,
    log:
        "logs/representations/{dataset}/{rep}.log",
    script:
        "../../scripts/represent.py"


if DEGREE_REP:

    rule represent_degree:
        """The degree-sweep representation (its class's ``degree_parameter``) at another
        degree, for Figure 6h."""
        input:
            "data/{dataset}.extxyz",
        output:
            f"results/representations/{{dataset}}/{DEGREE_REP}-degree{{degree}}.h5",
        params:
            params=lambda wc: {**rep_params(DEGREE_REP), DEGREE_PARAM: int(wc.degree)},
            species=lambda wc: config["datasets"][wc.dataset].get("species"),
            rep=DEGREE_REP,
        wildcard_constraints:
            degree=r"\d+",
        threads: THREADS
        resources:
            mem_mb=8000,
            runtime=240,
        log:
            f"logs/representations/{{dataset}}/{DEGREE_REP}-degree{{degree}}.log",
        script:
            "../../scripts/represent.py"
