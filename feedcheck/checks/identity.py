"""The product id: unique, short enough for every network, no blanks inside.

``id-too-long`` and ``id-has-whitespace`` are per item; ``id-duplicate`` is a feed-level
collector (:class:`~feedcheck.checks.duplicates.Duplicates`): ids equal once case is folded and
runs of blanks collapsed are one id, as Google reads them (it trims, collapses whitespace and
does not tell ids apart by case: reference/feed-fields.md, ``id``).
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule
from feedcheck.checks.duplicates import Duplicates

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
    return [
        Rule("id-too-long", "id", ident.str.len_chars() > MAX_ID),
        Rule("id-has-whitespace", "id", ident.str.contains(r"\s"), invalidates=False),
    ]


def collectors(ctx: Context) -> list[Duplicates]:
    """``id-duplicate``: items whose ids are one id once folded (feed-level)."""
    if "id" not in ctx.present:
        return []
    return [Duplicates("id-duplicate", "id", id_key(pl.col("id")))]
