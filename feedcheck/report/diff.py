"""The comparison of two versions of a feed: the :class:`FeedDiff` model (a public contract,
``schemas/diff.schema.json``) and its text and HTML views.

``feedcheck.diff`` builds it; this module only holds the data and renders it.
"""

from __future__ import annotations

from functools import cache

import jinja2
from pydantic import BaseModel, Field

from feedcheck.codes import Example, Severity
from feedcheck.profile import Tier
from feedcheck.read.source import Source
from feedcheck.report.text import _MARK, describe_source
from feedcheck.report.text import percent as _percent


class Record(BaseModel):
    """A record set aside: not compared."""

    item: int = Field(description="1-based record number in its version")
    line: int | None = Field(None, description="1-based line where the record starts")
    id: str | None = Field(None, description="the record's id as written, null when it has none")
    kept_line: int | None = Field(
        None, description="for a duplicate: the line of the earlier record with the same id, which is compared"
    )


class SetAside(BaseModel):
    count: int = Field(description="records of this kind")
    examples: list[Record] = Field(default=[], description="the first five, in file order")


class Version(BaseModel):
    """One of the two versions compared."""

    source: Source
    items: int = Field(description="product records read")
    compared: int = Field(description="records compared: those with an id, the first record of each id")
    duplicates: SetAside = Field(
        description="records whose id (compared as feedcheck compares ids) an earlier record of this version "
        "already has: set aside, the earlier record is compared"
    )
    without_id: SetAside = Field(description="records with no id: they cannot be matched and are not compared")


class Change(BaseModel):
    """One field of one product whose normalised value changed."""

    id: str = Field(description="the product's id as written in the new version")
    field: str = Field(description="the canonical field")
    old: str | None = Field(description="the normalised value in the old version, null when empty or absent")
    new: str | None = Field(description="the normalised value in the new version, null when empty or absent")
    percent: float | None = Field(
        None,
        description="for an amount (price, regular_price, shipping_cost, ...): (new - old) / old in percent, "
        "rounded to 2 decimals; null when either value is no amount, the old one is 0, or the currency changed",
    )
    old_line: int | None = Field(None, description="line of the product in the old version")
    new_line: int | None = Field(None, description="line of the product in the new version")


class PriceMove(BaseModel):
    id: str = Field(description="the product's id as written in the new version")
    old: str = Field(description="the old price, a plain decimal")
    new: str = Field(description="the new price, a plain decimal")
    currency: str | None = Field(description="the currency of both prices")
    percent: float = Field(description="(new - old) / old in percent, rounded to 2 decimals")
    new_line: int | None = None


class FillDrop(BaseModel):
    """A field filled (with a usable value) for a smaller share of the products than before."""

    field: str
    tier: Tier
    old_filled: int
    old_items: int
    new_filled: int
    new_items: int


class IssueChange(BaseModel):
    """An issue code (for one field) that appeared, disappeared or changed its count."""

    code: str
    severity: Severity
    field: str | None = None
    old_count: int = Field(description="0 when the old version did not have it")
    new_count: int = Field(description="0 when the new version does not have it")
    message: str = Field(description="the message in the new version; in the old one for a resolved issue")
    examples: list[Example] = Field(default=[], description="the new version's examples; the old one's if resolved")


class IssueDiff(BaseModel):
    new: list[IssueChange] = Field(default=[], description="issues of the new version the old one did not have")
    resolved: list[IssueChange] = Field(default=[], description="issues of the old version the new one no longer has")
    changed: list[IssueChange] = Field(default=[], description="issues of both, with a different count")


class Summary(BaseModel):
    has_changes: bool = Field(
        description="a product was added, removed or changed, an issue appeared, disappeared or changed its "
        "count, or the number of records set aside (duplicate ids, no id) changed: the command then exits 1"
    )
    old_products: int = Field(description="products compared in the old version")
    new_products: int = Field(description="products compared in the new version")
    added: int = Field(description="products of the new version whose id the old one does not have")
    removed: int = Field(description="products of the old version whose id the new one does not have")
    changed: int = Field(description="products of both with at least one field changed")
    unchanged: int = Field(description="products of both with no field changed")
    changes: int = Field(description="(product, field) pairs whose value changed: the length of the full list")
    changes_by_field: dict[str, int] = Field(description="field -> products whose value changed, in profile order")
    prices_up: int = Field(description="products whose price went up, in the same currency")
    prices_down: int = Field(description="products whose price went down, in the same currency")
    biggest_up: list[PriceMove] = Field(description="the five biggest price rises, in percent")
    biggest_down: list[PriceMove] = Field(description="the five biggest price falls, in percent")
    fill_dropped: list[FillDrop] = Field(
        description="fields filled for a smaller share of products, biggest drop first"
    )
    issues_new: int
    issues_resolved: int
    issues_changed: int


