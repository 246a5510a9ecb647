"""How well a run reproduces the paper: every comparable number against the authors'
published results, with a tolerance fixed in advance and a verdict.

One module a concern: ``metrics`` (the numbers of one curve), ``tolerances``, ``cells``
(one row per compared number), ``reasons`` (the known reasons matched to cells), ``report``
(the whole comparison, its summary and Markdown) and ``names`` (which published dataset a
name of ours stands for).

One row per compared cell (``results/reproduction.csv``): item, figure (or table),
representation, dataset (the published name), metric, published, ours, tolerance,
verdict, reason.  Verdicts: ``agree``, ``differ``, ``not run`` (the published value exists
but this run did not compute ours) and ``no counterpart`` (a dataset of this run that
stands for no published one, such as the demo sets).

The tolerances are ``tolerances.TOLERANCES``; docs/reproduction.md states them and why.
They were fixed before any comparison was looked at and are never tuned per cell.  A cell
that differs keeps its verdict; ``deviations.yaml`` beside this package gives the reason
found for it (the authors' code, the libraries of 2020, the paper), and the same file
notes where an agreeing cell needed one of the authors' settings.
"""
