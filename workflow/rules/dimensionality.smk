# Section VI.B: CUR, FPS and PCA per (dataset, representation); Figures 6-8 and the
# compressibility table.  A "variant" is a representation name, <degree rep>-degree<d>
# (Figure 6h, the degree sweep) or <std rep>-std (Figure 6g, the standardised columns).


rule select_features:
    input:
        lambda wc: PLAN.selection_input(wc.dataset, wc.variant),
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
        standardise=lambda wc: PLAN.standardise(wc.variant),
    script:
        "../../scripts/select_features.py"


CUR = PLAN.dimensionality_records("cur")
PCA = PLAN.dimensionality_records("pca")
FIG8_CUR = PLAN.dimensionality_records("cur", [PLAN.fps_dataset])
FIG8_FPS = PLAN.dimensionality_records("fps", [PLAN.fps_dataset])


rule figure6:
    input:
        curves=paths.record_paths(CUR),
        standardised=paths.record_paths(PLAN.std_records),
        degrees=paths.record_paths(PLAN.degree_records),
        published=PLAN.overlay_input,
    output:
        reported_figure("figure6", "Dimensionality"),
    log:
        "logs/dimensionality/figure6.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=CUR,
        standardised=PLAN.std_records,
        degrees=PLAN.degree_records,
        compare_as=PLAN.compare_as,
        classes=PLAN.class_entries,
        facts=PLAN.facts,
    script:
        "../../scripts/figure6.py"


rule figure7:
    input:
        curves=paths.record_paths(PCA),
        published=PLAN.overlay_input,
    output:
        reported_figure("figure7", "Dimensionality"),
    log:
        "logs/dimensionality/figure7.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=PCA,
        compare_as=PLAN.compare_as,
        classes=PLAN.class_entries,
        facts=PLAN.facts,
    script:
        "../../scripts/figure7.py"


rule figure8:
    input:
        cur=paths.record_paths(FIG8_CUR),
        fps=paths.record_paths(FIG8_FPS),
        published=PLAN.overlay_input,
    output:
        reported_figure("figure8", "Dimensionality"),
    log:
        "logs/dimensionality/figure8.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        cur=FIG8_CUR,
        fps=FIG8_FPS,
        dataset=PLAN.fps_dataset,
        compare_as=PLAN.compare_as,
        classes=PLAN.class_entries,
        facts=PLAN.facts,
    script:
        "../../scripts/figure8.py"


rule compressibility:
    input:
        paths.record_paths(CUR),
    output:
        **reported_table("compressibility", "Dimensionality"),
    log:
        "logs/dimensionality/compressibility.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=CUR,
    script:
        "../../scripts/compressibility.py"
