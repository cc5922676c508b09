"""Presence by tier: fields with no column, and products with an empty value."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper, make_issue
from feedcheck.codes import Issue
from feedcheck.profile import Tier

MISSING = {
    Tier.mandatory: "missing-mandatory-field",
    Tier.strongly_recommended: "missing-recommended-field",
    Tier.useful: "missing-useful-field",
}
EMPTY = {
    Tier.mandatory: "empty-mandatory-value",
    Tier.strongly_recommended: "empty-recommended-value",
    Tier.useful: "empty-useful-value",
}


def missing_fields(ctx: Context, items: int) -> list[Issue]:
    """One issue per profile field that no column feeds."""
    return [make_issue(MISSING[s.tier], items, field=s.name) for s in ctx.profile.fields if s.name not in ctx.present]


def rules(ctx: Context) -> list[Rule]:
    """Per-item rules, each a function of that item's row: several values in one record, columns of
    one name that disagree (``field-conflicting-columns``, from the helper columns the canonical
    frame computes row by row), and empty values."""
    several = [
        Rule(
            "field-several-values",
            name,
            pl.col(helper(name, "several")),
            value=pl.col(helper(name, "all")),
            invalidates=False,
        )
        for name in sorted(ctx.several)
    ]
    conflicting = [
        Rule(
            "field-conflicting-columns",
            name,
            pl.col(helper(name, "conflict")),
            value=pl.col(helper(name, "conflict_values")),
            invalidates=False,
            needs_value=False,
            detail=", ".join(repr(c) for c in columns[:3])
            + (f" and {len(columns) - 3} more" if len(columns) > 3 else ""),
        )
        for name, columns in sorted(ctx.conflicting.items())
        if name in ctx.present
    ]
    return (
        several
        + conflicting
        + [
            Rule(
                EMPTY[s.tier],
                s.name,
                pl.col(s.name).is_null(),
                value=pl.lit(None, dtype=pl.String),
                invalidates=False,
                needs_value=False,
            )
            for s in ctx.profile.fields
            # An empty regular price only means "not discounted": no issue for that.
            if s.name in ctx.present and s.name != "regular_price"
        ]
    )
