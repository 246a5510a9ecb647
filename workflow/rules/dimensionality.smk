# Section VI.B: CUR, FPS and PCA per (dataset, representation); Figures 6-8 and the
# compressibility table.  A "variant" is a representation name, <DEGREE_REP>-degree<d>
# (Figure 6h, the degree sweep) or <STD_REP>-std (Figure 6g, the standardised columns).


rule select_features:
    input:
        selection_input,
    output:
        "results/dimensionality/{method}/{dataset}/{variant}.csv",
    log:
        "logs/dimensionality/{method}/{dataset}/{variant}.log",
    benchmark:
        bench("select_features", "{method}/{dataset}/{variant}")
    wildcard_constraints:
        variant="[A-Za-z0-9_.-]+",
    conda:
        "../../envs/analysis.yaml"
    # CUR's selection loop is single-threaded (matrix-vector sized BLAS calls), so a CUR job
    # takes one core and two of them share a 2-core machine; FPS and PCA are Gram products
    threads: lambda wc: 1 if wc.method == "cur" else HEAVY_THREADS
    resources:
        mem_mb=selection_mem_mb,
        runtime=selection_runtime,
    params:
        standardise=lambda wc: bool(STD_REP) and wc.variant == f"{STD_REP}-std",
    script:
        "../../scripts/select_features.py"


CUR_RECORDS = dimensionality_records("cur")
PCA_RECORDS = dimensionality_records("pca")
FIG8_CUR_RECORDS = dimensionality_records("cur", [FPS_DATASET])
FIG8_FPS_RECORDS = dimensionality_records("fps", [FPS_DATASET])


rule figure6:
    input:
        curves=record_paths(CUR_RECORDS),
        standardised=record_paths(STD_RECORDS),
        degrees=record_paths(DEGREE_RECORDS),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure6", "Dimensionality"),
    log:
        "logs/dimensionality/figure6.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=CUR_RECORDS,
        standardised=STD_RECORDS,
        degrees=DEGREE_RECORDS,
        compare_as=COMPARE_AS,
    script:
        "../../scripts/figure6.py"


rule figure7:
    input:
        curves=record_paths(PCA_RECORDS),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure7", "Dimensionality"),
    log:
        "logs/dimensionality/figure7.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=PCA_RECORDS,
        compare_as=COMPARE_AS,
    script:
        "../../scripts/figure7.py"


rule figure8:
    input:
        cur=record_paths(FIG8_CUR_RECORDS),
        fps=record_paths(FIG8_FPS_RECORDS),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure8", "Dimensionality"),
    log:
        "logs/dimensionality/figure8.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        cur=FIG8_CUR_RECORDS,
        fps=FIG8_FPS_RECORDS,
        dataset=FPS_DATASET,
        compare_as=COMPARE_AS,
    script:
        "../../scripts/figure8.py"


rule compressibility:
    input:
        record_paths(CUR_RECORDS),
    output:
        csv=reported_table("results/tables/compressibility.csv", "compressibility", "Dimensionality"),
        md="results/tables/compressibility.md",
    log:
        "logs/dimensionality/compressibility.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=CUR_RECORDS,
    script:
        "../../scripts/compressibility.py"
