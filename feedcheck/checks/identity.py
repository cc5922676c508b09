"""The product id: unique, short enough for every network, no blanks inside."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import LINE, Context, Rule

MAX_ID = 50  # Google, Awin enhanced feeds, Criteo retail media


def id_key(ident: pl.Expr) -> pl.Expr:
    """The key two ids are compared by: ``"SKU-1"``, ``" sku-1 "`` and ``"Sku-1"`` are one product.

    Blank characters at either end removed, every run of blank characters inside made one space
    (Google trims and collapses whitespace in ``id``: https://smarter-ecommerce.com/google-shopping-compendium/attributes/id),
    then Unicode lower case (polars ``str.to_lowercase``; Google compares ``item_group_id`` without
    case, abc123 = ABC123: https://support.google.com/merchants/answer/6324507). A String
    expression in, a String expression out, null where the id is null. A per-item rule: a
    function of the item's own id, so any batch computes it alone.
    """
    return ident.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


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
