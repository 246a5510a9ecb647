# The authors' published results (pinned, checked) and the reproduction report:
# results/reproduction.{csv,md}, every comparable number against the published one.


rule published_file:
    """One of the authors' published result files, from its pinned commit (mirror first)."""
    output:
        "data/published/{name}",
    log:
        "logs/published/{name}.log",
    wildcard_constraints:
        name="|".join(map(re.escape, PUBLISHED_FILES)),
    conda:
        "../../envs/data.yaml"
    params:
        mirror=PUB.get("mirror"),
        cache=config.get("data", {}).get("cache", "data/cache"),
    script:
        "../../scripts/published_file.py"


rule reproduction:
    input:
        table1="results/tables/table1.csv",
        sensitivity=[e["path"] for e in REPORT_SENSITIVITY],
        dimensionality=[e["path"] for e in REPORT_DIMENSIONALITY],
        regression=[e["path"] for e in REPORT_REGRESSION],
        published=PUBLISHED_INPUT,
    output:
        csv=reported_table("results/reproduction.csv", "reproduction_table", "Reproduction"),
        md=report("results/reproduction.md", caption="../report/reproduction.rst", category="Reproduction"),
    log:
        "logs/reproduction.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        compare_as=COMPARE_AS,
        not_run=PUB.get("not_run", {}),
        sensitivity=REPORT_SENSITIVITY,
        dimensionality=REPORT_DIMENSIONALITY,
        regression=REPORT_REGRESSION,
    script:
        "../../scripts/reproduction.py"
