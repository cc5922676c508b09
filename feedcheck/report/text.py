"""The text view of a report, for a support person to read in ten seconds."""

from __future__ import annotations

import shutil
import sys
import textwrap
import unicodedata

from feedcheck.codes import Issue, Severity
from feedcheck.profile import Tier
from feedcheck.read.source import Source
from feedcheck.report.model import ReportData

_TIER_LABEL = {
    Tier.mandatory: "Mandatory",
    Tier.strongly_recommended: "Recommended",
    Tier.useful: "Useful",
}
_GLUE = "\ue001"  # a space no line is broken at ("gtin 40%" stays whole); a private-use character
_MARK = {Severity.error: "ERROR", Severity.warning: "WARN ", Severity.info: "info "}


def width() -> int:
    """Columns of the terminal standard output is, 80 when it is no terminal."""
    return shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80


def percent(part: int, whole: int) -> str:
    """Rounded, but never to 100% unless all are filled (299 of 300 reads 99%), nor to 0%
    unless none are (1 of 1,000 reads <1%)."""
    if not whole or not part:
        return "0%"
    if part == whole:
        return "100%"
    rounded = round(part * 100 / whole)
    return "<1%" if rounded == 0 else f"{min(rounded, 99)}%"


def detected(report: ReportData) -> str:
    return describe_source(report.source)


def describe_source(s: Source) -> str:
    """What was detected about a source, on one line: ``CSV, delimiter ';', utf-8 with BOM``; the
    published format it follows in parentheses: ``XML (Heureka), records <SHOPITEM> ...``."""
    parts = [s.format.upper() + (f" ({s.dialect_name})" if s.dialect_name else "")]
    if s.sheet is not None:  # a spreadsheet: cells, no encoding nor delimiter
        return f"{parts[0]}, sheet {s.sheet!r}"
    if s.format == "csv" and s.delimiter is not None:
        parts.append("delimiter " + {"\t": "TAB", " ": "SPACE"}.get(s.delimiter, repr(s.delimiter)))
    if s.item_element:
        parts.append(f"records <{s.item_element.rsplit('/', 1)[-1]}> ({s.item_element})")
    sure = s.encoding_confidence
    confidence = f" (confidence {sure:.0%})" if sure is not None and sure < 1 else ""
    parts.append(s.encoding + (" with BOM" if s.bom else "") + confidence)
    if s.compression:
        parts.append(s.compression + (f" member {s.member}" if s.member else ""))
    if s.above_header:
        lines = "line" if len(s.above_header) == 1 else f"{len(s.above_header)} lines"
        parts.append(f"header on line {s.header_line} ({lines} above it skipped: {s.above_header[0]!r})")
    return ", ".join(parts)


def _plain(name: str) -> str:
    """A name without case, accents or separators, to tell whether a matched name adds anything."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if c.isalnum())


def render_mapping(report: ReportData) -> str:
    """Which column feeds each field and how it was chosen, then the columns left out and why
    (``feedcheck validate --show-mapping``)."""
    out = ["  mapping (field <- column: how it was matched):"]
    for f in report.fields:
        if f.column is None:
            continue
        how = [f.matched_by or "?"]
        if f.match is not None:
            if f.match.entry and f.match.method in ("alias", "lexicon") and _plain(f.match.entry) != _plain(f.column):
                how[0] += f" '{f.match.entry}'"
            how += f.match.steps
            if f.match.evidence:
                how.append(f.match.evidence)
        if f.fallbacks:
            how.append("then " + ", ".join(repr(c) for c in f.fallbacks))
        out.append(f"    {f.field:<24} <- {f.column!r}: {'; '.join(how)}")
    for column, why in report.unmapped_reasons.items():
        out.append(f"    not mapped {column!r}: {why}")
    rest = [c for c in report.unmapped_columns if c not in report.unmapped_reasons]
    if rest:
        shown = ", ".join(repr(c) for c in rest[:12])
        more = f", +{len(rest) - 12} more" if len(rest) > 12 else ""
        out.append(f"    not mapped, no known name: {shown}{more}")
    return "\n".join(out) + "\n"


def _cut(value: str, most: int = 60) -> str:
    """A value shown in an example: at most ``most`` characters, the cut marked with an ellipsis."""
    return value if len(value) <= most else value[: most - 1] + "…"


def _examples(issue: Issue, width: int) -> list[str]:
    """The example line: up to three examples, ``; +N more``; one example a line when they do
    not fit on one."""
    bits = []
    for ex in issue.examples[:3]:
        where = f"line {ex.line:,}" if ex.line is not None else f"item {ex.item:,}"
        if ex.id:
            where += f" id {_cut(ex.id)}"
        bits.append(where + (f" {_cut(ex.value)!r}" if ex.value not in (None, "") else ""))
    if not bits:
        return []
    more = issue.count - len(issue.examples[:3])
    per_item = any(ex.item is not None for ex in issue.examples)
    tail = f"+{more:,} more" if more > 0 and per_item else ""
    line = "        " + "; ".join([*bits, tail] if tail else bits)
    if len(line) <= width:
        return [line]
    return ["        " + bit + (";" if n < len(bits) - 1 or tail else "") for n, bit in enumerate(bits)] + (
        ["        " + tail] if tail else []
    )


def _fit(line: str, width: int) -> list[str]:
    """``line`` wrapped to ``width`` columns; continuation lines are indented under its text:
    an issue's message under the code, anything else under the text after its label."""
    if len(line) <= width:
        return [line.replace(_GLUE, " ")]
    body = line.lstrip(" ")
    lead = len(line) - len(body)
    if body.startswith(tuple(_MARK.values())):
        hang = lead + 6  # under the examples
    elif body[:12].rstrip() in _TIER_LABEL.values():
        hang = lead + 12  # under the counts
    elif ": " in body[:24]:
        hang = lead + body.index(": ") + 2
    else:
        hang = lead + 2
    hang = hang if hang <= width // 2 else lead + 2
    lines = textwrap.wrap(
        body,
        width=width,
        initial_indent=" " * lead,
        subsequent_indent=" " * hang,
        break_long_words=True,
        break_on_hyphens=False,
    )
    return [ln.replace(_GLUE, " ") for ln in lines]


