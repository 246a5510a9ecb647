"""The report cards as web pages: one page per representation and the league table.

Pure functions of the cards (:func:`.card.build_cards`) and the league table
(:func:`.card.league`): :func:`card_html` and :func:`index_html` return a page each, made
from the same measures as the JSON and Markdown cards.  A page is self-contained (inline
CSS, a small script that sorts the league table, no external resource), so it opens from
the run's directory (``file://``) without a network.  Every string from a card is escaped:
a representation may be named ``<b>`` or hold ``&``.
"""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from . import card as cardlib

INDEX_PAGE = "index.html"
#: where a sortable header shows its direction (CSS draws it from the header's aria-sort)
ARROW = '<span class="arrow" aria-hidden="true"></span>'

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
  background: #ffffff; margin: 1.5rem 2rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .4rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
nav { margin-bottom: 1rem; }
nav a { margin-right: 1.2rem; }
a { color: #0a58b3; }
a:visited { color: #6639ba; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .92em;
  background: #f3f4f6; padding: 0 .2em; border-radius: 3px; }
table { border-collapse: collapse; font-size: .92rem; }
table.card { table-layout: fixed; width: 100%; max-width: 78rem; }
table.card td { overflow-wrap: anywhere; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; font-weight: 600; }
tbody tr:nth-child(even) td { background: #f7f9fb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.missing { color: #595f66; font-style: italic; }
.rank { color: #4d5560; font-size: .85em; }
.legend { color: #3d444d; max-width: 60rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
figcaption { color: #3d444d; font-size: .9rem; }
ul.rules { font-size: .92rem; color: #3d444d; }
#league th.sortable { cursor: pointer; user-select: none; }
#league th.sortable:hover, #league th.sortable:focus { background: #dde6f0; }
#league th .arrow::after { content: "\\00a0\\2195"; color: #8c959f; }
#league th[aria-sort="ascending"] .arrow::after { content: "\\00a0\\25B2"; color: #1f2328; }
#league th[aria-sort="descending"] .arrow::after { content: "\\00a0\\25BC"; color: #1f2328; }
#league th small { display: block; font-weight: 400; color: #3d444d; }
#league .rep { position: sticky; left: 0; z-index: 1; }
#league td.rep { background: #ffffff; font-weight: 600; }
#league tbody tr:nth-child(even) td.rep { background: #f7f9fb; }
"""

# Sorts the league table on a header's click (or Enter/Space): numerically on the cells'
# data-value (the representation column alphabetically), ascending first, then toggling;
# a cell without a value (missing) stays last in both directions; ties keep the page's order.
SORTER = """
(function () {
  var table = document.getElementById("league");
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.querySelectorAll("th[data-col]"));
  Array.prototype.forEach.call(body.rows, function (row, i) { row.setAttribute("data-order", i); });
  function order(row) { return +row.getAttribute("data-order"); }
  function sort(th) {
    var col = +th.getAttribute("data-col");
    var numeric = th.getAttribute("data-type") === "number";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-value"), y = b.cells[col].getAttribute("data-value");
      var xm = x === null || x === "", ym = y === null || y === "";
      if (xm || ym) { return xm === ym ? order(a) - order(b) : (xm ? 1 : -1); }
      var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return c !== 0 ? dir * c : order(a) - order(b);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  heads.forEach(function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sort(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(th); }
    });
  });
})();
"""


def esc(value: Any) -> str:
    """``value`` as text safe in an HTML element or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _code(text: str) -> str:
    """``text`` escaped, its `backticked` parts as <code> (the cards' own Markdown)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


def _plain(value: Any) -> str:
    """A value as the Markdown card shows it (:func:`.card.show`), without its table escape."""
    return cardlib.show(value).replace("\\|", "|")


def embedded_png(path: str | os.PathLike) -> str | None:
    """The PNG at ``path`` as a ``data:`` URI, so the page needs no file beside it (it opens
    alone, and inside ``snakemake --report``); None where there is no such file."""
    path = Path(path)
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def href(name: str) -> str:
    """A file next to the page as a relative link (percent-encoded, then escaped)."""
    return esc(quote(name, safe=""))


def _page(title: str, body: str, script: str = "") -> str:
    js = f"<script>{script}</script>\n" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n{js}</body>\n</html>\n"
    )


def _value(m: Mapping[str, Any]) -> str:
    unit = f" {m['unit']}" if m["unit"] and m["value"] is not None else ""
    return esc(_plain(m["value"]) + unit)


def _rank(m: Mapping[str, Any]) -> str:
    return f"{m['rank']} of {m['of']}" if m["rank"] else "—"


def _row(m: Mapping[str, Any]) -> str:
    where = esc(_plain(m["where"]))
    name = f'<td title="{esc(m["rule"])}">{esc(m["measure"])}</td>'
    if m["missing"]:
        why = f"{m['missing']['stage']}: {m['missing']['why']}"
        return (
            f'<tr class="missing">{name}<td>{where}</td><td>missing</td><td>{_code(why)}</td><td>—</td><td>—</td></tr>'
        )
    detail = cardlib._detail(m)
    detail = _code(detail.replace("\\|", "|")) if detail else "—"
    numeric = isinstance(m["value"], int | float) and not isinstance(m["value"], bool)
    num = ' class="num"' if numeric else ""
    return (
        f"<tr>{name}<td>{where}</td><td{num}>{_value(m)}</td><td>{_code(_plain(m['verdict']))}</td>"
        f'<td class="num">{esc(_rank(m))}</td><td>{detail}</td></tr>'
    )


# the card's six columns, the same widths in every test's table
COLUMNS = "<colgroup>" + "".join(f'<col style="width: {w}%">' for w in (14, 13, 20, 25, 8, 20)) + "</colgroup>"


def card_html(card: Mapping[str, Any], figure: str | None) -> str:
    """One representation's card as a page: a section per test (measure, where, value,
    verdict, rank, detail; a missing measure names its stage and why), the card's figure
    ``figure`` (a file next to the page, or a ``data:`` URI of :func:`embedded_png`; None:
    no figure), the rules, and links to the
    league table and the card's Markdown and JSON."""
    rep = str(card["representation"])
    parts = [
        "<nav>"
        f'<a href="{href(INDEX_PAGE)}">← League table</a>'
        f'<a href="{href(rep + ".md")}">This card as Markdown</a>'
        f'<a href="{href(rep + ".json")}">as JSON</a>'
        "</nav>",
        f"<h1>Report card: {esc(rep)}</h1>",
    ]
    if figure:
        src = esc(figure) if figure.startswith("data:") else href(figure)
        parts.append(
            f'<figure><img src="{src}" alt="{esc(rep)}: its curves, one small panel each">'
            f"<figcaption>{esc(rep)}: its curves, one small panel each</figcaption></figure>"
        )
    for test in cardlib.TESTS:
        ms = [m for m in card["measures"] if m["test"] == test]
        if not ms:
            continue
        rows = "\n".join(_row(m) for m in ms)
        parts.append(
            f'<section id="{esc(test.replace(" ", "-"))}"><h2>{esc(test.capitalize())}</h2>\n'
            f'<table class="card">{COLUMNS}\n'
            "<thead><tr><th>measure</th><th>where</th><th>value</th><th>verdict</th><th>rank</th>"
            f"<th>detail</th></tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table></section>"
        )
    names = dict.fromkeys(m["measure"] for m in card["measures"])
    rules = "\n".join(f"<li>{esc(n)}: {_code(cardlib.RULES[n])}</li>" for n in names if cardlib.RULES.get(n))
    parts.append(f'<section id="rules"><h2>Rules</h2>\n<ul class="rules">\n{rules}\n</ul></section>')
    return _page(f"Report card: {rep}", "\n".join(parts))


def _columns(cards: Mapping[str, Mapping[str, Any]], league: pd.DataFrame) -> list[dict]:
    """The league's measure columns, each with its test, measure, where and unit (from the cards)."""
    first: dict[str, Mapping[str, Any]] = {}
    for card in cards.values():
        for m in card["measures"]:
            first.setdefault(cardlib.key(m), m)
    out = []
    for col in league.columns[1:]:
        m = first.get(col)
        units = {c["unit"] for card in cards.values() for c in card["measures"] if cardlib.key(c) == col}
        units.discard(None)
        out.append(
            {
                "key": col,
                "test": m["test"] if m else col.split(":")[0],
                "measure": m["measure"] if m else col,
                "where": m["where"] if m else None,
                "unit": units.pop() if len(units) == 1 else None,
            }
        )
    return out


def _cell(card: Mapping[str, Any] | None, col: str) -> str:
    found = [m for m in (card or {}).get("measures", []) if cardlib.key(m) == col and m["measure"] in cardlib.LEAGUE]
    if not found:
        return '<td class="num missing" data-value="">—</td>'
    m = found[0]
    if m["missing"]:
        why = f"{m['missing']['stage']}: {m['missing']['why']}"
        return f'<td class="num missing" data-value="" title="{esc(why)}">missing</td>'
    number = cardlib._num(m["value"])
    value = "" if number is None else repr(number)
    rank = f' <span class="rank">#{esc(m["rank"])}</span>' if m["rank"] else ""
    return f'<td class="num" data-value="{esc(value)}">{esc(_plain(m["value"]))}{rank}</td>'


def index_html(cards: Mapping[str, Mapping[str, Any]], league: pd.DataFrame) -> str:
    """The league table as a page: one row per representation (its name links to its
    card's page), one column per compared measure (the value and its rank); a header's
    click sorts the rows on that column's values, missing cells last; a legend, and links
    to league.csv and league.md."""
    columns = _columns(cards, league)
    groups: list[list] = []
    for c in columns:
        if groups and groups[-1][0] == c["test"]:
            groups[-1][1] += 1
        else:
            groups.append([c["test"], 1])
    top = "".join(f'<th colspan="{n}">{esc(test.capitalize())}</th>' for test, n in groups)
    heads = []
    for i, c in enumerate(columns, start=1):
        sub = " · ".join(_plain(x) for x in (c["where"], c["unit"]) if x)
        small = f"<small>{esc(sub)}</small>" if sub else ""
        heads.append(
            f'<th class="sortable" data-col="{i}" data-type="number" title="{esc(c["key"])}">'
            f"{esc(c['measure'])}{ARROW}{small}</th>"
        )
    rows = []
    for rep in league["representation"].astype(str):
        card = cards.get(rep)
        cells = "".join(_cell(card, c["key"]) for c in columns)
        name = f'<td class="rep" data-value="{esc(rep)}"><a href="{href(rep + ".html")}">{esc(rep)}</a></td>'
        rows.append(f"<tr>{name}{cells}</tr>")
    body = "\n".join(
        [
            "<h1>League table</h1>",
            '<p class="legend">One row per representation (its name opens its report card), one column per '
            'compared measure. Each cell: the value, and <span class="rank">#rank</span> among the run\'s '
            "representations (1: the smallest value; equal values share a rank). <em>missing</em>: the stage "
            "that makes the number did not run for it (hover for why). Click a column's header to sort the rows "
            "by its values; click again to reverse; missing cells stay last.</p>",
            f'<nav><a href="{href("league.csv")}">league.csv</a><a href="{href("league.md")}">league.md</a></nav>',
            '<table id="league">',
            "<thead>",
            '<tr><th class="sortable rep" rowspan="2" data-col="0" data-type="text">'
            f"representation{ARROW}</th>{top}</tr>",
            f"<tr>{''.join(heads)}</tr>",
            "</thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
        ]
    )
    return _page("League table", body, SORTER)
