"""Dates: ISO 8601 dates and date-times, and start/end intervals (sale_price_effective_date)."""

from __future__ import annotations

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


def _instant(value: pl.Expr) -> pl.Expr:
    """Comparable text: date and time without zone (enough to see an interval run backwards)."""
    return value.str.replace(" ", "T").str.slice(0, 16)


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("date"):
        out.append(Rule("date-invalid", spec.name, ~_valid(pl.col(spec.name).str.strip_chars())))
    for spec in ctx.fields_of("date_range"):
        parts = pl.col(spec.name).str.split_exact("/", 1)
        start = parts.struct.field("field_0").str.strip_chars()
        end = parts.struct.field("field_1").str.strip_chars()
        well_formed = end.is_not_null() & _valid(start) & _valid(end)
        out.append(Rule("date-range-invalid", spec.name, pl.col(spec.name).is_not_null() & ~well_formed))
        out.append(Rule("date-range-reversed", spec.name, well_formed & (_instant(end) < _instant(start))))
    return out
