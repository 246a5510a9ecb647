# Table I: non-zero and full feature counts per (representation, dataset).


rule table1:
    input:
        paths.record_paths(PLAN.representation_files),
    output:
        **reported_table("table1", "Table I"),
    log:
        "logs/tables/table1.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        files=PLAN.representation_files,
        classes=PLAN.class_entries,
        facts=PLAN.facts,
    script:
        "../../scripts/table1.py"
