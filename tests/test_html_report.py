"""The HTML report: one self-contained page for a merchant, opened in a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html

import feedcheck
from feedcheck.cli import main
from feedcheck.report.html import ROWS_SHOWN, render_html, render_report_html

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-headless-shell") if shutil.which(name)), None)
NO_BROWSER = (
    "no headless browser: install Debian's chromium (apt-get install -y chromium; .ci/run does) to open the "
    "HTML report in a real browser"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

LOGGING = ["--enable-logging=stderr", "--v=0"]  # console messages go to stderr as INFO:CONSOLE lines
HOSTILE = (
    "id,title,link,image_link,price\n"
    'A-1,"<script>alert(1)</script> Lamp",https://x.fr/a,https://x.fr/a.jpg,10 EUR\n'
    "A-2,Chair,https://x.fr/b,https://x.fr/b.jpg,<img src=x onerror=alert(2)>\n"
    "A-3,Table,https://x.fr/c,https://x.fr/c.jpg,=HYPERLINK(1)\n"
)


def open_in_browser(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The DOM Chromium built from ``page``, and every console message it logged."""
    assert BROWSER is not None
    done = subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *LOGGING, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def test_the_page_escapes_the_feed_and_loads_nothing_from_outside(tmp_path: Path) -> None:
    feed = tmp_path / "hostile.csv"
    feed.write_text(HOSTILE, encoding="utf-8")
    page = render_report_html(feedcheck.validate(feed, issue_rows=True))
    tree = html.fromstring(page)
    assert tree.xpath("//script") == []
    assert tree.xpath("//img") == []
    assert tree.xpath("//link") == []  # no outside style sheet
    assert all(href.startswith("#") for href in tree.xpath("//a/@href"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Lamp" in page
    values = [td.text_content() for td in tree.xpath("//table[@class='examples']//td[contains(@class, 'value')]")]
    assert "<img src=x onerror=alert(2)>" in values  # shown as text, the way the merchant wrote it
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]


def test_the_page_shows_format_products_fill_rates_issues_and_their_fix(fixtures: Path) -> None:
    report = feedcheck.validate(fixtures / "codes" / "price-unparseable.csv", issue_rows=True)
    tree = html.fromstring(render_report_html(report))
    assert tree.findtext(".//h1") == "fixtures/codes/price-unparseable.csv".replace("fixtures/", str(fixtures) + "/")
    summary = tree.xpath("//section[contains(@class, 'summary')]")[0].text_content()
    assert "5 products checked against the default profile" in " ".join(summary.split())
    assert "CSV (Google text feed), delimiter ',', utf-8" in summary  # Google's attribute names
    tiers = [h.text.strip() for h in tree.xpath("//div[contains(@class, 'tier')]/h3")]
    assert tiers == ["Mandatory", "Strongly recommended", "Useful"]
    price = tree.xpath("//div[contains(@class, 'field')][span[@class='name']='price']")[0]
    assert price.xpath("string(span[@class='rate'])") == "60% (3 of 5)"
    assert "width: 60.0%" in price.xpath("string(.//span[@class='fill']/@style)")
    (issue,) = tree.xpath("//article[contains(@class, 'issue')]")
    assert issue.xpath("string(.//h3/a/@href)") == "#explain-price-unparseable"
    rows = [[td.text_content() for td in tr.xpath("td")] for tr in issue.xpath(".//tbody/tr")]
    assert rows == [["3", "2", "P002", "19,9O €"], ["5", "4", "P004", "call us"]]
    assert "Export the price as a bare number" in issue.xpath("string(.//details[@class='fix'])")
    explained = tree.xpath("//section[@id='explain-price-unparseable']")[0]
    assert explained.findtext("h1") == "price-unparseable"
    assert [h.text for h in explained.findall("h2")] == [
        "What it checks",
        "Why publishers care",
        "Example",
        "How to fix",
    ]


def test_examples_stop_at_a_cap_then_a_count(tmp_path: Path) -> None:
    rows = "".join(f"P{i},Lamp {i},https://x.fr/{i},https://x.fr/{i}.jpg,on request\n" for i in range(1, 151))
    feed = tmp_path / "many.csv"
    feed.write_text("id,title,link,image_link,price\n" + rows, encoding="utf-8")
    tree = html.fromstring(render_report_html(feedcheck.validate(feed, issue_rows=True)))
    issue = tree.xpath("//article[.//code='price-unparseable']")[0]
    assert len(issue.xpath(".//tbody/tr")) == ROWS_SHOWN == 100
    assert " ".join(issue.xpath("string(.//p[@class='more'])").split()) == "… and 50 more."
    # Without issue rows, the report's five examples, then the count.
    tree = html.fromstring(render_report_html(feedcheck.validate(feed)))
    issue = tree.xpath("//article[.//code='price-unparseable']")[0]
    assert len(issue.xpath(".//tbody/tr")) == 5
    assert " ".join(issue.xpath("string(.//p[@class='more'])").split()) == "… and 145 more."


def test_several_feeds_and_a_refused_one_in_one_page(fixtures: Path) -> None:
    sample = feedcheck.validate(fixtures / "sample_feed.csv")
    page = render_html([("a.csv", sample, ""), ("b.csv", None, "cannot use this file: The file is empty.")])
    tree = html.fromstring(page)
    assert [h.text_content() for h in tree.xpath("//h2[starts-with(@id, 'feed-')]")] == ["a.csv", "b.csv"]
    assert "This file could not be checked. cannot use this file: The file is empty." in " ".join(
        tree.xpath("string(//section[contains(@class, 'refused')])").split()
    )


def test_the_command_writes_the_page_to_a_file_or_standard_output(fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    feed = str(fixtures / "codes" / "price-zero.csv")
    written = CliRunner().invoke(main, ["validate", feed, "--format", "html", "-o", str(out)])
    assert (written.exit_code, written.output) == (1, "")
    printed = CliRunner().invoke(main, ["validate", feed, "--format", "html"])
    assert printed.output == out.read_text(encoding="utf-8")
    assert printed.output.startswith("<!DOCTYPE html>")


@pytest.mark.skipif(BROWSER is None, reason=NO_BROWSER)
def test_chromium_renders_the_page_with_no_console_message(tmp_path: Path, fixtures: Path) -> None:
    feed = tmp_path / "hostile.csv"
    feed.write_text(HOSTILE, encoding="utf-8")
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["validate", str(feed), "--format", "html", "-o", str(page)])
    assert result.exit_code == 1, result.output
    dom, console = open_in_browser(page, tmp_path)
    assert console == []
    tree = html.fromstring(dom)
    assert tree.findtext(".//h1") == str(feed)
    assert len(tree.xpath("//article[contains(@class, 'issue')]")) >= 2
    assert tree.xpath("//script") == []  # the feed's <script> stayed text
    values = [td.text_content() for td in tree.xpath("//td[contains(@class, 'value')]")]
    assert "<script>alert(1)</script> Lamp" in values


@pytest.mark.skipif(BROWSER is None, reason=NO_BROWSER)
def test_the_browser_check_would_see_an_outside_resource(tmp_path: Path) -> None:
    """The check above can fail: a page that loads a style sheet from outside logs a console error."""
    page = tmp_path / "bad.html"
    report = render_report_html(feedcheck.validate(b"id,title\n1,Lamp\n"))
    page.write_text(report.replace("</head>", '<link rel="stylesheet" href="https://example.invalid/x.css"></head>'))
    _, console = open_in_browser(page, tmp_path)
    assert len(console) == 1 and re.search(r"Loading the stylesheet .* violates", console[0])


def test_links_go_only_to_explanations_the_page_holds(fixtures: Path) -> None:
    report = feedcheck.validate(fixtures / "codes" / "empty-mandatory-value.csv")
    tree = html.fromstring(render_report_html(report))
    targets = {href[1:] for href in tree.xpath("//a/@href")}
    held = set(tree.xpath("//section[@class='explain']/@id"))
    assert targets and targets <= held
