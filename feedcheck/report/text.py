"""The text view of a report, for a support person to read in ten seconds."""

from __future__ import annotations

from feedcheck.codes import Issue, Severity
from feedcheck.profile import Tier
from feedcheck.report.model import ReportData

_TIER_LABEL = {
    Tier.mandatory: "Mandatory",
    Tier.strongly_recommended: "Recommended",
    Tier.useful: "Useful",
}
_MARK = {Severity.error: "ERROR", Severity.warning: "WARN ", Severity.info: "info "}


def _percent(part: int, whole: int) -> str:
    """Rounded, but never to 100% unless all are filled (299 of 300 reads 99%), nor to 0%
    unless none are (1 of 1,000 reads <1%)."""
    if not whole or not part:
        return "0%"
    if part == whole:
        return "100%"
    rounded = round(part * 100 / whole)
    return "<1%" if rounded == 0 else f"{min(rounded, 99)}%"


def _detected(report: ReportData) -> str:
    s = report.source
    parts = [s.format.upper()]
    if s.format == "csv" and s.delimiter is not None:
        parts.append("delimiter " + {"\t": "TAB", " ": "SPACE"}.get(s.delimiter, repr(s.delimiter)))
    if s.item_element:
        parts.append(f"records <{s.item_element.rsplit('/', 1)[-1]}> ({s.item_element})")
    sure = s.encoding_confidence
    confidence = f" (confidence {sure:.0%})" if sure is not None and sure < 1 else ""
    parts.append(s.encoding + (" with BOM" if s.bom else "") + confidence)
    if s.compression:
        parts.append(s.compression + (f" member {s.member}" if s.member else ""))
    return ", ".join(parts)


def _example(issue: Issue) -> str:
    bits = []
    for ex in issue.examples[:3]:
        where = f"line {ex.line}" if ex.line is not None else f"item {ex.item}"
        if ex.id:
            where += f" id {ex.id}"
        bits.append(where + (f" {ex.value!r}" if ex.value not in (None, "") else ""))
    more = issue.count - len(issue.examples[:3])
    per_item = any(ex.item is not None for ex in issue.examples)
    return "; ".join(bits) + (f"; +{more} more" if more > 0 and per_item else "")


def render_text(report: ReportData) -> str:
    out: list[str] = []
    name = report.source.name or "<input>"
    verdict = "VALID" if report.valid else "INVALID"
    noun = "item" if report.items == 1 else "items"
    out.append(f"{name}: {verdict} — {report.items:,} {noun}, profile {report.profile}")
    out.append(f"  detected: {_detected(report)}")
    for tier in Tier:
        fields = [f for f in report.fields if f.tier == tier]
        if not fields:
            continue
        present = [f for f in fields if f.column is not None]
        cells = []
        for f in fields:
            if f.column is None:
                continue
            cells.append(f"{f.field} {_percent(f.filled, report.items)}")
        line = f"  {_TIER_LABEL[tier]:<12}{len(present)}/{len(fields)} present"
        if cells:
            line += ": " + ", ".join(cells)
        out.append(line)
        missing = [f.field for f in fields if f.column is None]
        if missing:
            label = "MISSING" if tier == Tier.mandatory else "missing"
            out.append(f"  {'':<12}{label}: {', '.join(missing)}")
    counts = {sev: sum(1 for i in report.issues if i.severity == sev) for sev in Severity}
    errors, warnings, infos = (counts[s] for s in (Severity.error, Severity.warning, Severity.info))
    out.append(f"  issues: {errors} error(s), {warnings} warning(s), {infos} info")
    order = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
    # Fields with no column are already named on the tier lines above.
    listed = [i for i in report.issues if not i.code.startswith("missing-")]
    for issue in sorted(listed, key=lambda i: order[i.severity]):
        out.append(f"  {_MARK[issue.severity]} {issue.code}: {issue.message}")
        example = _example(issue)
        if example:
            out.append(f"        {example}")
    if report.unmapped_columns:
        shown = ", ".join(report.unmapped_columns[:12])
        extra = len(report.unmapped_columns) - 12
        out.append(
            f"  unmapped columns ({len(report.unmapped_columns)}): {shown}" + (f", +{extra} more" if extra > 0 else "")
        )
    return "\n".join(out) + "\n"
