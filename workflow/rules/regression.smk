# Section VI.C: ridge (RR) and kernel ridge (KRR) against the number of CUR-selected
# features; Figure 9 per regression dataset and the best-RMSE table.


rule regress:
    input:
        unpack(lambda wc: PLAN.regress_job(wc.model, wc.dataset, wc.rep).input),
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
        job=lambda wc: PLAN.regress_job(wc.model, wc.dataset, wc.rep),
    script:
        "../../scripts/regress.py"


rule figure9:
    input:
        unpack(lambda wc: PLAN.figure9_job(wc.dataset).input),
    output:
        reported_figure("figure9_{dataset}", "Regression"),
    log:
        "logs/regression/figure9_{dataset}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=lambda wc: PLAN.figure9_job(wc.dataset),
    script:
        "../../scripts/figure9.py"


rule regression_table:
    input:
        **PLAN.regression_table_job().input,
    output:
        **reported_table("regression_best", "Regression"),
    log:
        "logs/regression/table.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.regression_table_job(),
    script:
        "../../scripts/regression_table.py"
