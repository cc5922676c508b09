"""What every check family shares: the canonical frame's layout and issue building."""

from __future__ import annotations

import polars as pl

from feedcheck.codes import CODES
from feedcheck.report import Example, Issue

ITEM = "__item__"
LINE = "__line__"
EXAMPLES = 5


def issue_from_mask(
    frame: pl.DataFrame,
    mask: pl.Expr,
    code: str,
    *,
    field: str | None = None,
    column: str | None = None,
    value: pl.Expr | None = None,
    detail: str = "",
) -> Issue | None:
    """One issue for every row where ``mask`` holds, or None when it holds nowhere."""
    hit = frame.select(mask.fill_null(False).alias("m")).to_series()
    count = int(hit.sum())
    if not count:
        return None
    id_expr = pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String)
    value_expr = value if value is not None else pl.lit(None, dtype=pl.String)
    rows = (
        frame.filter(hit)
        .head(EXAMPLES)
        .select(pl.col(ITEM), pl.col(LINE), id_expr.alias("id"), value_expr.cast(pl.String).alias("value"))
        .rows()
    )
    examples = [Example(item=r[0], line=r[1], id=r[2], value=r[3]) for r in rows]
    return make_issue(code, count, field=field, column=column, examples=examples, detail=detail)


def make_issue(
    code: str,
    count: int,
    *,
    field: str | None = None,
    column: str | None = None,
    examples: list[Example] | None = None,
    detail: str = "",
) -> Issue:
    spec = CODES[code]
    message = spec.message.format(field=field, column=column, count=f"{count:,}", detail=detail)
    return Issue(
        code=code,
        severity=spec.severity,
        field=field,
        column=column,
        count=count,
        message=message,
        examples=examples or [],
    )
