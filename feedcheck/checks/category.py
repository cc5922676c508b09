"""Category paths (``Maison > Cuisine > Bouilloires``): no empty level."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule

_SEPARATOR = r"\s*(?:>>|>|=>|\|)\s*"


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("category"):
        value = pl.col(spec.name)
        # "A > > B", "> A", "A >", "A | | B"; "A >> B" is a separator of its own.
        empty_level = value.str.contains(rf"(^{_SEPARATOR})|({_SEPARATOR}$)|>\s+>|\|\s*\|")
        out.append(Rule("category-empty-level", spec.name, empty_level, invalidates=False))
    return out
