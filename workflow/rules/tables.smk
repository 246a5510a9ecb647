# Table I: non-zero and full feature counts per (representation, dataset).


rule table1:
    input:
        **PLAN.table1_job().input,
    output:
        **reported_table("table1", "Table I"),
    log:
        "logs/tables/table1.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        job=PLAN.table1_job(),
    script:
        "../../scripts/table1.py"
