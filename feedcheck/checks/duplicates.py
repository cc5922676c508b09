"""Duplicates: the rules that need every row of the feed, written as feed-level collectors.

A per-item rule looks at its own row; a duplicate needs the others. To stay linear in the feed
(batch by batch), a :class:`Duplicates` collector keeps, per batch, a small key frame (key, item,
line, id, and the hash of the key's compared form) of the items that have a key; at the end, one
``group_by`` over the hashes finds the keys that may be shared, a second over those keys alone
counts the items that share a key, and the lines of each
item's twins are computed for the examples shown only (at most :data:`EXAMPLES`, each naming at
most :data:`TWIN_LINES` twins). Nothing per item ever lists all its twins: a feed of 200,000
copies of one id costs a key frame of 200,000 rows, not 200,000 lists of 200,000 lines.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass

import numpy as np
import polars as pl

from feedcheck.checks.base import EXAMPLES, ITEM, LINE, ROW_SCHEMA, make_issue
from feedcheck.codes import CODES, Example, Issue

TWIN_LINES = 10  # twins' lines named in one example ("also lines 5, 6, ...")


@dataclass
class Duplicates:
    """Items that share a key with another item. ``key`` gives each item's key (null: none);
    ``several`` says that it may hold several keys separated by commas (a cell of several GTINs).
    An example shows the item's ``id`` (``shown="id"``: the id as written) or its key."""

    code: str
    field: str
    key: pl.Expr
    shown: str = "id"
    several: bool = False
    compare: pl.Expr | None = None  # the form keys are compared in, from the column "key" (None: as they are)
    column: str | None = None
    # Per batch: the key frame as Parquet bytes (about 12 bytes per item where 50 were held), and
    # a 32-bit hash of each key's compared form (4 bytes per item), so that what stays per item
    # is small enough for a feed of millions.
    parts: list[bytes] = dataclasses.field(default_factory=list)
    hashes: list[np.ndarray] = dataclasses.field(default_factory=list)
    _twins: pl.DataFrame | None = dataclasses.field(default=None, repr=False)

    def _hash(self, frame: pl.DataFrame) -> pl.Series:
        same = self.compare if self.compare is not None else pl.col("key")
        return frame.select((same.hash() & 0xFFFFFFFF).cast(pl.UInt32).alias("hash")).get_column("hash")

    def add(self, batch: pl.DataFrame) -> None:
        """Collect the batch's keys: (key, item, line, id), in item order."""
        ident = pl.col("id") if "id" in batch.columns else pl.lit(None, dtype=pl.String)
        frame = batch.select(self.key.alias("key"), pl.col(ITEM), pl.col(LINE), ident.alias("id"))
        if self.several and frame.select(pl.col("key").str.contains(",", literal=True).any()).item():
            frame = frame.with_columns(pl.col("key").str.split(",")).explode("key")
            frame = frame.unique(subset=["key", ITEM], keep="first", maintain_order=True)
        frame = frame.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
        if not frame.height:
            return
        packed = io.BytesIO()
        frame.write_parquet(packed, compression="zstd", statistics=False)
        self.parts.append(packed.getvalue())
        self.hashes.append(self._hash(frame).to_numpy())

    def issue(self) -> Issue | None:
        """The finding, once every batch was added; None when no key is shared."""
        if not self.parts:
            return None
        # Grouping a million strings costs hundreds of MB, a polars group_by of their hashes
        # still 150 MB; a numpy sort of 32-bit hashes, 4 bytes each. Only the keys whose hash
        # another key shares are then compared as strings (a collision is sorted out there).
        hashes = np.concatenate(self.hashes)
        hashes.sort()
        repeated = pl.Series("hash", np.unique(hashes[1:][hashes[1:] == hashes[:-1]]), dtype=pl.UInt32)
        del hashes
        if not repeated.len():
            return None
        found = []
        for part in self.parts:
            frame = pl.read_parquet(io.BytesIO(part))
            found.append(frame.filter(self._hash(frame).is_in(repeated.implode())))
        keys = pl.concat(found)
        if self.compare is not None:
            keys = keys.with_columns(self.compare.alias("same"))
        else:
            keys = keys.with_columns(pl.col("key").alias("same"))
        shared = keys.group_by("same").agg(pl.len().alias("n")).filter(pl.col("n") > 1).select("same")
        twins = keys.join(shared, on="same", how="semi", maintain_order="left")
        if not twins.height:
            return None
        self._twins = twins
        count = twins.select(pl.col(ITEM).n_unique()).item()
        # The first items in feed order (batches come in order), each with its first shared key.
        first = twins.unique(subset=[ITEM], keep="first", maintain_order=True) if self.several else twins
        first = first.head(EXAMPLES)
        near = keys.filter(pl.col("same").is_in(first.get_column("same").implode()))
        examples = []
        for same, key, item, line, ident in first.select("same", "key", ITEM, LINE, "id").rows():
            others = near.filter((pl.col("same") == same) & (pl.col(ITEM) != item))
            lines = others.get_column(LINE).bottom_k(TWIN_LINES + 1).sort().to_list()
            listed = ", ".join(str(n) for n in lines[:TWIN_LINES]) + (", ..." if len(lines) > TWIN_LINES else "")
            shown = ident if self.shown == "id" else key
            value = f"{shown} (also line{'s' if len(lines) > 1 else ''} {listed})"
            examples.append(Example(item=item, line=line, id=ident, value=value))
        return make_issue(self.code, count, field=self.field, column=self.column, examples=examples)

    def rows(self) -> pl.DataFrame:
        """Every item the finding counts, as issue rows (``ROW_SCHEMA``; the value is the shared
        key), once :meth:`issue` has found the twins; item order, one row per item."""
        if self._twins is None:
            return pl.DataFrame(schema=ROW_SCHEMA)
        return (
            self._twins.unique(subset=[ITEM], keep="first", maintain_order=True)
            .sort(ITEM)
            .select(
                pl.col(ITEM).alias("item"),
                pl.col(LINE).alias("line"),
                pl.col("id"),
                pl.lit(self.field, dtype=pl.String).alias("field"),
                pl.lit(self.code, dtype=pl.String).alias("code"),
                pl.lit(CODES[self.code].severity.value, dtype=pl.String).alias("severity"),
                pl.col("key").cast(pl.String).alias("value"),
            )
            .cast(ROW_SCHEMA)  # type: ignore[arg-type]
        )


__all__ = ["TWIN_LINES", "Duplicates"]
