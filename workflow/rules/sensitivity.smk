# Section VI.A: c-Si built in code, one dV(t) curve per (panel, representation),
# the slope table and Figures 3-5.

#: one record per curve: the rules pass the paths as input and the records (names + path)
#: as params, so the library learns the names from the records, never from the paths
SENSITIVITY_CURVES = [
    {"panel": p, "rep": r, "path": f"results/sensitivity/{p}/{r}.csv"}
    for p in SENSITIVITY_PANELS
    for r in SENSITIVITY_REPS
]


# one job per representation writes its six curves: the representation's set-up (library
# import, basis, compiled kernels) is paid once, not once per panel
rule sensitivity_curve:
    output:
        **{p: f"results/sensitivity/{p}/{{rep}}.csv" for p in SENSITIVITY_PANELS},
    log:
        "logs/sensitivity/{rep}.log",
    benchmark:
        bench("sensitivity_curve", "{rep}")
    conda:
        "../../envs/representations.yaml"
    threads: 1
    resources:
        mem_mb=sensitivity_mem_mb,
        runtime=lambda wc: len(SENSITIVITY_PANELS) * sensitivity_runtime(wc),
    params:
        params=lambda wc: rep_params(wc.rep, "sensitivity"),
        code=lambda wc: rep_fingerprint(wc.rep, "sensitivity"),
        settings={k: v for k, v in SENS.items() if k != "representations"},
    script:
        "../../scripts/sensitivity_curve.py"


rule sensitivity_slopes:
    input:
        [c["path"] for c in SENSITIVITY_CURVES],
    output:
        csv=reported_table("results/tables/sensitivity_slopes.csv", "sensitivity_slopes", "Sensitivity"),
        md="results/tables/sensitivity_slopes.md",
    log:
        "logs/sensitivity/slopes.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=SENSITIVITY_CURVES,
    script:
        "../../scripts/sensitivity_slopes.py"


rule sensitivity_figures:
    input:
        curves=[c["path"] for c in SENSITIVITY_CURVES],
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure3", "Sensitivity")
        + reported_figure("figure4", "Sensitivity")
        + reported_figure("figure5", "Sensitivity"),
    log:
        "logs/sensitivity/figures.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        curves=SENSITIVITY_CURVES,
    script:
        "../../scripts/sensitivity_figures.py"
