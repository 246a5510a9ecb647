# Section VI.B: CUR, FPS and PCA per (dataset, representation); Figures 6-8 and the
# compressibility table.  A "variant" is a representation name, <degree rep>-degree<d>
# (Figure 6h, the degree sweep) or <std rep>-std (Figure 6g, the standardised columns).


rule select_features:
    input:
        unpack(lambda wc: PLAN.select_features_job(wc.method, wc.dataset, wc.variant).input),
    output:
        paths.SELECTION,
    log:
        "logs/dimensionality/{method}/{dataset}/{variant}.log",
    benchmark:
        bench("select_features", "{method}/{dataset}/{variant}")
    wildcard_constraints:
        variant="[A-Za-z0-9_.-]+",
    priority: REQUESTS.selection_priority
    conda:
        "../../envs/analysis.yaml"
    # CUR's selection loop is single-threaded (matrix-vector sized BLAS calls), so a CUR job
    # takes one core and two of them share a 2-core machine; FPS and PCA are Gram products
    threads: lambda wc: 1 if wc.method == "cur" else PLAN.threads
    resources:
        mem_mb=REQUESTS.selection_mem_mb,
        runtime=REQUESTS.selection_runtime,
    params:
        job=lambda wc: PLAN.select_features_job(wc.method, wc.dataset, wc.variant),
    script:
        "../../scripts/select_features.py"


rule figure6:
    input:
        **PLAN.figure6_job().input,
    output:
        reported_figure("figure6", "Dimensionality"),
    log:
        "logs/dimensionality/figure6.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.figure6_job(),
    script:
        "../../scripts/figure6.py"


rule figure7:
    input:
        **PLAN.figure7_job().input,
    output:
        reported_figure("figure7", "Dimensionality"),
    log:
        "logs/dimensionality/figure7.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.figure7_job(),
    script:
        "../../scripts/figure7.py"


rule figure8:
    input:
        **PLAN.figure8_job().input,
    output:
        reported_figure("figure8", "Dimensionality"),
    log:
        "logs/dimensionality/figure8.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.figure8_job(),
    script:
        "../../scripts/figure8.py"


rule compressibility:
    input:
        **PLAN.compressibility_job().input,
    output:
        **reported_table("compressibility", "Dimensionality"),
    log:
        "logs/dimensionality/compressibility.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.compressibility_job(),
    script:
        "../../scripts/compressibility.py"
