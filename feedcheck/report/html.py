"""The HTML view of a report (``feedcheck validate --format html``): one self-contained page for
a merchant, rendered from the report model alone with Jinja2.

Everything that comes from the feed (names, ids, values, column names) is escaped by the
template engine's autoescaping; the only markup inserted as is comes from the issue pages
shipped with feedcheck, rendered by :func:`feedcheck.report.markdown.to_html` with raw HTML off.

Templates (``feedcheck/report/templates/``): ``base.html`` is the page (head, style, header,
footer) with the blocks ``title``, ``heading``, ``style`` and ``content``; ``macros.html`` holds
the pieces (``summary``, ``bar``, ``fields``, ``issues``); ``report.html`` puts them together.
Another view extends ``base.html`` the same way, through :func:`environment`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from feedcheck.codes import CODES, IssueRow, Severity, doc_page
from feedcheck.profile import Tier
from feedcheck.report.markdown import issue_anchor, to_html
from feedcheck.report.model import ReportData
from feedcheck.report.text import detected, percent

# Rows shown per issue when the report carries its issue rows; past it, a count.
ROWS_SHOWN = 100
_TIERS = {
    Tier.mandatory: "Mandatory",
    Tier.strongly_recommended: "Strongly recommended",
    Tier.useful: "Useful",
}
_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


@cache
def environment() -> Environment:
    """The Jinja2 environment of feedcheck's HTML views: the package's templates, autoescaping
    on, undefined names an error, and ``anchor(code)`` (the id of a code's explanation)."""
    env = Environment(
        loader=PackageLoader("feedcheck.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.globals["anchor"] = issue_anchor
    from importlib.metadata import PackageNotFoundError, version

    try:
        env.globals["version"] = version("feedcheck")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
        env.globals["version"] = ""
    return env


def _section(page: str, title: str) -> str:
    """One ``## title`` section of a Markdown page, without its heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", page, re.M | re.S)
    return match.group(1).strip() if match else ""


@cache
def _fix(code: str) -> Markup:
    return Markup(to_html(_section(doc_page(code), "How to fix")))


@cache
def _page(code: str) -> Markup:
    return Markup(to_html(doc_page(code)))


def _rows(report: ReportData) -> dict[tuple[str, str | None], list[IssueRow]]:
    """The report's issue rows by (code, field), at most ROWS_SHOWN each."""
    found: dict[tuple[str, str | None], list[IssueRow]] = {}
    for row in report.issue_rows or []:
        kept = found.setdefault((row.code, row.field), [])
        if len(kept) < ROWS_SHOWN:
            kept.append(row)
    return found


def _feed(report: ReportData, index: int, name: str) -> dict[str, Any]:
    items = report.items
    rows = _rows(report) if report.issue_rows is not None else None
    tiers = []
    for tier, label in _TIERS.items():
        fields = []
        for f in (f for f in report.fields if f.tier == tier):
            rate = percent(f.filled, items) if f.column is not None else "no column"
            fields.append(
                {
                    "name": f.field,
                    "tier": tier.value,
                    "column": f.column,
                    "width": 0 if f.column is None or not items else round(100 * f.filled / items, 1),
                    "rate": rate,
                    "rate_text": f"{rate} ({f.filled:,} of {items:,})" if f.column is not None else rate,
                }
            )
        if fields:
            present = sum(1 for f in fields if f["column"] is not None)
            # Useful fields with no column are named on one line, not drawn as empty bars.
            absent = [f["name"] for f in fields if f["column"] is None] if tier == Tier.useful else []
            drawn = [f for f in fields if f["name"] not in absent]
            tiers.append(
                {
                    "key": tier.value,
                    "label": label,
                    "fields": drawn,
                    "absent": absent,
                    "present": present,
                    "of": len(fields),
                }
            )
    issues = []
    # A field with no column is shown in the fields above; only a mandatory one is an issue card.
    listed = [i for i in report.issues if not i.code.startswith("missing-") or i.code == "missing-mandatory-field"]
    for issue in sorted(listed, key=lambda i: _ORDER[i.severity]):
        if rows is not None and CODES[issue.code].scope != "file":
            found = [r.model_dump() for r in rows.get((issue.code, issue.field), [])]
        else:
            found = [e.model_dump() for e in issue.examples]
        shown = [{k: ("" if v is None else f"{v:,}" if isinstance(v, int) else v) for k, v in r.items()} for r in found]
        scope = CODES[issue.code].scope
        more = issue.count - len(shown) if scope != "file" else 0
        issues.append(
            {
                "code": issue.code,
                "severity": issue.severity.value,
                "message": issue.message,
                "rows": shown,
                "more": f"{more:,}" if more > 0 else "",
                "fix": _fix(issue.code),
            }
        )
    counts = {sev.value: f"{sum(1 for i in report.issues if i.severity == sev):,}" for sev in Severity}
    return {
        "index": index,
        "name": name,
        "valid": report.valid,
        "items": items,
        "items_text": f"{items:,} product" + ("" if items == 1 else "s"),
        "profile": report.profile,
        "counts": counts,
        "detected": detected(report),
        "unmapped": report.unmapped_columns,
        "tiers": tiers,
        "issues": issues,
        "error": "",
    }


def render_html(results: list[tuple[str, ReportData | None, str]]) -> str:
    """One page for the reports of one or more feeds: ``(name, report, refusal)`` each, the
    report None (and the refusal line given) for a feed that could not be checked."""
    feeds: list[dict[str, Any]] = []
    for index, (name, report, error) in enumerate(results, start=1):
        if report is None:
            feeds.append({"index": index, "name": name, "error": error})
        else:
            feeds.append(_feed(report, index, name))
    codes = sorted({i["code"] for f in feeds if not f["error"] for i in f["issues"]}, key=list(CODES).index)
    for feed in feeds:
        for issue in feed.get("issues", []):
            issue["fix"] = _linked(issue["fix"], codes)
    title = feeds[0]["name"] if len(feeds) == 1 else f"{len(feeds)} feeds"
    page = environment().get_template("report.html")
    explanations = {code: _linked(_page(code), codes) for code in codes}
    return page.render(title=title, feeds=feeds, explanations=explanations)


_ANCHOR = re.compile(r'<a href="#explain-([a-z0-9-]+)">(.*?)</a>', re.S)


def _linked(html: Markup, codes: list[str]) -> Markup:
    """Links to the explanation of a code the page does not hold become plain text."""
    return Markup(_ANCHOR.sub(lambda m: m.group(0) if m.group(1) in codes else m.group(2), str(html)))


def render_report_html(report: ReportData) -> str:
    """The page of one report."""
    return render_html([(report.source.name or "the feed", report, "")])


def capped_rows(cap: int = ROWS_SHOWN) -> tuple[list[pl.DataFrame], Any]:
    """A sink keeping the first ``cap`` issue rows of each (code, field), and the frames it kept:
    what the HTML view shows, in bounded memory whatever the size of the feed."""
    kept: list[pl.DataFrame] = []
    seen: dict[tuple[str, str | None], int] = {}

    def sink(rows: pl.DataFrame) -> None:
        parts = []
        for (code, field), group in rows.group_by(["code", "field"], maintain_order=True):
            key = (str(code), None if field is None else str(field))
            room = cap - seen.get(key, 0)
            if room > 0:
                part = group.head(room)
                seen[key] = seen.get(key, 0) + part.height
                parts.append(part)
        if parts:
            kept.append(pl.concat(parts))

    return kept, sink


def rows_from(kept: list[pl.DataFrame]) -> list[IssueRow]:
    """The kept issue-row frames as the report's ``issue_rows``."""
    return [IssueRow.model_validate(row) for frame in kept for row in frame.iter_rows(named=True)]
