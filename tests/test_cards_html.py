"""The report cards as web pages (descriptor_study.cards.html): the pages of a real run of
config/ci.yaml, read as HTML, and opened in a real browser (Debian's Chromium, headless,
driven over the DevTools protocol on a pipe: the page's own script runs)."""

from __future__ import annotations

import base64
import contextlib
import copy
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
import yaml

from descriptor_study.cards import card as cardlib
from descriptor_study.cards import html as cardhtml
from descriptor_study.plan import Plan
from descriptor_study.representations import registry

REPO = Path(__file__).resolve().parents[1]
CI = REPO / "config/ci.yaml"
CARDS = "results/cards"

pytestmark = pytest.mark.xdist_group("ci_cards")


@pytest.fixture
def ci_cards(ci_run):
    return ci_run


def _plan() -> Plan:
    config = yaml.safe_load(CI.read_text())
    return Plan(config, registry.classes_of(config["representations"]))


class Page(HTMLParser):
    """A page's links, images, start tags and table rows (each cell's text)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.links, self.images, self.tags, self.rows = [], [], [], []
        self._row = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "a":
            self.links.append(attrs["href"])
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _markdown_rows(md: str) -> list[list[str]]:
    """The measure rows of a Markdown card, cell by cell, as a reader sees them."""
    rows = []
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith(("| measure |", "|---")):
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            rows.append([c.strip().replace("\\|", "|").replace("`", "") for c in cells])
    return rows


# --- the pages, as HTML -------------------------------------------------------------------------


def test_the_cards_job_writes_a_page_per_card_and_the_league_page_linking_only_to_its_files(ci_cards):
    plan = _plan()
    cards_dir = ci_cards / CARDS
    written = {Path(f).name for f in plan.card_files}
    assert {f"{r}.html" for r in plan.representations} | {"index.html"} <= written
    assert all((ci_cards / f).is_file() for f in plan.card_files)
    for name in sorted(n for n in written if n.endswith(".html")):
        page = Page((cards_dir / name).read_text())
        assert page.links, name
        for target in page.links:
            assert unquote(target) in written, (name, target)
        # a card's page shows its own figure, embedded: the page needs no file beside it
        if name != "index.html":
            assert page.images == [_data_uri(cards_dir / name.replace(".html", ".png"))], name
        else:
            assert page.images == [], name
        assert "http" not in "".join(page.links) and "<link" not in (cards_dir / name).read_text()
    league = pd.read_csv(cards_dir / "league.csv")
    index = Page((cards_dir / "index.html").read_text())
    body = index.rows[2:]  # two header rows: the tests, then the measures
    assert [r[0] for r in body] == league["representation"].tolist() == plan.representations
    assert [f"{r}.html" for r in plan.representations] == [t for t in index.links if t.endswith(".html")]
    assert {"league.csv", "league.md"} <= set(index.links)
    text = (cards_dir / "index.html").read_text()
    for column in league.columns[1:]:
        assert f'title="{cardhtml.esc(column)}"' in text
    # every cell of the league: its value (as the CSV shows it) or missing, in the same place
    for row, (_, expected) in zip(body, league.iterrows(), strict=True):
        assert len(row) == len(league.columns)
        for cell, want in zip(row[1:], expected.iloc[1:], strict=True):
            if want in ("missing", "—"):
                assert cell == want
            else:
                value, rank = re.fullmatch(r"(.+) \((.+)\)", want).groups()
                assert cell == (value if rank == "—" else f"{value} #{rank}")


def test_every_measure_of_a_card_is_on_its_page_as_on_its_markdown_card(ci_cards):
    cards_dir = ci_cards / CARDS
    for rep in _plan().representations:
        card = json.loads((cards_dir / f"{rep}.json").read_text())
        page = Page((cards_dir / f"{rep}.html").read_text())
        rows = [r for r in page.rows if r != ["measure", "where", "value", "verdict", "rank", "detail"]]
        assert len(rows) == len(card["measures"])
        assert rows == _markdown_rows((cards_dir / f"{rep}.md").read_text())
        for m, row in zip(card["measures"], rows, strict=True):
            assert row[0] == m["measure"]
            if m["missing"]:
                assert row[2:4] == ["missing", f"{m['missing']['stage']}: {m['missing']['why']}".replace("`", "")]
            elif m["rank"]:
                assert row[4] == f"{m['rank']} of {m['of']}"
    mbtr = Page((cards_dir / "MBTR.html").read_text())
    assert ["slope", "fig4", "missing", "sensitivity: not configured for MBTR (sensitivity.representations "
            "does not list it)", "—", "—"] in mbtr.rows  # fmt: skip


def test_a_name_or_text_with_markup_is_escaped_on_both_pages(ci_cards):
    card = copy.deepcopy(json.loads((ci_cards / CARDS / "ACSF.json").read_text()))
    name = "<b>Al&Cu</b>"
    card["representation"] = name
    card["measures"][0]["verdict"] = "<script>alert(1)</script> & more"
    cards = {name: card, "MBTR": json.loads((ci_cards / CARDS / "MBTR.json").read_text())}
    for text in (cardhtml.card_html(card, None), cardhtml.index_html(cards, cardlib.league(cards))):
        page = Page(text)
        assert "b" not in page.tags and page.tags.count("script") <= 1
        assert "&lt;b&gt;Al&amp;Cu&lt;/b&gt;" in text
        assert "%3Cb%3EAl%26Cu%3C%2Fb%3E" in text  # its files' links: percent-encoded
    page = Page(cardhtml.card_html(card, None))
    assert f"{name}.md" in [unquote(t) for t in page.links] and f"{name}.json" in [unquote(t) for t in page.links]
    assert any(r[3] == "<script>alert(1)</script> & more" for r in page.rows)
    index = Page(cardhtml.index_html(cards, cardlib.league(cards)))
    assert [r[0] for r in index.rows[2:]] == [name, "MBTR"]
    assert f"{name}.html" in [unquote(t) for t in index.links]


def _data_uri(png: Path) -> str:
    """The PNG at ``png`` as the data URI a page embeds (decoded independently of the module)."""
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def test_a_page_embeds_its_figure_and_a_missing_figure_is_left_out(ci_cards, tmp_path):
    card = json.loads((ci_cards / CARDS / "ACSF.json").read_text())
    png = ci_cards / CARDS / "ACSF.png"
    uri = cardhtml.embedded_png(png)
    assert uri == _data_uri(png) and base64.b64decode(uri.split(",", 1)[1]) == png.read_bytes()
    assert Page(cardhtml.card_html(card, uri)).images == [uri]
    assert cardhtml.embedded_png(tmp_path / "none.png") is None
    assert Page(cardhtml.card_html(card, None)).images == []
    # a file name (a figure beside the page) is a relative link
    assert Page(cardhtml.card_html(card, "A B.png")).images == ["A%20B.png"]


# --- the pages in a browser ---------------------------------------------------------------------


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (``--remote-debugging-pipe``: it reads commands on fd 3 and writes on fd 4, each a JSON
    message ended by a NUL byte)."""

    def __init__(self, exe: str, profile: Path):
        to_browser, self._in = os.pipe()
        self._out, from_browser = os.pipe()
        # the browser's ends above fd 9, so that making them its fds 3 and 4 cannot clash
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser)]
        os.close(to_browser)
        os.close(from_browser)
        to_browser, from_browser = high
        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # the pipe's two ends become the browser's fds 3 and 4 (bash: dash takes single-digit fds only)
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_browser} 4>&{from_browser}', "bash", exe, *args],
            pass_fds=(to_browser, from_browser),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._events, self._id = b"", [], 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._out], [], [], 120)
            chunk = os.read(self._out, 1 << 20) if ready else b""
            if not chunk:
                raise RuntimeError(f"Chromium stopped answering (exit code {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._in, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self._events.append(answer)

    def wait_for(self, event: str) -> dict:
        while True:
            for i, e in enumerate(self._events):
                if e.get("method") == event and e.get("sessionId") == self.session:
                    return self._events.pop(i)
            self._events.append(self._message())

    def open(self, path: Path) -> None:
        self._events.clear()
        self.call("Page.navigate", session=True, url=path.as_uri())
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (pressed, released) in the middle of the element ``selector``."""
        box = self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView();"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent", session=True, type=kind, x=box[0], y=box[1], button="left", clickCount=1
            )

    def screenshot(self, path: Path) -> None:
        """The whole page (its full width and height) as a PNG."""
        self.js("window.scrollTo(0, 0)")
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=800, deviceScaleFactor=1,
                  mobile=False)  # fmt: skip
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        width, height = max(1280, int(size["width"]) + 1), max(400, int(size["height"]) + 1)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height, deviceScaleFactor=1,
                  mobile=False)  # fmt: skip
        shot = self.call("Page.captureScreenshot", session=True, format="png")
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # it may close the pipe before answering
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._in)
        os.close(self._out)


@pytest.fixture(scope="module")
def chromium_exe() -> str:
    """Debian's Chromium (module scope: a test without it skips before the run is made)."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Chromium not installed: apt-get install chromium")
    return exe


@pytest.fixture
def chromium(chromium_exe, tmp_path):
    browser = Chromium(chromium_exe, tmp_path / "profile")
    yield browser
    browser.close()


PAGE_CHECK = """(() => ({
  images: Array.from(document.images).map(i => [i.getAttribute("src"), i.complete, i.naturalWidth]),
  links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
}))()"""

ORDER = "Array.from(document.querySelectorAll('#league tbody tr')).map(r => r.cells[0].textContent)"


def _check_page(browser: Chromium, page: Path) -> dict:
    browser.open(page)
    found = browser.js(PAGE_CHECK)
    for src, complete, width in found["images"]:
        assert complete and width > 0, f"{page.name}: image {src} did not load"
    for url in found["links"]:
        target = Path(unquote(urlparse(url).path))
        assert url.startswith("file://") and target.parent == page.parent and target.is_file(), (page.name, url)
    return found


def _expected_order(league: pd.DataFrame, column: str, ascending: bool) -> list[str]:
    """The rows sorted on ``column`` by their rank (the order of their values), equal ranks
    in the table's order, missing cells last."""
    ranked, missing = [], []
    for i, (rep, cell) in enumerate(zip(league["representation"], league[column], strict=True)):
        found = re.fullmatch(r"\S+ \((\d+)\)", cell)
        if found:
            ranked.append(((int(found[1]) if ascending else -int(found[1])), i, rep))
        else:
            missing.append(rep)
    return [rep for *_, rep in sorted(ranked)] + missing


def _text_order_differs(league: pd.DataFrame, column: str) -> bool:
    """Whether ``column``'s values in their rank order differ from their order as text."""
    cells = [re.fullmatch(r"(\S+) \((\d+)\)", c) for c in league[column]]
    found = [(int(c[2]), c[1]) for c in cells if c]
    return [v for _, v in sorted(found)] != sorted(v for _, v in found)


def test_the_pages_in_chromium_load_link_and_sort(chromium_exe, ci_cards, chromium, tmp_path, monkeypatch):
    from descriptor_study.stages.cards import cards

    plan = _plan()
    # the cards job's pages, each card with its figure
    root = tmp_path / "run"
    (root / CARDS).mkdir(parents=True)
    with monkeypatch.context() as m:
        m.chdir(ci_cards)
        cards(plan.cards_job(), root=root)
    shots = Path(os.environ.get("CARDS_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)

    card = _check_page(chromium, root / CARDS / "ACSF.html")
    assert [(src, done) for src, done, _ in card["images"]] == [(_data_uri(root / CARDS / "ACSF.png"), True)]
    assert card["images"][0][2] > 0  # decoded: its natural width
    assert {Path(unquote(urlparse(u).path)).name for u in card["links"]} == {"index.html", "ACSF.md", "ACSF.json"}
    chromium.screenshot(shots / "card-ACSF.png")

    index = root / CARDS / "index.html"
    found = _check_page(chromium, index)
    assert {Path(unquote(urlparse(u).path)).name for u in found["links"]} == {
        *(f"{r}.html" for r in plan.representations),
        "league.csv",
        "league.md",
    }
    league = pd.read_csv(root / CARDS / "league.csv")
    assert chromium.js(ORDER) == league["representation"].tolist()
    # a column with a missing cell (MBTR is outside the sensitivity study), and one whose
    # values sort otherwise as text ("178" before "76"): the sort must be numeric
    with_missing = "sensitivity: blind spots (fig4)"
    assert "missing" in league[with_missing].tolist()
    as_text = [c for c in league.columns[1:] if _text_order_differs(league, c)]
    assert as_text, "no column of the run's league sorts otherwise as text"
    for column in (with_missing, as_text[0]):
        selector = f'#league th[title="{column}"]'
        for ascending in (True, False, True):
            chromium.click(selector)
            assert chromium.js(ORDER) == _expected_order(league, column, ascending), (column, ascending)
            direction = chromium.js(f"document.querySelector({json.dumps(selector)}).getAttribute('aria-sort')")
            assert direction == ("ascending" if ascending else "descending")
    chromium.click(selector)  # descending on the numeric column: the page as screenshot
    chromium.screenshot(shots / "index.png")
    print(f"screenshots of the pages: {shots}")
