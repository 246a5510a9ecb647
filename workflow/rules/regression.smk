# Section VI.C: ridge (RR) and kernel ridge (KRR) against the number of CUR-selected
# features; Figure 9 per regression dataset and the best-RMSE table.


rule regress:
    input:
        h5="results/representations/{dataset}/{rep}.h5",
        ranking="results/dimensionality/cur/{dataset}/{rep}.csv",
        data="data/{dataset}.extxyz",
        split=[REG["split"]["file"]] if REG.get("split", {}).get("file") else [],
        targets=[REG["targets"]["file"]] if (REG.get("targets") or {}).get("file") else [],
    output:
        "results/regression/{model}/{dataset}/{rep}.csv",
    log:
        "logs/regression/{model}/{dataset}/{rep}.log",
    benchmark:
        bench("regress", "{model}/{dataset}/{rep}")
    conda:
        "../../envs/analysis.yaml"
    threads: HEAVY_THREADS
    resources:
        mem_mb=regression_mem_mb,
        runtime=regression_runtime,
    params:
        hyper=lambda wc: (REG.get("hyperparameters", {}) or {}).get(wc.rep),
        search=REG.get("search", False),
        split=REG.get("split", {}),
        n_top=REG.get("n_top", 65),
        e0=lambda wc: config["datasets"][wc.dataset].get("e0"),
        targets=REG.get("targets"),
    script:
        "../../scripts/regress.py"


rule figure9:
    input:
        sweeps=lambda wc: [s["path"] for s in regression_sweeps([wc.dataset])],
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure9_{dataset}", "Regression"),
    log:
        "logs/regression/figure9_{dataset}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        sweeps=lambda wc: regression_sweeps([wc.dataset]),
        compare_as=lambda wc: COMPARE_AS.get(wc.dataset),
    script:
        "../../scripts/figure9.py"


rule regression_table:
    input:
        [s["path"] for s in regression_sweeps(REGRESSION_DATASETS)],
    output:
        csv=reported_table("results/tables/regression_best.csv", "regression_best", "Regression"),
        md="results/tables/regression_best.md",
    log:
        "logs/regression/table.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        sweeps=regression_sweeps(REGRESSION_DATASETS),
    script:
        "../../scripts/regression_table.py"
