"""What every check family shares: the canonical frame's layout, rules and the engine.

A family module exposes ``derive(ctx) -> list[pl.Expr]`` (helper columns, computed once, that
later stages such as the writers reuse) and ``rules(ctx) -> list[Rule]``. A rule is a boolean
polars expression over whole columns: true for every item it hits. The engine evaluates every
mask in one ``select`` (polars runs them in parallel) and builds one issue per rule that hits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

import polars as pl

from feedcheck.codes import CODES, ROW_COLUMNS, Example, Issue
from feedcheck.map.canonical import ITEM, columns_matching, helper
from feedcheck.map.columns import ColumnMapping
from feedcheck.profile import FieldSpec, Profile
from feedcheck.read.csv_reader import LINE
from feedcheck.read.xml_reader import MULTI_SEP

EXAMPLES = 5

# Receives issue rows, a frame with the columns ROW_COLUMNS (item, line, id, field, code,
# severity, value), batch by batch: whatever it keeps is its own business (a file, a list).
IssueSink = Callable[[pl.DataFrame], None]
ROW_SCHEMA: dict[str, pl.DataType] = {
    "item": pl.Int64(),
    "line": pl.Int64(),
    "id": pl.String(),
    "field": pl.String(),
    "code": pl.String(),
    "severity": pl.String(),
    "value": pl.String(),
}
assert tuple(ROW_SCHEMA) == ROW_COLUMNS


def utc_today() -> date:
    """The current date in UTC: "today" when the caller sets none."""
    return datetime.now(UTC).date()


@dataclass
class Context:
    """What every rule may know besides an item's own row: the profile, which fields have a
    column, and feed-level facts decided up front (from the caller, the header, the feed's format,
    or the first :data:`~feedcheck.limits.SAMPLE_ITEMS` records)."""

    profile: Profile
    present: frozenset[str]  # canonical fields that have a column
    currency: str | None = None  # the caller's default currency (ISO 4217)
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> its (first) source column
    several: set[str] = field(default_factory=set)  # fields given several values by some record
    # field -> ISO 4217 code its column's name gives ("Price (EUR)"); used after the value's own currency
    header_currencies: dict[str, str] = field(default_factory=dict)
    # field -> its first column and the columns matched by the same name ("TITLE" and "title"), compared per item
    conflicting: dict[str, list[str]] = field(default_factory=dict)
    dialect_currency: str | None = None  # the currency the feed's format implies (Heureka.cz: CZK)
    dialect: str | None = None  # the display name of the feed's format ("Heureka"), when it follows one
    today: date = field(default_factory=utc_today)  # the day sale windows are checked against
    # Decided on the first SAMPLE_ITEMS records by checks.price.feed_facts:
    feed_currency: str | None = None  # the one currency the feed names, when it names exactly one
    feed_names_currency: bool = True  # the feed (or the caller) says its currency somewhere
    facts_decided: bool = False  # the two above are decided (batch by batch: once, on the sample)

    def fields_of(self, *kinds: str) -> list[FieldSpec]:
        return [f for f in self.profile.fields if f.kind in kinds and f.name in self.present]


@dataclass
class Rule:
    code: str
    field: str
    mask: pl.Expr  # true where the item is hit (null counts as false)
    value: pl.Expr | None = None  # what an example shows; the field's value by default
    invalidates: bool = True  # a hit means the value does not count as filled
    detail: str = ""
    needs_value: bool = True  # only items with a value can be hit (nulls never are)
    blocks_listing: bool | None = None  # the item cannot be listed (drop_invalid); default: invalidates
    column: str | None = None  # the source column, filled in by the engine
    feed_level: bool = False  # one finding about the feed: the issue names no field or column


__all__ = [
    "EXAMPLES",
    "ITEM",
    "LINE",
    "MULTI_SEP",
    "ROW_SCHEMA",
    "BatchSink",
    "Checked",
    "Context",
    "IssueSink",
    "Outcome",
    "Rule",
    "columns_matching",
    "helper",
    "make_issue",
    "on_rows",
    "row_columns",
    "run_rules",
    "utc_today",
]


def on_rows(frame: pl.DataFrame, rows: pl.Series, exprs: list[pl.Expr], base: pl.DataFrame) -> pl.DataFrame:
    """``base`` with its values at ``rows`` replaced by ``exprs`` evaluated on those rows of
    ``frame`` alone (one output column per column of ``base``, same names).

    The fast paths of the costly rules: a cheap pattern vouches for most values (``base`` holds
    their result), the full rules run on the few others."""
    if not len(rows):
        return base
    found = frame[rows].select(exprs)
    return pl.DataFrame([base.get_column(name).scatter(rows, found.get_column(name)) for name in base.columns])


@dataclass
class Outcome:
    issues: list[Issue] = field(default_factory=list)
    invalid: dict[str, pl.Series] = field(default_factory=dict)  # field -> items whose value is invalid
    # field -> (code, items) of the rules after which an item cannot be listed (for drop_invalid)
    hits: dict[str, list[tuple[str, pl.Series]]] = field(default_factory=dict)
    details: dict[tuple[str, str | None], str] = field(default_factory=dict)  # (code, field) -> the message's {detail}


def row_columns(code: str, field: str | None, value: pl.Expr, id_expr: pl.Expr) -> list[pl.Expr]:
    """The issue-row columns of a rule's hits, over the canonical frame (ITEM, LINE, id)."""
    return [
        pl.col(ITEM).alias("item"),
        pl.col(LINE).alias("line"),
        id_expr.alias("id"),
        pl.lit(field, dtype=pl.String).alias("field"),
        pl.lit(code, dtype=pl.String).alias("code"),
        pl.lit(CODES[code].severity.value, dtype=pl.String).alias("severity"),
        value.cast(pl.String).alias("value"),
    ]


