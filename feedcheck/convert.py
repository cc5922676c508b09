"""Write a merchant's catalogue back as normalised feeds, CSV and XML, for publishers."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

import polars as pl
from pydantic import BaseModel, Field

from feedcheck.checks.base import ITEM, LINE
from feedcheck.errors import answer_or_refuse, wrong_argument
from feedcheck.limits import Limits
from feedcheck.profile import Profile, Tier
from feedcheck.read.load import source_column
from feedcheck.read.source import SourceLike
from feedcheck.report import Report
from feedcheck.validate import Analysis, MapOption, analyse
from feedcheck.write.canonical import write_csv, write_xml
from feedcheck.write.normalise import build_output, extra_names

Target = str | os.PathLike[str] | IO[bytes]


class Dropped(BaseModel):
    item: int = Field(description="1-based record number in the source")
    line: int | None = Field(None, description="line where the record starts in the source")
    id: str | None = None
    reasons: list[str] = Field(description='why, e.g. "price: price-unparseable", "link: empty"')


class ConvertResult(BaseModel):
    """What convert wrote. ``written + len(dropped) == items`` always holds."""

    items: int
    written: int
    dropped: list[Dropped] = []
    fields: list[str] = Field(description="the columns written, in order")
    csv: str | None = Field(None, description="where the CSV went, when given as a path")
    xml: str | None = Field(None, description="where the XML went, when given as a path")
    characters_removed: dict[str, int] = Field(
        default={}, description="per column, values from which characters XML 1.0 forbids were removed"
    )
    report: Report = Field(exclude=True)


@contextmanager
def _opened(target: Target) -> Iterator[IO[bytes]]:
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as handle:
            yield handle
    else:
        yield target


def _check_target(name: str, target: object) -> None:
    """A path, or a stream that takes bytes; anything else is the caller's mistake."""
    expected = "a path or a binary stream (a file opened with 'wb', io.BytesIO)"
    if target is None:
        return
    if isinstance(target, str | os.PathLike):
        path = os.fspath(target)
        if not path or "\x00" in str(path):
            raise wrong_argument(name, expected, target)
        return
    if isinstance(target, io.TextIOBase) or not callable(getattr(target, "write", None)):
        raise wrong_argument(name, expected, target)


def _drop_mask(analysis: Analysis) -> tuple[pl.Series, pl.DataFrame]:
    """Records whose mandatory values are missing or invalid, with the reasons."""
    frame = analysis.frame
    reasons: list[pl.Expr] = []
    for spec in analysis.profile.by_tier(Tier.mandatory):
        if spec.name not in frame.columns:
            reasons.append(pl.lit(f"{spec.name}: no column"))
            continue
        reasons.append(pl.when(pl.col(spec.name).is_null()).then(pl.lit(f"{spec.name}: empty")))
        for code, mask in analysis.hits.get(spec.name, []):
            reasons.append(pl.when(pl.lit(mask)).then(pl.lit(f"{spec.name}: {code}")))
    if not reasons:
        empty = pl.Series("drop", [False] * frame.height)
        return empty, frame.select(ITEM).head(0)
    listed = frame.select(
        ITEM,
        LINE,
        pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String).alias("id"),
        pl.concat_list(reasons).list.drop_nulls().alias("reasons"),
    )
    drop = listed.get_column("reasons").list.len() > 0
    return drop, listed.filter(drop)


def convert(
    source: SourceLike,
    *,
    csv: Target | None = None,
    xml: Target | None = None,
    profile: str | Path | Profile | None = None,
    drop_invalid: bool = False,
    keep_extra: bool = False,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
) -> ConvertResult:
    """Write the feed as a normalised CSV and/or XML (paths or binary streams).

    Every record is written unless ``drop_invalid`` leaves out those whose mandatory values
    are missing or invalid; each of those is named in ``result.dropped``. Unmapped columns are
    left out unless ``keep_extra`` keeps them as ``extra_<name>``. ``result.report`` is the
    validation report of the same run. Like :func:`~feedcheck.validate`, raises
    :class:`feedcheck.FeedError` and nothing else for any input.
    """
    for name, target in (("csv", csv), ("xml", xml)):
        _check_target(name, target)
    for name, flag in (("drop_invalid", drop_invalid), ("keep_extra", keep_extra)):
        if not isinstance(flag, bool):
            raise wrong_argument(name, "True or False", flag)
    with answer_or_refuse():
        analysis = analyse(
            source,
            profile=profile,
            format=format,
            encoding=encoding,
            delimiter=delimiter,
            item_element=item_element,
            mapping=mapping,
            currency=currency,
            limits=limits,
            workers=workers,
        )
        frame = analysis.frame
        extra = None
        if keep_extra and analysis.mapping.unmapped:
            names = extra_names(analysis.mapping.unmapped, {s.name for s in analysis.profile.fields})
            raw = analysis.table.frame.select([source_column(c).str.strip_chars().alias(n) for c, n in names.items()])
            extra = raw.with_columns(pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
        dropped: list[Dropped] = []
        if drop_invalid:
            drop, listed = _drop_mask(analysis)
            dropped = [Dropped(item=r[0], line=r[1], id=r[2], reasons=r[3]) for r in listed.rows()]
            frame = frame.filter(~drop)
            extra = extra.filter(~drop) if extra is not None else None
        out = build_output(frame, analysis.ctx, extra)
        if csv is not None:
            with _opened(csv) as handle:
                write_csv(out.frame, out.multi, handle)
        if xml is not None:
            with _opened(xml) as handle:
                write_xml(out.frame, out.multi, handle)
        items = analysis.report.items
        return ConvertResult(
            items=items,
            written=out.frame.height,
            dropped=dropped,
            fields=out.frame.columns,
            csv=str(csv) if isinstance(csv, str | os.PathLike) else None,
            xml=str(xml) if isinstance(xml, str | os.PathLike) else None,
            characters_removed=out.characters_removed,
            report=analysis.report,
        )
