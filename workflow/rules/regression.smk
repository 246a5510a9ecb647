# Section VI.C: ridge (RR) and kernel ridge (KRR) against the number of CUR-selected
# features; Figure 9 per regression dataset and the best-RMSE table.


rule regress:
    input:
        h5=paths.REPRESENTATION,
        ranking=paths.fill(paths.SELECTION, method="cur", variant="{rep}"),
        data=paths.DATASET,
        split=PLAN.regression_file("split"),
        targets=PLAN.regression_file("targets"),
    output:
        paths.SWEEP,
    log:
        "logs/regression/{model}/{dataset}/{rep}.log",
    benchmark:
        bench("regress", "{model}/{dataset}/{rep}")
    conda:
        "../../envs/analysis.yaml"
    threads: PLAN.threads
    resources:
        mem_mb=REQUESTS.regression_mem_mb,
        runtime=REQUESTS.regression_runtime,
    params:
        hyper=lambda wc: (PLAN.regression.get("hyperparameters", {}) or {}).get(wc.rep),
        search=PLAN.regression.get("search", False),
        split=PLAN.regression.get("split", {}),
        n_top=PLAN.n_top,
        e0=lambda wc: PLAN.e0(wc.dataset),
        targets=PLAN.regression.get("targets"),
    script:
        "../../scripts/regress.py"


rule figure9:
    input:
        sweeps=lambda wc: paths.record_paths(PLAN.regression_sweeps([wc.dataset])),
        published=PLAN.overlay_input,
    output:
        reported_figure("figure9_{dataset}", "Regression"),
    log:
        "logs/regression/figure9_{dataset}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        sweeps=lambda wc: PLAN.regression_sweeps([wc.dataset]),
        compare_as=lambda wc: PLAN.compare_as.get(wc.dataset),
        classes=PLAN.class_entries,
        n_top=PLAN.n_top,
    script:
        "../../scripts/figure9.py"


rule regression_table:
    input:
        paths.record_paths(PLAN.regression_sweeps(PLAN.regression_datasets)),
    output:
        **reported_table("regression_best", "Regression"),
    log:
        "logs/regression/table.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        sweeps=PLAN.regression_sweeps(PLAN.regression_datasets),
    script:
        "../../scripts/regression_table.py"
