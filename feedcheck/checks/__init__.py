"""Stage 3, check: rules over the canonical frame, one module per family of rules.

Each family exposes ``derive(ctx)`` (helper columns: parsed prices, GTIN codes, canonical
vocabulary values, reused by the writers) and ``rules(ctx)`` (boolean polars expressions, one
per issue code and field). :func:`run_checks` evaluates them over whole columns.
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks import category, dates, gtin, identity, links, presence, price, stock, text, vocabulary
from feedcheck.checks.base import Context, IssueSink, Outcome, Rule, run_rules
from feedcheck.checks.duplicates import Duplicates

FAMILIES = (price, gtin, identity, links, vocabulary, text, dates, stock, category)


def derive_all(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """The canonical frame plus every family's helper columns."""
    exprs = [e for family in FAMILIES for e in family.derive(ctx)]
    frame = frame.with_columns(exprs) if exprs else frame
    frame = price.derive_frame(frame, ctx)
    frame = gtin.derive_frame(frame, ctx)
    frame = links.derive_frame(frame, ctx)
    return text.derive_frame(frame, ctx)


def collectors(ctx: Context) -> list[Duplicates]:
    """The feed-level collectors (duplicates), fresh for one feed."""
    found = identity.collectors(ctx) + gtin.collectors(ctx)
    for collector in found:
        collector.column = ctx.columns.get(collector.field)
    return found


def run_checks(frame: pl.DataFrame, ctx: Context, sink: IssueSink | None = None) -> Outcome:
    """Presence and value rules over a frame that already has the derived columns: the per-item
    rules, then the feed-level collectors (here over the frame as one batch); every hit of a
    per-item rule goes to ``sink`` as an issue row when one is given."""
    rules: list[Rule] = presence.rules(ctx)
    for family in FAMILIES:
        rules += family.rules(ctx)
    for rule in rules:
        rule.column = ctx.columns.get(rule.field)
    outcome = run_rules(frame, rules, sink)
    for collector in collectors(ctx):
        if frame.height:
            collector.add(frame)
        issue = collector.issue()
        if issue is not None:
            outcome.issues.append(issue)
            if sink is not None:
                sink(collector.rows())
    return outcome


__all__ = ["FAMILIES", "Context", "collectors", "derive_all", "run_checks"]
