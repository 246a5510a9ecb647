# Section VI.A: c-Si built in code, one dV(t) curve per (panel, representation),
# the slope table and Figures 3-5.


# one job per representation writes its six curves: the representation's set-up (library
# import, basis, compiled kernels) is paid once, not once per panel
rule sensitivity_curve:
    output:
        **{p: paths.fill(paths.CURVE, panel=p) for p in paths.PANELS},
    log:
        "logs/sensitivity/{rep}.log",
    benchmark:
        bench("sensitivity_curve", "{rep}")
    priority: REQUESTS.sensitivity_priority
    conda:
        "../../envs/representations.yaml"
    threads: 1
    resources:
        mem_mb=REQUESTS.sensitivity_mem_mb,
        runtime=REQUESTS.sensitivity_runtime,
    params:
        job=lambda wc: PLAN.sensitivity_curve_job(wc.rep),
    script:
        "../../scripts/sensitivity_curve.py"


rule sensitivity_slopes:
    input:
        **PLAN.sensitivity_slopes_job().input,
    output:
        **reported_table("sensitivity_slopes", "Sensitivity"),
    log:
        "logs/sensitivity/slopes.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.sensitivity_slopes_job(),
    script:
        "../../scripts/sensitivity_slopes.py"


rule sensitivity_figures:
    input:
        **PLAN.sensitivity_figures_job().input,
    output:
        reported_figure("figure3", "Sensitivity")
        + reported_figure("figure4", "Sensitivity")
        + reported_figure("figure5", "Sensitivity"),
    log:
        "logs/sensitivity/figures.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.sensitivity_figures_job(),
    script:
        "../../scripts/sensitivity_figures.py"