class FeedDiff(BaseModel):
    """What changed between two versions of a feed, products matched by id."""

    summary: Summary
    old: Version
    new: Version
    profile: str
    fields: list[str] = Field(description="the canonical fields compared: those either version fills")
    limit: int | None = Field(
        description="at most this many entries are listed in added, removed and changed (null: all); "
        "the counts in summary are always complete"
    )
    added: list[str] = Field(description="ids of added products as written in the new version, in its order")
    removed: list[str] = Field(description="ids of removed products as written in the old version, in its order")
    changed: list[Change] = Field(description="every change, in the new version's product order, then profile order")
    issues: IssueDiff

    @property
    def has_changes(self) -> bool:
        return self.summary.has_changes

    def to_text(self) -> str:
        """The text view for a support person (what ``feedcheck diff`` prints)."""
        return render_text(self)

    def to_html(self) -> str:
        """A self-contained HTML page (no outside script, style or font)."""
        return render_html(self)


def diff_json_schema() -> dict[str, object]:
    """The JSON Schema of the diff, as shipped in ``schemas/diff.schema.json``."""
    schema = FeedDiff.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://feedcheck.dev/schemas/diff.schema.json"
    return schema


# ---------------------------------------------------------------------------------------- views

SHOWN_IDS = 10
SHOWN_CHANGES = 20
SHOWN_WIDTH = 60


def name_of(source: Source, which: str) -> str:
    return source.name or f"<{which}>"


def shown(value: str | None, width: int = SHOWN_WIDTH) -> str:
    """A value on one line: blanks collapsed, cut to ``width`` characters, ``(none)`` when empty."""
    if value is None:
        return "(none)"
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def percent_text(percent: float | None) -> str:
    return "" if percent is None else f" ({percent:+.1f}%)"


def _fill(drop: FillDrop) -> str:
    old, new = _percent(drop.old_filled, drop.old_items), _percent(drop.new_filled, drop.new_items)
    return f"{drop.field} {old} → {new}"


def _move(move: PriceMove) -> str:
    currency = f" {move.currency}" if move.currency else ""
    return f"{move.id} {move.old} → {move.new}{currency}{percent_text(move.percent)}"


def _ids(label: str, ids: list[str], count: int) -> str:
    head = ", ".join(ids[:SHOWN_IDS])
    more = count - min(len(ids), SHOWN_IDS)
    return f"  {label} ({count:,}): {head}" + (f", +{more:,} more" if more > 0 else "")


def _issue_lines(kind: str, change: IssueChange) -> list[str]:
    tail = f" (was {change.old_count:,})" if kind in ("more", "fewer") else ""
    lines = [f"    {kind:<9} {_MARK[change.severity]} {change.code}: {change.message}{tail}"]
    if kind != "resolved":
        bits = []
        for ex in change.examples[:3]:
            where = f"line {ex.line}" if ex.line is not None else f"item {ex.item}"
            where += f" id {ex.id}" if ex.id else ""
            bits.append(where + (f" {ex.value!r}" if ex.value not in (None, "") else ""))
        if bits:
            lines.append(f"    {'':<9}       {'; '.join(bits)}")
    return lines


def _set_aside(which: str, version: Version) -> list[str]:
    out = []
    dup = version.duplicates
    if dup.count:
        where = "; ".join(f"line {r.line} id {r.id} (first on line {r.kept_line})" for r in dup.examples[:3])
        more = f"; +{dup.count - 3:,} more" if dup.count > 3 else ""
        out.append(
            f"  {which}: {dup.count:,} record(s) repeat an earlier record's id and were not compared "
            f"(the first of each id was): {where}{more}"
        )
    none = version.without_id
    if none.count:
        where = ", ".join(str(r.line) for r in none.examples[:5])
        more = f", +{none.count - 5:,} more" if none.count > 5 else ""
        out.append(f"  {which}: {none.count:,} record(s) have no id and were not compared: line(s) {where}{more}")
    return out


