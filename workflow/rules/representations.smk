# One (dataset, representation) → one .h5: matrix, structure offsets, species,
# parameters and library versions.


rule represent:
    input:
        unpack(lambda wc: PLAN.represent_job(wc.dataset, wc.rep).input),
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
        job=lambda wc: PLAN.represent_job(wc.dataset, wc.rep),
    script:
        "../../scripts/represent.py"


if PLAN.degree_rep:

    rule represent_degree:
        """The degree-sweep representation (its ``degree_parameter`` in facts.yaml) at another
        degree, for Figure 6h."""
        input:
            unpack(lambda wc: PLAN.represent_degree_job(wc.dataset, wc.degree).input),
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
            job=lambda wc: PLAN.represent_degree_job(wc.dataset, wc.degree),
        script:
            "../../scripts/represent.py"