def run_rules(
    frame: pl.DataFrame,
    rules: list[Rule],
    sink: IssueSink | None = None,
    room: Callable[[Rule], int] | None = None,
) -> Outcome:
    """Every rule over one batch: one issue per rule that hits, with its count and up to
    ``room(rule)`` examples (:data:`EXAMPLES` by default: a batch need not find the examples an
    earlier batch already gave); and, when a ``sink`` is given, every hit as an issue row (one
    per item and rule), handed over in one frame ordered by item. Every mask is a function of its
    item's row: the rules that need other rows are the collectors (:mod:`.duplicates`)."""
    outcome = Outcome()
    if not rules or frame.height == 0:
        return outcome
    masks = frame.select(
        [
            ((r.mask & pl.col(r.field).is_not_null()) if r.needs_value else r.mask).fill_null(False).alias(f"r{i}")
            for i, r in enumerate(rules)
        ]
    )
    sums = masks.sum().row(0)
    id_expr = pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String)
    found: list[pl.DataFrame] = []
    for index, (rule, hits) in enumerate(zip(rules, sums, strict=True)):
        if not hits:
            continue
        mask = masks.get_column(f"r{index}")
        value = rule.value if rule.value is not None else pl.col(rule.field)
        # Every value is a function of its own row: computed for the hit rows only (the examples
        # shown, or every hit when a sink wants the issue rows).
        wanted = EXAMPLES if room is None else max(room(rule), 0)
        field_of_row = None if rule.feed_level else rule.field
        examples: list[Example] = []
        if sink is not None or wanted:
            hit = frame.lazy().filter(pl.lit(mask))
            if sink is None:
                hit = hit.head(wanted)
            rows = hit.select(row_columns(rule.code, field_of_row, value, id_expr)).collect()
            if sink is not None:
                found.append(rows)
            examples = [
                Example(item=r[0], line=r[1], id=r[2], value=r[3])
                for r in rows.head(wanted).select("item", "line", "id", "value").rows()
            ]
        if rule.detail:
            outcome.details[(rule.code, None if rule.feed_level else rule.field)] = rule.detail
        outcome.issues.append(
            make_issue(
                rule.code,
                int(hits),
                field=None if rule.feed_level else rule.field,
                column=None if rule.feed_level else rule.column,
                examples=examples,
                detail=rule.detail,
            )
        )
        blocks = rule.invalidates if rule.blocks_listing is None else rule.blocks_listing
        if blocks:
            outcome.hits.setdefault(rule.field, []).append((rule.code, mask))
        if rule.invalidates:
            previous = outcome.invalid.get(rule.field)
            outcome.invalid[rule.field] = mask if previous is None else previous | mask
    if sink is not None and found:
        sink(pl.concat(found).sort("item", maintain_order=True))
    return outcome


def make_issue(
    code: str,
    count: int,
    *,
    field: str | None = None,
    column: str | None = None,
    examples: list[Example] | None = None,
    detail: str = "",
) -> Issue:
    spec = CODES[code]
    message = spec.message.format(field=field, column=column, count=f"{count:,}", detail=detail)
    return Issue(
        code=code,
        severity=spec.severity,
        field=field,
        column=column,
        count=count,
        message=message,
        examples=examples or [],
    )


@dataclass
class Checked:
    """One batch after the checks: what a :class:`BatchSink` receives."""

    raw: pl.DataFrame  # the source columns of the batch, as read (plus LINE)
    frame: pl.DataFrame  # the canonical frame plus the derived helper columns (ITEM, LINE first)
    outcome: Outcome  # this batch's issues, and the hit masks of the rules that invalidate values
    ctx: Context
    mapping: ColumnMapping
    columns: dict[str, list[str]]  # canonical field -> its source columns, the one used first leading


class BatchSink(Protocol):
    """Receives every checked batch, in order (the spill of ``convert`` and ``diff``)."""

    def batch(self, checked: Checked) -> None: ...
