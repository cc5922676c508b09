"""The validation pipeline: load, map, check, report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from feedcheck.checks import Context, derive_all, run_checks
from feedcheck.checks.base import ITEM, LINE, make_issue
from feedcheck.checks.currencies import ISO_4217
from feedcheck.checks.presence import missing_fields
from feedcheck.codes import Severity
from feedcheck.errors import UsageError, answer_or_refuse
from feedcheck.limits import Limits
from feedcheck.map.canonical import Canonical, build_canonical
from feedcheck.map.columns import ColumnMapping, map_columns, parse_map_options
from feedcheck.profile import Profile, Tier, load_profile
from feedcheck.read.csv_reader import RawIssue
from feedcheck.read.load import ReadOptions, Table, load
from feedcheck.read.source import SourceLike
from feedcheck.report import Example, FieldReport, Issue, Missing, Report

MapOption = dict[str, str] | Iterable[str] | None


def _forced(mapping: MapOption) -> dict[str, str]:
    if mapping is None:
        return {}
    if isinstance(mapping, dict):
        return dict(mapping)
    return parse_map_options(mapping)


def _structural_issue(raw: RawIssue, frame: pl.DataFrame) -> Issue:
    """Give a structural finding its examples: item and id where a record starts on the line."""
    examples: list[Example] = []
    if raw.lines:
        found = {
            row[1]: row
            for row in frame.filter(pl.col(LINE).is_in(raw.lines))
            .select(ITEM, LINE, pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String))
            .rows()
        }
        for index, line in enumerate(raw.lines[:5]):
            row = found.get(line)
            per_line = raw.code not in ("encoding-invalid-bytes", "encoding-uncertain")
            value = raw.values[index] if index < len(raw.values) and per_line else None
            examples.append(Example(item=row[0] if row else None, line=line, id=row[2] if row else None, value=value))
    detail = ", ".join(raw.values[:10])
    return make_issue(raw.code, raw.count, column=raw.column, examples=examples, detail=detail)


def _fields(
    profile: Profile, canonical: Canonical, frame: pl.DataFrame, invalid: dict[str, pl.Series]
) -> list[FieldReport]:
    """Fill counts over the checked ``frame`` (where the sale rule has chosen each item's price):
    items with a value that no check found invalid."""
    exprs = []
    for s in profile.fields:
        if s.name not in frame.columns:
            continue
        usable = pl.col(s.name).is_not_null()
        if s.name in invalid:
            usable = usable & ~pl.lit(invalid[s.name])
        exprs.append(usable.sum().alias(s.name))
    counts = frame.select(exprs)
    filled = counts.row(0, named=True) if counts.width else {}
    return [
        FieldReport(
            field=spec.name,
            tier=spec.tier,
            column=next(iter(canonical.columns.get(spec.name, [])), None),
            fallbacks=canonical.columns.get(spec.name, [])[1:],
            filled=int(filled.get(spec.name, 0) or 0),
        )
        for spec in profile.fields
    ]


def _day(today: object) -> date:
    """The day sale windows are checked against: the caller's (a ``datetime`` counts by its UTC
    date), else the current date in UTC."""
    if today is None:
        return datetime.now(UTC).date()
    if isinstance(today, datetime):
        return (today.astimezone(UTC) if today.tzinfo else today).date()
    if isinstance(today, date):
        return today
    raise UsageError(f"today must be a datetime.date, got {today!r}.")


@dataclass
class Analysis:
    """Everything validation learns about a feed; convert writes from it."""

    table: Table
    profile: Profile
    mapping: ColumnMapping
    canonical: Canonical
    ctx: Context
    frame: pl.DataFrame  # the canonical frame plus the derived helper columns
    invalid: dict[str, pl.Series]  # field -> items whose value a check found invalid
    hits: dict[str, list[tuple[str, pl.Series]]]  # field -> (code, items) of the checks that invalidate it
    report: Report


def analyse(
    source: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    today: date | None = None,
) -> Analysis:
    """Load, map, derive and check: the shared first half of validate and convert."""
    if currency is not None and currency.upper() not in ISO_4217:
        raise UsageError(f"The currency must be an ISO 4217 code such as EUR, got {currency!r}.")
    day = _day(today)
    if workers < 1:
        raise UsageError(f"workers must be 1 or more, got {workers}.")
    options = ReadOptions(format, encoding, delimiter, item_element, limits or Limits(), workers)
    prof = load_profile(profile)
    table = load(source, options)
    mapped = map_columns(table.columns, prof, _forced(mapping))
    canonical = build_canonical(table, mapped, prof)
    items = canonical.frame.height
    ctx = Context(
        prof,
        frozenset(canonical.columns),
        currency.upper() if currency else None,
        {name: cols[0] for name, cols in canonical.columns.items()},
        canonical.several,
        today=day,
    )
    issues = [_structural_issue(raw, canonical.frame) for raw in table.issues]
    if items == 0:
        issues.append(make_issue("feed-empty", 0))
    if table.partial:
        issues.append(make_issue("feed-partial", items))
    issues += missing_fields(ctx, items)
    frame = derive_all(canonical.frame, ctx)
    outcome = run_checks(frame, ctx)
    issues += outcome.issues
    fields = _fields(prof, canonical, frame, outcome.invalid)
    missing = Missing(**{tier.value: [f.field for f in fields if f.tier == tier and f.column is None] for tier in Tier})
    report = Report(
        source=table.source,
        profile=prof.name,
        items=items,
        valid=not any(i.severity == Severity.error for i in issues),
        fields=fields,
        missing=missing,
        issues=issues,
        partial=table.partial,
        columns=table.columns,
        unmapped_columns=[c for c in mapped.unmapped if c not in canonical.companions.values()],
    )
    return Analysis(table, prof, mapped, canonical, ctx, frame, outcome.invalid, outcome.hits, report)


def validate(
    source: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    today: date | None = None,
) -> Report:
    """Read a feed and report which fields it has and what is wrong with it.

    ``source`` is a path, ``bytes`` or a binary stream; gzip, zip, bz2 and xz are opened
    transparently. Every guess (``format``, ``encoding``, ``delimiter``, ``item_element``) can
    be forced, and ``mapping`` forces column mappings: ``{"Prix TTC": "price"}`` or
    ``["Prix TTC=price"]``. ``currency`` is the ISO code of amounts that name none and whose
    currency nothing in the feed says (the last step of the order in :mod:`feedcheck.checks.price`).
    ``today`` (a ``datetime.date``; default: the current date in UTC) is the day a sale price's
    ``sale_price_effective_date`` window is checked against, so that a report can be reproduced. With
    ``workers=2``, a plain XML file of 32 MB or more is read in two halves by two processes
    (the second a fresh Python interpreter); the report is the same.
    Raises :class:`feedcheck.FeedError` for inputs that cannot be used as a feed, and nothing
    else for any input (see :mod:`feedcheck.errors`).
    """
    with answer_or_refuse():
        return analyse(
            source,
            profile=profile,
            format=format,
            encoding=encoding,
            delimiter=delimiter,
            item_element=item_element,
            mapping=mapping,
            currency=currency,
            limits=limits,
            workers=workers,
            today=today,
        ).report
