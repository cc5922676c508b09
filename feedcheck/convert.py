"""Write a merchant's catalogue back as feeds publishers load as they are: feedcheck's normalised
CSV and XML, and Google's RSS and tab-separated formats.

The feed is checked batch by batch; each batch is normalised and spilled to disk
(:class:`~feedcheck.write.spill.Spill`); once the last batch tells which fields some product fills,
every output is written from the spilled batches, one batch at a time. Memory holds one batch."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from feedcheck.codes import Severity
from feedcheck.errors import answer_or_refuse, wrong_argument
from feedcheck.limits import Limits
from feedcheck.profile import Profile
from feedcheck.read.source import SourceLike
from feedcheck.report import Report
from feedcheck.validate import MapOption, analyse
from feedcheck.write.canonical import CsvWriter, XmlWriter
from feedcheck.write.cells import neutralised_counts
from feedcheck.write.google import GoogleTsvWriter, GoogleWriter, GoogleXmlWriter
from feedcheck.write.spill import Spill
from feedcheck.write.targets import Sink, Target, check_targets, is_path, open_sink
from feedcheck.write.writer import BatchWriter

__all__ = ["ConvertResult", "Dropped", "LeftOut", "Target", "convert"]


class Dropped(BaseModel):
    item: int = Field(description="1-based record number in the source")
    line: int | None = Field(None, description="line where the record starts in the source")
    id: str | None = None
    reasons: list[str] = Field(description='why, e.g. "price: price-unparseable", "link: empty"')


class LeftOut(BaseModel):
    field: str = Field(description="the canonical field (or extra_* column)")
    values: int = Field(description="values written to the canonical outputs but not to Google's")
    reason: str = Field(description='e.g. "no Google attribute", "not in Google\'s vocabulary"')


class ConvertResult(BaseModel):
    """What convert wrote. ``written + len(dropped) == items`` always holds."""

    items: int
    written: int = Field(description="products written to every output; 0: no output was written or changed")
    dropped: list[Dropped] = []
    valid: bool = Field(description="the feed has no error (the report's valid; exit code 0 of the command)")
    errors: int = Field(description="issues of severity error in the report")
    warnings: int = Field(description="issues of severity warning in the report")
    fields: list[str] = Field(description="the columns of the normalised CSV, in order")
    csv: str | None = Field(None, description="where the CSV went, when given as a path and written")
    xml: str | None = Field(None, description="where the XML went, when given as a path and written")
    google_xml: str | None = Field(None, description="where Google's RSS went, when given as a path and written")
    google_tsv: str | None = Field(None, description="where Google's TSV went, when given as a path and written")
    characters_removed: dict[str, int] = Field(
        default={}, description="per column, values from which characters XML 1.0 forbids were removed"
    )
    cells_neutralised: dict[str, int] = Field(
        default={}, description="per column, CSV/TSV cells written with a leading ' (formula-like; not with raw_cells)"
    )
    google_left_out: list[LeftOut] = Field(
        default=[], description="per field, values the Google outputs do not hold, and why"
    )
    report: Report = Field(exclude=True)


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


def _title(source: SourceLike) -> str:
    return Path(os.fspath(source)).name if is_path(source) else "Products"


def convert(
    source: SourceLike,
    *,
    csv: Target | None = None,
    xml: Target | None = None,
    google_xml: Target | None = None,
    google_tsv: Target | None = None,
    profile: str | Path | Profile | None = None,
    drop_invalid: bool = False,
    keep_extra: bool = False,
    raw_cells: bool = False,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    header_line: int | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    sheet: str | None = None,
    today: date | None = None,
    batch_size: int | None = None,
    dialect: str | None = None,
) -> ConvertResult:
    """Write the feed as feedcheck's normalised CSV and/or XML, and/or Google's RSS (``google_xml``)
    and tab-separated (``google_tsv``) feeds. Each target is a path or a binary stream.

    A path ending in ``.gz``, ``.zip``, ``.bz2`` or ``.xz`` is compressed. A path is written to a
    temporary file beside it and renamed over it when complete: a failure leaves the previous
    file intact. Refused with :class:`feedcheck.UsageError` before anything is read: a target
    that is the input (also through a link), two targets on one file.

    Every record is written unless ``drop_invalid`` leaves out those whose mandatory values
    are missing or invalid; each of those is named in ``result.dropped``. When no record is left
    to write (``drop_invalid`` dropped them all, or the feed holds none), **nothing is written**:
    every target stays as it was, ``result.written`` is 0 and the paths in the result are ``None``.
    Unmapped columns (and a field's second column, ``TITLE`` beside ``title``) are left out unless
    ``keep_extra`` keeps them as ``extra_<name>`` (the canonical outputs only). CSV and TSV cells a
    spreadsheet would run as a formula get a leading ``'`` unless ``raw_cells``.
    ``result.report`` is the validation report of the same run; ``result.valid`` says whether it
    has errors; ``today`` decides, as in :func:`~feedcheck.validate`, whether a sale price is the
    price written; ``batch_size`` caps the records checked at once, as in validate (the outputs never
    depend on it); ``dialect`` forces the feed's format as for :func:`~feedcheck.validate` (a
    Shopify export writes one record per variant, its image rows merged). Like
    :func:`~feedcheck.validate`, raises :class:`feedcheck.FeedError` and nothing
    else for any input; ``OSError`` when a target cannot be written.
    """
    for name, target in (("csv", csv), ("xml", xml), ("google_xml", google_xml), ("google_tsv", google_tsv)):
        _check_target(name, target)
    for name, flag in (("drop_invalid", drop_invalid), ("keep_extra", keep_extra), ("raw_cells", raw_cells)):
        if not isinstance(flag, bool):
            raise wrong_argument(name, "True or False", flag)
    with answer_or_refuse():
        targets = {"--csv": csv, "--xml": xml, "--google-xml": google_xml, "--google-tsv": google_tsv}
        check_targets(source, targets)
        sinks: dict[str, Sink] = {}
        try:
            # Opened first: an unwritable target fails before the feed is read.
            sinks = {option: open_sink(target) for option, target in targets.items() if target is not None}
            with tempfile.TemporaryDirectory(prefix="feedcheck-convert-") as folder:
                spill = Spill(Path(folder), drop_invalid=drop_invalid, keep_extra=keep_extra)
                analysis = analyse(
                    source,
                    profile=profile,
                    format=format,
                    encoding=encoding,
                    delimiter=delimiter,
                    item_element=item_element,
                    header_line=header_line,
                    mapping=mapping,
                    currency=currency,
                    limits=limits,
                    workers=workers,
                    sheet=sheet,
                    today=today,
                    batch_size=batch_size,
                    dialect=dialect,
                    sinks=[spill],
                )
                result = _write(
                    analysis.report, spill, sinks, title=_title(source), raw_cells=raw_cells, today=analysis.ctx.today
                )
        except BaseException:
            for sink in sinks.values():
                sink.abort()
            raise
        if result.written:
            shown = {o: str(t) if is_path(t) else None for o, t in targets.items()}
            result.csv, result.xml = shown["--csv"], shown["--xml"]
            result.google_xml, result.google_tsv = shown["--google-xml"], shown["--google-tsv"]
        return result


def _write(
    report: Report, spill: Spill, sinks: dict[str, Sink], *, title: str, raw_cells: bool, today: date
) -> ConvertResult:
    """Every output written from the spilled batches, then all of them put in place at once."""
    writers: list[BatchWriter] = []
    for option, sink in sinks.items():
        if option == "--csv":
            writers.append(CsvWriter(sink, spill.multi, raw_cells=raw_cells))
        elif option == "--xml":
            writers.append(XmlWriter(sink, spill.multi))
        elif option == "--google-xml":
            writers.append(GoogleXmlWriter(sink, spill.multi, title=title, today=today))
        else:
            writers.append(GoogleTsvWriter(sink, spill.multi, raw_cells=raw_cells, today=today))
    tabular = not raw_cells and any(o in sinks for o in ("--csv", "--google-tsv"))
    neutralised: dict[str, int] = {}
    if spill.written:
        for frame in spill.frames():
            for writer in writers:
                writer.write(frame)
            if tabular:
                for name, count in neutralised_counts(frame).items():
                    neutralised[name] = neutralised.get(name, 0) + count
        for writer in writers:  # every output complete before any target is replaced
            writer.finish()
        for writer in writers:
            writer.commit()
    else:  # nothing to write: no target is created, emptied or replaced
        for writer in writers:
            writer.abort()
    google = next((w for w in writers if isinstance(w, GoogleWriter)), None)
    return ConvertResult(
        items=report.items,
        written=spill.written,
        dropped=[Dropped(item=d.item, line=d.line, id=d.id, reasons=d.reasons) for d in spill.dropped],
        valid=report.valid,
        errors=sum(1 for i in report.issues if i.severity == Severity.error),
        warnings=sum(1 for i in report.issues if i.severity == Severity.warning),
        fields=spill.columns(),
        characters_removed={k: v for k, v in spill.characters_removed.items() if v},
        cells_neutralised={k: v for k, v in neutralised.items() if v},
        google_left_out=[
            LeftOut(field=f, values=n, reason=r) for f, (n, r) in (google.left_out.items() if google else [])
        ],
        report=report,
    )
