# One (dataset, representation) → one .h5: matrix, structure offsets, species,
# parameters and library versions.


rule represent:
    input:
        paths.DATASET,
    output:
        paths.REPRESENTATION,
    log:
        "logs/representations/{dataset}/{rep}.log",
    benchmark:
        bench("represent", "{dataset}/{rep}")
    priority: REQUESTS.represent_priority()
    conda:
        "../../envs/representations.yaml"
    threads: PLAN.threads
    resources:
        mem_mb=REQUESTS.represent_mem_mb(),
        runtime=REQUESTS.represent_runtime(),
    params:
        params=lambda wc: PLAN.rep_params(wc.rep),
        species=lambda wc: PLAN.species(wc.dataset),
        rep=lambda wc: wc.rep,
        code=lambda wc: PLAN.rep_fingerprint(wc.rep),
    script:
        "../../scripts/represent.py"


if PLAN.degree_rep:

    rule represent_degree:
        """The degree-sweep representation (its ``degree_parameter`` in facts.yaml) at another
        degree, for Figure 6h."""
        input:
            paths.DATASET,
        output:
            paths.fill(paths.REPRESENTATION, rep=f"{PLAN.degree_rep}-degree{{degree}}"),
        log:
            f"logs/representations/{{dataset}}/{PLAN.degree_rep}-degree{{degree}}.log",
        benchmark:
            bench("represent_degree", "{dataset}/{degree}")
        wildcard_constraints:
            degree=r"\d+",
        priority: REQUESTS.represent_priority(degree=True)
        conda:
            "../../envs/representations.yaml"
        threads: PLAN.threads
        resources:
            mem_mb=REQUESTS.represent_mem_mb(degree=True),
            runtime=REQUESTS.represent_runtime(degree=True),
        params:
            params=lambda wc: PLAN.degree_params(wc.degree),
            species=lambda wc: PLAN.species(wc.dataset),
            rep=PLAN.degree_rep,
            code=lambda wc: PLAN.rep_fingerprint(PLAN.degree_rep),
        script:
            "../../scripts/represent.py"
