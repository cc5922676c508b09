"""Dates: ISO 8601 dates and date-times, and start/end intervals (sale_price_effective_date).

An interval's start without a time starts at the beginning of that day, its end without a time
ends at the end of that day (Google, G-SPED; Prisjakt: "ends 23:59:59"); a value without a zone
is taken as UTC. Every rule here is per item.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from feedcheck.checks.base import Context, Rule

# 2024-05-01, 2024-05-01T13:00, 2024-05-01T13:00:00Z, 2024-05-01T13:00-0800, 2024-05-01 13:00:00+01:00
_ISO = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"(?:[T ]([01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$"
)


def _date_part(value: pl.Expr) -> pl.Expr:
    """The calendar date of an ISO value (null when the day does not exist, 2024-02-30)."""
    return value.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _valid(value: pl.Expr) -> pl.Expr:
    return value.str.contains(_ISO) & _date_part(value).is_not_null()


_PARTS = (
    r"^(?P<d>\d{4}-\d{2}-\d{2})(?:[T ](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?"
    r"(?P<z>Z|[+-]\d{2}:?\d{2})?)?$"
)


def _instant(value: pl.Expr, *, end: bool = False) -> pl.Expr:
    """The UTC instant of an ISO value; a value without time starts at midnight (or, as the
    ``end`` of an interval, ends at the last second of that day) and one without zone is UTC."""
    parts = value.str.extract_groups(_PARTS)
    no_time = parts.struct.field("h").is_null()
    hour = parts.struct.field("h").fill_null("23" if end else "0").str.zfill(2)
    minute = parts.struct.field("m").fill_null("59" if end else "00")
    second = parts.struct.field("s").fill_null(pl.when(no_time & end).then(pl.lit("59")).otherwise(pl.lit("00")))
    zone = parts.struct.field("z").fill_null("Z").str.replace("Z", "+0000").str.replace(":", "")
    text = parts.struct.field("d") + "T" + hour + ":" + minute + ":" + second + zone
    return text.str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False)


def _interval(value: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(well-formed, start, end) of a ``start/end`` value."""
    parts = value.str.split("/")
    start = parts.list.get(0, null_on_oob=True).str.strip_chars()
    end = parts.list.get(1, null_on_oob=True).str.strip_chars()
    well_formed = (parts.list.len() == 2) & _valid(start) & _valid(end)
    return well_formed, _instant(start), _instant(end, end=True)


def window_covers(value: pl.Expr, today: date) -> pl.Expr:
    """Whether a ``start/end`` window covers some part of ``today`` (a UTC calendar day): true,
    false, or null when the value is not a well-formed interval. Per item."""
    day_start = datetime(today.year, today.month, today.day, tzinfo=UTC)
    day_end = day_start + timedelta(days=1)
    well_formed, start, end = _interval(value)
    covers = (start < pl.lit(day_end)) & (end >= pl.lit(day_start))
    return pl.when(well_formed).then(covers)


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("date"):
        out.append(Rule("date-invalid", spec.name, ~_valid(pl.col(spec.name).str.strip_chars())))
    for spec in ctx.fields_of("date_range"):
        well_formed, start, end = _interval(pl.col(spec.name))
        out.append(Rule("date-range-invalid", spec.name, pl.col(spec.name).is_not_null() & ~well_formed))
        out.append(Rule("date-range-reversed", spec.name, well_formed & (end < start)))
    return out