def issue_rows(d: FeedDiff) -> list[tuple[str, IssueChange]]:
    """(new | resolved | more | fewer, change): new issues first, then resolved, then counts that
    moved; errors first within each."""
    order = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
    rows = []
    for kind, changes in (("new", d.issues.new), ("resolved", d.issues.resolved), ("count", d.issues.changed)):
        for change in sorted(changes, key=lambda c: order[c.severity]):
            label = kind if kind != "count" else ("more" if change.new_count > change.old_count else "fewer")
            rows.append((label, change))
    return rows


def render_text(d: FeedDiff) -> str:
    s = d.summary
    out = [
        f"{name_of(d.old.source, 'old')} → {name_of(d.new.source, 'new')}: "
        f"{'CHANGED' if s.has_changes else 'NO CHANGE'} — {s.old_products:,} → {s.new_products:,} products"
    ]
    for which, version in (("old", d.old), ("new", d.new)):
        noun = "item" if version.items == 1 else "items"
        out.append(f"  {which}: {version.items:,} {noun}, {describe_source(version.source)}")
    out.append(f"  added {s.added:,}, removed {s.removed:,}, changed {s.changed:,}, unchanged {s.unchanged:,}")
    if s.changes_by_field:
        out.append("  changes: " + ", ".join(f"{f} {n:,}" for f, n in s.changes_by_field.items()))
    if s.prices_up or s.prices_down:
        line = f"  prices: {s.prices_up:,} up, {s.prices_down:,} down"
        if s.biggest_up:
            line += f"; biggest rise {_move(s.biggest_up[0])}"
        if s.biggest_down:
            line += f"; biggest fall {_move(s.biggest_down[0])}"
        out.append(line)
    if s.fill_dropped:
        out.append("  fill rate dropped: " + ", ".join(_fill(f) for f in s.fill_dropped))
    out.append(f"  issues: {s.issues_new} new, {s.issues_resolved} resolved, {s.issues_changed} with a new count")
    for kind, change in issue_rows(d):
        out += _issue_lines(kind, change)
    out += _set_aside("old", d.old) + _set_aside("new", d.new)
    if s.added:
        out.append(_ids("added", d.added, s.added))
    if s.removed:
        out.append(_ids("removed", d.removed, s.removed))
    if s.changes:
        out.append(f"  changed ({s.changes:,} change(s) in {s.changed:,} product(s)):")
        listed = d.changed[:SHOWN_CHANGES]
        id_width = min(max(len(c.id) for c in listed), 24)
        field_width = max(len(c.field) for c in listed)
        for c in listed:
            out.append(
                f"    {c.id:<{id_width}}  {c.field:<{field_width}}  "
                f"{shown(c.old)} → {shown(c.new)}{percent_text(c.percent)}"
            )
        more = s.changes - len(listed)
        if more > 0:
            where = (
                "--format json lists them all"
                if d.limit is None or d.limit >= s.changes
                else f"--format json lists up to {d.limit:,}; --changes FILE.csv writes all"
            )
            out.append(f"    +{more:,} more ({where})")
    return "\n".join(out) + "\n"


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("feedcheck.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _percent
    env.filters["signed"] = lambda p: "" if p is None else f"{p:+.1f}%"
    return env.get_template("diff.html.j2")


def render_html(d: FeedDiff) -> str:
    """Every value escaped (autoescape); the style sheet inline."""
    return _template().render(
        d=d,
        s=d.summary,
        old_name=name_of(d.old.source, "old"),
        new_name=name_of(d.new.source, "new"),
        old_detected=describe_source(d.old.source),
        new_detected=describe_source(d.new.source),
        issue_rows=issue_rows(d),
    )


__all__ = [
    "Change",
    "FeedDiff",
    "FillDrop",
    "IssueChange",
    "IssueDiff",
    "PriceMove",
    "Record",
    "SetAside",
    "Summary",
    "Version",
    "diff_json_schema",
]