def fit_list(label: str, names: list[str], columns: int) -> str:
    """``label`` then the comma-separated ``names``, wrapped to ``columns``, continuation lines
    indented under the first name."""
    first = label.rsplit("\n", 1)[-1]
    body = textwrap.wrap(
        ", ".join(name.replace(" ", _GLUE) for name in names),  # a name is never cut
        width=columns,
        initial_indent=first,
        subsequent_indent=" " * len(first) if len(first) <= columns // 2 else "    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return label[: len(label) - len(first)] + "\n".join(body).replace(_GLUE, " ")


def summary(report: ReportData) -> str:
    """One line for a feed among several: name, verdict, products, issues by severity."""
    counts = {sev: sum(1 for i in report.issues if i.severity == sev) for sev in Severity}
    noun = "item" if report.items == 1 else "items"
    verdict = "VALID" if report.valid else "INVALID"
    return (
        f"{report.source.name or '<input>'}: {verdict} — {report.items:,} {noun}, "
        f"{counts[Severity.error]:,} error(s), {counts[Severity.warning]:,} warning(s), {counts[Severity.info]:,} info"
    )


def render_text(report: ReportData, *, width: int = 80, verbose: bool = False) -> str:
    """The text view: verdict, what was detected, fill rates by tier, then the issues, errors
    first. Missing mandatory fields are ERROR lines; missing useful fields are a count unless
    ``verbose``. Numbers have thousands separators; no line is wider than ``width`` columns."""
    out: list[str] = []
    name = report.source.name or "<input>"
    verdict = "VALID" if report.valid else "INVALID"
    noun = "item" if report.items == 1 else "items"
    out.append(f"{name}: {verdict} — {report.items:,} {noun}, profile {report.profile}")
    out.append(f"  detected: {detected(report)}")
    for tier in Tier:
        fields = [f for f in report.fields if f.tier == tier]
        if not fields:
            continue
        present = [f for f in fields if f.column is not None]
        cells = [f"{f.field}{_GLUE}{percent(f.filled, report.items)}" for f in present]
        line = f"  {_TIER_LABEL[tier]:<12}{len(present):,}/{len(fields):,} present"
        if cells:
            line += ": " + ", ".join(cells)
        out.append(line)
        missing = [f.field for f in fields if f.column is None]
        if not missing:
            continue
        if tier == Tier.mandatory:
            out.append(f"  {'':<12}MISSING: {', '.join(missing)}")
        elif tier == Tier.useful and not verbose:
            out.append(f"  {'':<12}missing: {len(missing):,} useful field(s) (--verbose lists them)")
        else:
            out.append(f"  {'':<12}missing: {', '.join(missing)}")
    counts = {sev: sum(1 for i in report.issues if i.severity == sev) for sev in Severity}
    errors, warnings, infos = (counts[s] for s in (Severity.error, Severity.warning, Severity.info))
    out.append(f"  issues: {errors:,} error(s), {warnings:,} warning(s), {infos:,} info")
    order = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
    # Fields with no column are named on the tier lines above; a missing mandatory one is also
    # an ERROR line, as every error is.
    listed = [i for i in report.issues if not i.code.startswith("missing-") or i.code == "missing-mandatory-field"]
    for issue in sorted(listed, key=lambda i: order[i.severity]):
        out.append(f"  {_MARK[issue.severity]} {issue.code}: {issue.message}")
        out.extend(_examples(issue, width))
    if report.unmapped_columns:
        shown = ", ".join(report.unmapped_columns[:12])
        extra = len(report.unmapped_columns) - 12
        out.append(
            f"  unmapped columns ({len(report.unmapped_columns):,}): {shown}"
            + (f", +{extra:,} more" if extra > 0 else "")
        )
    return "\n".join(wrapped for line in out for wrapped in _fit(line, width)) + "\n"
