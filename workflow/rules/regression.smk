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
    params:
        hyper=lambda wc: (REG.get("hyperparameters", {}) or {}).get(wc.rep),
        search=REG.get("search", False),
        split=REG.get("split", {}),
        n_top=REG.get("n_top", 65),
        e0=lambda wc: config["datasets"][wc.dataset].get("e0"),
        targets=REG.get("targets"),
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=60,
    log:
        "logs/regression/{model}/{dataset}/{rep}.log",
    script:
        "../../scripts/regress.py"


rule figure9:
    input:
        rr=expand("results/regression/rr/{{dataset}}/{rep}.csv", rep=REPRESENTATIONS),
        krr=expand("results/regression/krr/{{dataset}}/{rep}.csv", rep=REPRESENTATIONS),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure9_{dataset}", "Regression"),
    params:
        compare_as=lambda wc: COMPARE_AS.get(wc.dataset),
    log:
        "logs/regression/figure9_{dataset}.log",
    script:
        "../../scripts/figure9.py"


rule regression_table:
    input:
        expand(
            "results/regression/{model}/{dataset}/{rep}.csv",
            model=["rr", "krr"],
            dataset=REGRESSION_DATASETS,
            rep=REPRESENTATIONS,
        ),
    output:
        csv="results/tables/regression_best.csv",
        md="results/tables/regression_best.md",
    log:
        "logs/regression/table.log",
    script:
        "../../scripts/regression_table.py"
