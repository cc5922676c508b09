"""Normalised batches kept on disk until the outputs can be written.

Fields that no product fills are left out of the outputs, which only the last batch can tell. So
each checked batch is normalised (:func:`~feedcheck.write.normalise.build_output`) and spilled to
an Arrow file in a temporary folder; once every batch is checked, :meth:`Spill.frames` gives them
back one at a time with the final columns, in the final order, for the writers. Memory holds one
batch; the disk holds the normalised catalogue once (uncompressed Arrow, about the size of the CSV
output).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from feedcheck.checks.base import ITEM, LINE, Checked
from feedcheck.profile import Tier
from feedcheck.read.load import source_column
from feedcheck.write.normalise import build_output, extra_names


@dataclass
class DroppedRecord:
    item: int
    line: int | None
    id: str | None
    reasons: list[str]


def drop_mask(checked: Checked) -> tuple[pl.Series, list[DroppedRecord]]:
    """Records of a batch whose mandatory values are missing or invalid, with the reasons."""
    frame = checked.frame
    reasons: list[pl.Expr] = []
    for spec in checked.ctx.profile.by_tier(Tier.mandatory):
        if spec.name not in frame.columns:
            reasons.append(pl.lit(f"{spec.name}: no column"))
            continue
        reasons.append(pl.when(pl.col(spec.name).is_null()).then(pl.lit(f"{spec.name}: empty")))
        for code, mask in checked.outcome.hits.get(spec.name, []):
            reasons.append(pl.when(pl.lit(mask)).then(pl.lit(f"{spec.name}: {code}")))
    if not reasons:
        return pl.Series("drop", [False] * frame.height), []
    listed = frame.select(
        ITEM,
        LINE,
        pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String).alias("id"),
        pl.concat_list(reasons).list.drop_nulls().alias("reasons"),
    )
    drop = listed.get_column("reasons").list.len() > 0
    return drop, [DroppedRecord(*row) for row in listed.filter(drop).rows()]


def extra_columns(checked: Checked) -> list[str]:
    """The source columns no output field holds, in source order: the unmapped ones, and the
    second and later columns of a field (``TITLE`` beside ``title``: a field takes its value
    from its first filled column, so theirs are not all written)."""
    columns = checked.columns.values()
    firsts = {cols[0] for cols in columns if cols}
    others = {c for cols in columns for c in cols[1:]} - firsts
    unmapped = set(checked.mapping.unmapped)
    return [c for c in checked.raw.columns if c in unmapped or c in others]


class Spill:
    """A sink of checked batches (see the module's docstring).

    ``drop_invalid`` leaves out (and lists in ``dropped``) the records whose mandatory values are
    missing or invalid; ``keep_extra`` keeps the columns no field holds as ``extra_<name>``;
    ``positions`` keeps ``ITEM`` and ``LINE`` in front of each spilled batch (for ``diff``)."""

    def __init__(self, folder: Path, *, drop_invalid: bool = False, keep_extra: bool = False, positions: bool = False):
        self._folder = folder
        self._drop_invalid = drop_invalid
        self._keep_extra = keep_extra
        self._positions = positions
        self._extra_names: dict[str, str] = {}
        self._files: list[Path] = []
        self._filled: set[str] = set()
        self._order: list[str] = []
        self.dropped: list[DroppedRecord] = []
        self.written = 0
        self.multi: set[str] = set()
        self.characters_removed: dict[str, int] = {}

    def batch(self, checked: Checked) -> None:
        frame = checked.frame
        extra = None
        others = extra_columns(checked) if self._keep_extra else []
        if others:
            taken = {s.name for s in checked.ctx.profile.fields} | set(self._extra_names.values())
            new = [c for c in others if c not in self._extra_names]
            self._extra_names.update(extra_names(new, taken))
            names = {c: self._extra_names[c] for c in others}
            raw = checked.raw.select([source_column(c).str.strip_chars().alias(n) for c, n in names.items()])
            extra = raw.with_columns(pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
        if self._drop_invalid:
            drop, dropped = drop_mask(checked)
            self.dropped += dropped
            if dropped:
                frame = frame.filter(~drop)
                extra = extra.filter(~drop) if extra is not None else None
        out = build_output(frame, checked.ctx, extra)
        self.written += out.frame.height
        self._filled |= set(out.frame.columns)
        self.multi |= out.multi
        for name, count in out.characters_removed.items():
            self.characters_removed[name] = self.characters_removed.get(name, 0) + count
        self._order = _merge_order(self._order, out.order)
        spilled = frame.select(ITEM, LINE).hstack(out.frame) if self._positions else out.frame
        path = self._folder / f"{len(self._files):06d}.arrow"
        spilled.write_ipc(path, compression="uncompressed")
        self._files.append(path)

    def columns(self) -> list[str]:
        """The columns written, in order: those some product fills."""
        return [c for c in self._order if c in self._filled]

    def frames(self) -> Iterator[pl.DataFrame]:
        """The spilled batches, one at a time, each with :meth:`columns` (plus ``ITEM`` and ``LINE``
        first with ``positions``)."""
        for path in self._files:
            yield self._aligned(pl.read_ipc(path))

    def lazy(self) -> pl.LazyFrame:
        """Every spilled batch as one lazy frame (read from the files when collected)."""
        columns = self._selected()
        if not self._files:
            return pl.LazyFrame(schema={c: pl.Int64() if c in (ITEM, LINE) else pl.String() for c in columns})
        parts = []
        for path in self._files:
            scan = pl.scan_ipc(path)
            present = set(scan.collect_schema().names())
            absent = [c for c in columns if c not in present]
            if absent:
                scan = scan.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
            parts.append(scan.select(columns))
        return pl.concat(parts)

    def _selected(self) -> list[str]:
        return [ITEM, LINE, *self.columns()] if self._positions else self.columns()

    def _aligned(self, frame: pl.DataFrame) -> pl.DataFrame:
        columns = self._selected()
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)
        return frame.select(columns)


def _merge_order(known: list[str], batch: list[str]) -> list[str]:
    """Every column in the order the outputs write them: a batch's columns are in profile order,
    extras last; a column new in a later batch goes right after the last known column before it."""
    if not known:
        return list(batch)
    out = list(known)
    for index, name in enumerate(batch):
        if name in out:
            continue
        before = next((b for b in reversed(batch[:index]) if b in out), None)
        out.insert(out.index(before) + 1 if before is not None else 0, name)
    return out


__all__ = ["DroppedRecord", "Spill", "drop_mask", "extra_columns"]
