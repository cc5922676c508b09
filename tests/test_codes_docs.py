"""Every issue code has a page, every page a code, and the two say the same thing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedcheck.cli import main
from feedcheck.codes import CODES
from feedcheck.report.markdown import to_terminal

DOCS = Path(__file__).resolve().parents[1] / "docs" / "issues"
SECTIONS = ["## What it checks", "## Why publishers care", "## Example", "## How to fix"]


def test_every_code_has_a_page_and_every_page_a_code() -> None:
    pages = {p.stem for p in DOCS.glob("*.md") if p.name != "README.md"}
    assert pages == set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_page_matches_the_code(code: str) -> None:
    text = (DOCS / f"{code}.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == f"# {code}"
    spec = CODES[code]
    assert f"**Severity:** {spec.severity.value}" in lines[2]
    assert f"**Family:** {spec.family}" in lines[2]
    positions = [text.find(section + "\n") for section in SECTIONS]
    assert all(p > 0 for p in positions), f"{code}: missing a section"
    assert positions == sorted(positions), f"{code}: sections out of order"
    for start, end in zip(positions, [*positions[1:], len(text)], strict=True):
        body = text[start:end].split("\n", 1)[1].strip()
        assert len(body) > 40, f"{code}: a section is nearly empty"


def test_index_lists_every_code() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([a-z0-9-]+)\.md\)", index))
    assert listed == set(CODES)


def test_explain_prints_the_page_as_plain_text_in_any_case() -> None:
    result = CliRunner().invoke(main, ["explain", "CSV-Ragged-Row"])
    assert result.exit_code == 0
    page = (DOCS / "csv-ragged-row.md").read_text(encoding="utf-8")
    assert result.output == to_terminal(page, color=False, width=80)
    lines = result.output.splitlines()
    assert lines[:5] == ["csv-ragged-row", "==============", "", "Severity: error · Family: structure", ""]
    assert "What it checks" in lines and "--------------" in lines
    assert "**" not in result.output and not any(line.startswith("#") for line in lines)
    assert max(len(line) for line in lines if not line.startswith("    ")) <= 80  # code blocks stay literal
    assert "    id,title,link,image_link,price" in lines
    assert "\x1b[" not in result.output


def test_explain_on_a_terminal_styles_headings_bold_and_code() -> None:
    page = (DOCS / "price-zero.md").read_text(encoding="utf-8")
    shown = to_terminal(page, color=True, width=60)
    assert shown.startswith("\x1b[1m\x1b[4mprice-zero\x1b[0m\n")
    assert "\x1b[1mSeverity:\x1b[0m error" in shown
    assert "\x1b[36m0.00\x1b[0m" in shown  # `0.00`, as code
    assert "**" not in shown and "`" not in shown
    assert "regular-price-below-price \x1b[2m(feedcheck\x1b[0m \x1b[2mexplain\x1b[0m" in shown.replace("\n", " ")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert max(len(line) for line in plain.splitlines() if not line.startswith("    ")) <= 60


def test_explain_unknown_code_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["explain", "csv-raged-row"])
    assert result.exit_code == 2
    assert "Did you mean csv-ragged-row" in result.output


def test_codes_are_stable_slugs() -> None:
    for code in CODES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", code), code


# Pages whose example input cannot be written literally in Markdown (bytes in another encoding,
# a 5,000-character value, an invisible control character): the example is described instead.
NOT_LITERAL = {
    "encoding-invalid-bytes",
    "encoding-not-utf8",
    "encoding-uncertain",  # its example is run by tests/test_encodings.py
    "description-too-long",
    "text-control-characters",
}
# Pages whose example command needs options; the page shows the same command.
OPTIONS = {
    "feed-partial": ["--max-items", "2", "--partial"],
    "missing-useful-field": ["--verbose"],
    "sale-price-outside-window": ["--today", "2026-11-29"],
    "url-too-long": ["--profile", "google"],
    "url-not-ascii": ["--profile", "google"],
    "image-format-unsupported": ["--profile", "google"],
}


@pytest.mark.parametrize("code", sorted(set(CODES) - NOT_LITERAL))
def test_page_example_prints_what_the_page_says(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (DOCS / f"{code}.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", text, re.S)
    feed = next(((kind, body) for kind, body in blocks if kind in ("csv", "xml")), None)
    assert feed is not None, f"{code}: no example input"
    path = tmp_path / f"feed.{feed[0]}"
    path.write_bytes(feed[1].encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    options = OPTIONS.get(code, [])
    assert f"feedcheck validate {' '.join([*options, path.name])}" in text, f"{code}: the page shows another command"
    result = CliRunner().invoke(main, ["validate", *options, path.name])
    printed = result.output.splitlines()
    for kind, body in blocks:
        if kind == "text":
            for line in body.splitlines():
                assert line in printed, f"{code}: the page shows {line!r}, feedcheck printed:\n{result.output}"


# Pages that say what a further option changes: (code, options, what the page says happens).
WITH_OPTIONS = [
    ("price-currency-ambiguous", ["--currency", "CAD"], "reports nothing"),
    ("price-missing-currency", ["--currency", "EUR"], "valid"),
    ("feed-currency-missing", ["--currency", "EUR"], "valid"),
]


@pytest.mark.parametrize(("code", "options", "outcome"), WITH_OPTIONS, ids=[c for c, _, _ in WITH_OPTIONS])
def test_page_example_with_the_option_it_names(
    code: str, options: list[str], outcome: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (DOCS / f"{code}.md").read_text(encoding="utf-8")
    assert f"`feedcheck validate feed.csv {' '.join(options)}`" in text
    body = next(b for kind, b in re.findall(r"```(\w+)\n(.*?)```", text, re.S) if kind == "csv")
    (tmp_path / "feed.csv").write_bytes(body.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", *options, "feed.csv", "--format", "json"])
    report = json.loads(result.output)
    assert code not in {i["code"] for i in report["issues"]}
    if outcome == "valid":
        assert report["valid"] is True
    else:
        assert not [i for i in report["issues"] if i["code"].startswith(("price-", "feed-currency", "currency-"))]
