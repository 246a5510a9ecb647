# Table I: non-zero and full feature counts per (representation, dataset).


rule table1:
    input:
        REPRESENTATION_FILES,
    output:
        csv="results/tables/table1.csv",
        md="results/tables/table1.md",
    log:
        "logs/tables/table1.log",
    script:
        "../../scripts/table1.py"
