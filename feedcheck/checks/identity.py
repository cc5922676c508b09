"""The product id: unique, short enough for every network, no blanks inside."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import LINE, Context, Rule

MAX_ID = 50  # Google, Awin enhanced feeds, Criteo retail media


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def rules(ctx: Context) -> list[Rule]:
    if "id" not in ctx.present:
        return []
    ident = pl.col("id")
    # Each duplicate names the lines of its twins: "SKU-1 (also lines 7, 12)".
    lines = pl.col(LINE)
    twins = lines.implode().over(ident, mapping_strategy="join")
    others = twins.list.set_difference(lines.implode().over(LINE, mapping_strategy="join")).list.sort()
    shown = ident + " (also line" + pl.when(others.list.len() > 1).then(pl.lit("s ")).otherwise(pl.lit(" "))
    listed = others.list.head(10).cast(pl.List(pl.String)).list.join(", ")
    more = pl.when(others.list.len() > 10).then(pl.lit(", ...")).otherwise(pl.lit(""))
    shown = shown + listed + more + ")"
    duplicated = ident.is_duplicated() & ident.is_not_null()
    return [
        Rule("id-duplicate", "id", duplicated, value=pl.when(duplicated).then(shown), invalidates=False),
        Rule("id-too-long", "id", ident.str.len_chars() > MAX_ID),
        Rule("id-has-whitespace", "id", ident.str.contains(r"\s"), invalidates=False),
    ]
