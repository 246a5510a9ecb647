# Report cards: one page per representation (results/cards/<rep>.{json,md}) and the league
# table, from the run's own tables, curves and benchmarks (descriptor_study.cards).


rule card_part:
    input:
        # the representation's file of every dataset, by dataset name
        unpack(lambda wc: {d: paths.fill(paths.REPRESENTATION, dataset=d, rep=wc.rep) for d in PLAN.datasets}),
    output:
        paths.CARD_PART,
    log:
        "logs/cards/parts/{rep}.log",
    benchmark:
        bench("card_part", "{rep}")
    conda:
        "../../envs/representations.yaml"
    resources:
        # every dataset's matrix is read, one at a time: the selection jobs' request covers it
        mem_mb=REQUESTS.selection_mem_mb,
    params:
        rep=lambda wc: wc.rep,
        entry=lambda wc: PLAN.rep_entry(wc.rep),
        code=lambda wc: PLAN.rep_fingerprint(wc.rep),
    script:
        "../../scripts/card_part.py"


rule cards:
    input:
        PLAN.card_input_files,
    output:
        reported_cards(PLAN.card_files),
    log:
        "logs/cards/cards.log",
    benchmark:
        bench("cards", "all")
    conda:
        "../../envs/analysis.yaml"
    # the last job of a run, alone: two processes draw the cards' figures
    threads: 2
    params:
        inputs=PLAN.card_inputs,
    script:
        "../../scripts/cards.py"
