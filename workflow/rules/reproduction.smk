# The authors' published results (pinned, checked) and the reproduction report:
# results/reproduction.{csv,md}, every comparable number against the published one.


rule published_file:
    """One of the authors' published result files, from its pinned commit (mirror first)."""
    output:
        paths.PUBLISHED,
    log:
        "logs/published/{name}.log",
    wildcard_constraints:
        name=PLAN.wildcard(PLAN.published_names),
    conda:
        "../../envs/data.yaml"
    params:
        mirror=PLAN.published.get("mirror"),
        cache=PLAN.data.get("cache", "data/cache"),
    script:
        "../../scripts/published_file.py"


rule reproduction:
    input:
        table1=paths.table_files("table1")[0],
        sensitivity=paths.record_paths(PLAN.report_sensitivity),
        dimensionality=paths.record_paths(PLAN.report_dimensionality),
        regression=paths.record_paths(PLAN.report_regression),
        published=PLAN.published_input,
    output:
        csv=report(
            paths.fill(paths.REPORT, ext="csv"), caption="../report/reproduction_table.rst", category="Reproduction"
        ),
        md=report(paths.fill(paths.REPORT, ext="md"), caption="../report/reproduction.rst", category="Reproduction"),
    log:
        "logs/reproduction.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        compare_as=PLAN.compare_as,
        not_run=PLAN.published.get("not_run", {}),
        sensitivity=PLAN.report_sensitivity,
        dimensionality=PLAN.report_dimensionality,
        regression=PLAN.report_regression,
        classes=PLAN.class_entries,
        facts=PLAN.facts,
    script:
        "../../scripts/reproduction.py"
