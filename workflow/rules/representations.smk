# One (dataset, representation) → one .h5: matrix, structure offsets, species,
# parameters and library versions.


rule represent:
    input:
        "data/{dataset}.extxyz",
    output:
        "results/representations/{dataset}/{rep}.h5",
    log:
        "logs/representations/{dataset}/{rep}.log",
    benchmark:
        bench("represent", "{dataset}/{rep}")
    conda:
        "../../envs/representations.yaml"
    threads: HEAVY_THREADS
    resources:
        mem_mb=represent_mem_mb(),
        runtime=represent_runtime(),
    params:
        params=lambda wc: rep_params(wc.rep),
        species=lambda wc: config["datasets"][wc.dataset].get("species"),
        rep=lambda wc: wc.rep,
        code=lambda wc: rep_fingerprint(wc.rep),
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
        log:
            f"logs/representations/{{dataset}}/{DEGREE_REP}-degree{{degree}}.log",
        benchmark:
            bench("represent_degree", "{dataset}/{degree}")
        wildcard_constraints:
            degree=r"\d+",
        conda:
            "../../envs/representations.yaml"
        threads: HEAVY_THREADS
        resources:
            mem_mb=represent_mem_mb(DEGREE_REP, lambda wc: {**rep_params(DEGREE_REP), DEGREE_PARAM: int(wc.degree)}),
            runtime=represent_runtime(
                DEGREE_REP, lambda wc: {**rep_params(DEGREE_REP), DEGREE_PARAM: int(wc.degree)}, "represent_degree"
            ),
        params:
            params=lambda wc: {**rep_params(DEGREE_REP), DEGREE_PARAM: int(wc.degree)},
            species=lambda wc: config["datasets"][wc.dataset].get("species"),
            rep=DEGREE_REP,
            code=lambda wc: rep_fingerprint(DEGREE_REP),
        script:
            "../../scripts/represent.py"
