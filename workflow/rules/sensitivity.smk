# Section VI.A: c-Si built in code, one dV(t) curve per (panel, representation),
# the slope table and Figures 3-5.


rule sensitivity_curve:
    output:
        "results/sensitivity/{panel}/{rep}.csv",
    params:
        params=lambda wc: rep_params(wc.rep, "sensitivity"),
        settings={k: v for k, v in SENS.items() if k != "representations"},
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        "logs/sensitivity/{panel}/{rep}.log",
    script:
        "../../scripts/sensitivity_curve.py"


rule sensitivity_slopes:
    input:
        expand("results/sensitivity/{panel}/{rep}.csv", panel=SENSITIVITY_PANELS, rep=SENSITIVITY_REPS),
    output:
        csv="results/tables/sensitivity_slopes.csv",
        md="results/tables/sensitivity_slopes.md",
    log:
        "logs/sensitivity/slopes.log",
    script:
        "../../scripts/sensitivity_slopes.py"


rule sensitivity_figures:
    input:
        curves=expand("results/sensitivity/{panel}/{rep}.csv", panel=SENSITIVITY_PANELS, rep=SENSITIVITY_REPS),
        published=OVERLAY_INPUT,
    output:
        reported_figure("figure3", "Sensitivity")
        + reported_figure("figure4", "Sensitivity")
        + reported_figure("figure5", "Sensitivity"),
    log:
        "logs/sensitivity/figures.log",
    script:
        "../../scripts/sensitivity_figures.py"
