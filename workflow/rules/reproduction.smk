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
        job=lambda wc: PLAN.published_file_job(wc.name),
    script:
        "../../scripts/published_file.py"


rule reproduction:
    input:
        **PLAN.reproduction_job().input,
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
        job=PLAN.reproduction_job(),
    script:
        "../../scripts/reproduction.py"
