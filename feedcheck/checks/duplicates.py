"""Duplicates: the rules that need every row of the feed, written as feed-level collectors.

A per-item rule looks at its own row; a duplicate needs the others. To stay linear in the feed
(and ready to run batch by batch), a :class:`Duplicates` collector keeps, per batch, a small key
frame (key, item, line, id, shown value) of the items that have a key; at the end, one
``group_by`` over the collected keys counts the items that share a key, and the lines of each
item's twins are computed for the examples shown only (at most :data:`EXAMPLES`, each naming at
most :data:`TWIN_LINES` twins). Nothing per item ever lists all its twins: a feed of 200,000
copies of one id costs a key frame of 200,000 rows, not 200,000 lists of 200,000 lines.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import polars as pl

from feedcheck.checks.base import EXAMPLES, ITEM, LINE, make_issue
from feedcheck.codes import Example, Issue

TWIN_LINES = 10  # twins' lines named in one example ("also lines 5, 6, ...")


@dataclass
class Duplicates:
    """Items that share a key with another item: ``keys`` gives each item's keys (a list of
    strings, empty or null for none); ``shown`` what an example shows of the shared key."""

    code: str
    field: str
    keys: pl.Expr
    shown: pl.Expr
    column: str | None = None
    parts: list[pl.DataFrame] = dataclasses.field(default_factory=list)

    def add(self, batch: pl.DataFrame) -> None:
        """Collect the batch's keys: one row per (key, item), in item order."""
        ident = pl.col("id") if "id" in batch.columns else pl.lit(None, dtype=pl.String)
        frame = batch.select(
            self.keys.alias("key"), pl.col(ITEM), pl.col(LINE), ident.alias("id"), self.shown.alias("shown")
        )
        frame = frame.explode("key", "shown").filter(pl.col("key").is_not_null())
        self.parts.append(frame.unique(subset=["key", ITEM], keep="first", maintain_order=True))

    def issue(self) -> Issue | None:
        """The finding, once every batch was added; None when no key is shared."""
        if not self.parts:
            return None
        keys = pl.concat(self.parts)
        shared = keys.group_by("key").agg(pl.len().alias("n")).filter(pl.col("n") > 1).select("key")
        twins = keys.join(shared, on="key", how="semi")
        count = twins.select(pl.col(ITEM).n_unique()).item() if twins.height else 0
        if not count:
            return None
        # The first items in feed order, each with its first shared key.
        first = twins.sort(ITEM, maintain_order=True).unique(subset=[ITEM], keep="first", maintain_order=True)
        first = first.head(EXAMPLES)
        near = keys.filter(pl.col("key").is_in(first.get_column("key").implode()))
        examples = []
        for key, item, line, ident, shown in first.select("key", ITEM, LINE, "id", "shown").rows():
            others = near.filter((pl.col("key") == key) & (pl.col(ITEM) != item))
            lines = others.get_column(LINE).bottom_k(TWIN_LINES + 1).sort().to_list()
            listed = ", ".join(str(n) for n in lines[:TWIN_LINES]) + (", ..." if len(lines) > TWIN_LINES else "")
            value = f"{shown} (also line{'s' if len(lines) > 1 else ''} {listed})"
            examples.append(Example(item=item, line=line, id=ident, value=value))
        return make_issue(self.code, count, field=self.field, column=self.column, examples=examples)


__all__ = ["TWIN_LINES", "Duplicates"]
