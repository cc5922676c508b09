"""Stock quantity: a whole number of 0 or more, consistent with the availability."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper


def quantity(value: pl.Expr) -> pl.Expr:
    """Integer stock, accepting ``12``, ``12.0`` and ``12,00``; null for anything else (``1.000``
    could be one or a thousand)."""
    cleaned = value.str.strip_chars().str.replace(r"[.,]0{1,2}$", "")
    return pl.when(cleaned.str.contains(r"^\d{1,12}$")).then(cleaned.cast(pl.Int64, strict=False))


def derive(ctx: Context) -> list[pl.Expr]:
    if "stock_quantity" not in ctx.present:
        return []
    return [quantity(pl.col("stock_quantity")).alias(helper("stock_quantity", "value"))]


def _availability_date(ctx: Context) -> list[Rule]:
    """Google and Prisjakt want the date a preorder or backorder becomes available."""
    if "availability" not in ctx.present:
        return []
    waiting = pl.col(helper("availability", "canonical")).is_in(["preorder", "backorder"])
    date = pl.col("availability_date") if "availability_date" in ctx.present else pl.lit(None, dtype=pl.String)
    return [Rule("availability-date-missing", "availability", waiting & date.is_null(), invalidates=False)]


def rules(ctx: Context) -> list[Rule]:
    if "stock_quantity" not in ctx.present:
        return _availability_date(ctx)
    value = pl.col(helper("stock_quantity", "value"))
    out = [Rule("stock-quantity-invalid", "stock_quantity", pl.col("stock_quantity").is_not_null() & value.is_null())]
    if "availability" in ctx.present:
        status = pl.col(helper("availability", "canonical"))
        contradiction = ((status == "in_stock") & (value == 0)) | ((status == "out_of_stock") & (value > 0))
        shown = pl.col("availability") + " with stock " + pl.col("stock_quantity")
        out.append(
            Rule("availability-contradicts-stock", "availability", contradiction, value=shown, invalidates=False)
        )
    return out + _availability_date(ctx)
