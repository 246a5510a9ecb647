"""Report cards: one page per representation of a run, from the run's own outputs.

:mod:`.verdicts` holds every rule that turns a measured number into a verdict, each with
its threshold as a named constant (docs/report-card.md states them); :mod:`.card` puts a
representation's measures together as a card (JSON, and Markdown made from it) and the
league table of a run; ``descriptor_study.stages.cards`` reads the files and writes them.
"""
