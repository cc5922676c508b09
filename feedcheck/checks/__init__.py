"""Stage 3, check: rules over the canonical frame, one module per family of rules.

Each family exposes ``derive(ctx)`` (helper columns: parsed prices, GTIN codes, canonical
vocabulary values, reused by the writers) and ``rules(ctx)`` (boolean polars expressions, one
per issue code and field). :func:`run_checks` evaluates them over whole columns.
"""

from __future__ import annotations

from collections.abc import Callable

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
    """The feed-level collectors (duplicates), fresh for one feed: each batch is added to them,
    and their finding is taken once the last batch is in."""
    found = identity.collectors(ctx) + gtin.collectors(ctx)
    for collector in found:
        collector.column = ctx.columns.get(collector.field)
    return found


def all_rules(ctx: Context) -> list[Rule]:
    """Every per-item rule for the fields ``ctx`` has, in the order the report lists them."""
    rules: list[Rule] = presence.rules(ctx)
    for family in FAMILIES:
        rules += family.rules(ctx)
    for rule in rules:
        rule.column = ctx.columns.get(rule.field)
    return rules


def run_checks(
    frame: pl.DataFrame,
    ctx: Context,
    rules: list[Rule] | None = None,
    sink: IssueSink | None = None,
    room: Callable[[Rule], int] | None = None,
) -> Outcome:
    """The per-item rules (``all_rules(ctx)`` unless given) over one batch that already has the
    derived columns; every hit goes to ``sink`` as an issue row when one is given. The
    collectors are the caller's to feed (:func:`collectors`)."""
    return run_rules(frame, all_rules(ctx) if rules is None else rules, sink, room)


def decide_feed_facts(sample: pl.DataFrame, ctx: Context) -> None:
    """Decide, once, the facts rules need about the whole feed (its currency), on the canonical
    frame of its first :data:`~feedcheck.limits.SAMPLE_ITEMS` records; stored on ``ctx``."""
    price.decide_feed_facts(sample, ctx)


__all__ = ["FAMILIES", "Context", "all_rules", "collectors", "decide_feed_facts", "derive_all", "run_checks"]
