# Report cards: one page per representation (results/cards/<rep>.{json,md}) and the league
# table, from the run's own tables, curves and benchmarks (descriptor_study.cards).


rule card_norms:
    input:
        paths.REPRESENTATION,
    output:
        paths.CARD_NORMS,
    log:
        "logs/cards/norms/{dataset}/{rep}.log",
    benchmark:
        bench("card_norms", "{dataset}/{rep}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        # the whole matrix is read: the selection jobs' request covers it
        mem_mb=REQUESTS.selection_mem_mb,
    script:
        "../../scripts/card_norms.py"


rule card_invariance:
    output:
        paths.CARD_INVARIANCE,
    log:
        "logs/cards/invariance/{rep}.log",
    benchmark:
        bench("card_invariance", "{rep}")
    conda:
        "../../envs/representations.yaml"
    params:
        rep=lambda wc: wc.rep,
        entry=lambda wc: PLAN.config["representations"][wc.rep] or {},
        code=lambda wc: PLAN.rep_fingerprint(wc.rep),
    script:
        "../../scripts/card_invariance.py"


rule cards:
    input:
        PLAN.card_input_files,
    output:
        PLAN.card_files,
    log:
        "logs/cards/cards.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        inputs=PLAN.card_inputs,
    script:
        "../../scripts/cards.py"
