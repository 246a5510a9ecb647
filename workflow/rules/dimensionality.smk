# Section VI.B: CUR, FPS and PCA per (dataset, representation); Figures 6-8 and the
# compressibility table.  A "variant" is a representation name, ACE-degree<d> (Figure 6h)
# or MBTR-std (Figure 6g's standardised MBTR).


def selection_input(wc):
    if wc.variant == "MBTR-std":
        return f"results/representations/{wc.dataset}/MBTR.h5"
    return f"results/representations/{wc.dataset}/{wc.variant}.h5"


rule select_features:
    input:
        selection_input,
    output:
        "results/dimensionality/{method}/{dataset}/{variant}.csv",
    params:
        standardise=lambda wc: wc.variant == "MBTR-std",
    wildcard_constraints:
        variant="[A-Za-z0-9_.-]+",
    threads: THREADS
    resources:
        mem_mb=8000,
        runtime=60,
    log:
        "logs/dimensionality/{method}/{dataset}/{variant}.log",
    script:
        "../../scripts/select_features.py"


def dimensionality_curves(method, datasets=None):
    return expand(
        f"results/dimensionality/{method}/{{dataset}}/{{rep}}.csv",
        dataset=datasets or DATASETS,
        rep=REPRESENTATIONS,
    )


rule figure6:
    input:
        curves=dimensionality_curves("cur"),
        mbtr_std=[f"results/dimensionality/cur/{MBTR_STD_DATASET}/MBTR-std.csv"] if MBTR_STD_DATASET else [],
        ace_degrees=expand(
            "results/dimensionality/cur/{dataset}/ACE-degree{degree}.csv",
            dataset=[ACE_DEGREE_DATASET] if ACE_DEGREES else [],
            degree=ACE_DEGREES,
        ),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure6", "Dimensionality"),
    params:
        compare_as=COMPARE_AS,
    log:
        "logs/dimensionality/figure6.log",
    script:
        "../../scripts/figure6.py"


rule figure7:
    input:
        curves=dimensionality_curves("pca"),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure7", "Dimensionality"),
    params:
        compare_as=COMPARE_AS,
    log:
        "logs/dimensionality/figure7.log",
    script:
        "../../scripts/figure7.py"


rule figure8:
    input:
        cur=dimensionality_curves("cur", [FPS_DATASET]),
        fps=dimensionality_curves("fps", [FPS_DATASET]),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure8", "Dimensionality"),
    params:
        dataset=FPS_DATASET,
        compare_as=COMPARE_AS,
    log:
        "logs/dimensionality/figure8.log",
    script:
        "../../scripts/figure8.py"


rule compressibility:
    input:
        dimensionality_curves("cur"),
    output:
        csv="results/tables/compressibility.csv",
        md="results/tables/compressibility.md",
    log:
        "logs/dimensionality/compressibility.log",
    script:
        "../../scripts/compressibility.py"
