# Table I: non-zero and full feature counts per (representation, dataset).

#: one record per representation file: the rule passes the paths as input and the records
#: (names + path) as params, so the library learns the names from the records
TABLE1_FILES = [
    {"dataset": d, "rep": r, "path": f"results/representations/{d}/{r}.h5"} for d in DATASETS for r in REPRESENTATIONS
]


rule table1:
    input:
        [f["path"] for f in TABLE1_FILES],
    output:
        csv=reported_table("results/tables/table1.csv", "table1", "Table I"),
        md="results/tables/table1.md",
    log:
        "logs/tables/table1.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        files=TABLE1_FILES,
    script:
        "../../scripts/table1.py"
