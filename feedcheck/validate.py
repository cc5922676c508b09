"""The validation pipeline: load, map, check, report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from feedcheck.checks import Context, derive_all, run_checks
from feedcheck.checks.base import ITEM, LINE, ROW_SCHEMA, IssueSink, make_issue
from feedcheck.checks.currencies import ISO_4217, SYMBOLS
from feedcheck.checks.presence import missing_fields
from feedcheck.codes import CODES, IssueRow, Severity
from feedcheck.errors import UsageError, answer_or_refuse, wrong_argument
from feedcheck.limits import SAMPLE_ITEMS, Limits
from feedcheck.map import dialects
from feedcheck.map.canonical import Canonical, build_canonical, companion_names
from feedcheck.map.columns import ColumnMapping, map_columns, parse_map_options
from feedcheck.profile import Profile, Tier, load_profile
from feedcheck.read.csv_reader import RawIssue
from feedcheck.read.load import ReadOptions, Table, load, source_column
from feedcheck.read.source import Progress, SourceLike
from feedcheck.report import Example, FieldMatch, FieldReport, Issue, Missing, Report

MapOption = dict[str, str] | Iterable[str] | None
IssueRows = bool | Callable[[pl.DataFrame], None]


def _forced(mapping: MapOption) -> dict[str, str]:
    expected = 'a dict such as {"Prix TTC": "price"} or a list such as ["Prix TTC=price"]'
    if mapping is None:
        return {}
    if isinstance(mapping, dict):
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise wrong_argument("mapping", expected + " (strings only)", mapping)
        return dict(mapping)
    if isinstance(mapping, str | bytes) or not isinstance(mapping, Iterable):
        raise wrong_argument("mapping", expected, mapping)
    options = list(mapping)
    if not all(isinstance(option, str) for option in options):
        raise wrong_argument("mapping", expected + " (strings only)", mapping)
    return parse_map_options(options)


_NAMED_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _delimiter(value: object) -> str | None:
    """One ASCII character other than a quote or a line break (the CSV reader works on bytes),
    or the name of one."""
    if value is None:
        return None
    expected = 'one character such as ";" or "\\t", or one of tab, comma, semicolon, pipe'
    if not isinstance(value, str):
        raise wrong_argument("delimiter", expected, value)
    named = _NAMED_DELIMITERS.get(value.lower(), value)
    if len(named) != 1 or not named.isascii() or named in '"\r\n':
        raise wrong_argument("delimiter", expected + " (not a quote or a line break)", value)
    return named


def _encoding(value: object) -> str | None:
    if value is None:
        return None
    expected = "the name of a text encoding such as utf-8, cp1252 or latin-1"
    if not isinstance(value, str):
        raise wrong_argument("encoding", expected, value)
    try:
        b"a".decode(value, "replace")  # refuses unknown names, and codecs that are no text encoding (rot13)
    except LookupError:
        raise wrong_argument("encoding", expected, value) from None
    return value


def check_arguments(
    *,
    profile: str | Path | Profile | None,
    format: str | None,
    encoding: str | None,
    delimiter: str | None,
    item_element: str | None,
    mapping: MapOption,
    currency: str | None,
    limits: Limits | None,
    workers: int,
) -> tuple[ReadOptions, Profile, dict[str, str], str | None]:
    """The arguments validate and convert share, checked before any work: a caller mistake
    raises :class:`UsageError` naming the argument. Returns the read options, the profile, the
    forced mapping and the currency (upper case)."""
    if format is not None and format not in ("csv", "xml"):
        raise wrong_argument("format", '"csv", "xml" or None (to detect it)', format)
    if item_element is not None and (not isinstance(item_element, str) or not item_element.strip()):
        raise wrong_argument("item_element", 'the name of the XML record element, such as "item"', item_element)
    if currency is not None and (not isinstance(currency, str) or currency.upper() not in ISO_4217):
        raise wrong_argument("currency", "an ISO 4217 code such as EUR", currency)
    if limits is not None and not isinstance(limits, Limits):
        raise wrong_argument("limits", "a feedcheck.Limits, such as Limits(max_bytes=100_000_000)", limits)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise wrong_argument("workers", "a whole number of 1 or more", workers)
    options = ReadOptions(format, _encoding(encoding), _delimiter(delimiter), item_element, limits or Limits(), workers)
    forced = _forced(mapping)
    return options, load_profile(profile), forced, currency.upper() if isinstance(currency, str) else None


def currency_named(token: str) -> str | None:
    """The ISO 4217 code a column name writes (``EUR``, ``€``), or None."""
    text = token.strip()
    code = SYMBOLS.get(text.lower()) if not text.isalnum() else None
    return code or (text.upper() if text.upper() in ISO_4217 else None)


def _structural_issue(raw: RawIssue, frame: pl.DataFrame) -> Issue:
    """Give a structural finding its examples: item and id where a record starts on the line."""
    examples: list[Example] = []
    if raw.lines:
        found = {
            row[1]: row
            for row in frame.filter(pl.col(LINE).is_in(raw.lines))
            .select(ITEM, LINE, pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String))
            .rows()
        }
        for index, line in enumerate(raw.lines[:5]):
            row = found.get(line)
            per_line = raw.code not in ("encoding-invalid-bytes", "encoding-uncertain")
            value = raw.values[index] if index < len(raw.values) and per_line else None
            examples.append(Example(item=row[0] if row else None, line=line, id=row[2] if row else None, value=value))
    detail = ", ".join(raw.values[:10])
    return make_issue(raw.code, raw.count, column=raw.column, examples=examples, detail=detail)


def _file_rows(issues: list[Issue]) -> pl.DataFrame:
    """One row per issue about the file as a whole (a missing column, no record): no item."""
    return pl.DataFrame(
        [
            {"item": None, "line": None, "id": None, "field": i.field, "code": i.code, "severity": i.severity.value}
            for i in issues
        ],
        schema={name: dtype for name, dtype in ROW_SCHEMA.items() if name != "value"},
    ).with_columns(pl.lit(None, dtype=pl.String).alias("value"))


def _structural_rows(raw: RawIssue, frame: pl.DataFrame) -> pl.DataFrame:
    """The issue rows of a reader's finding: one per line it counts (with the product that starts
    there, for an item-scope finding), or for a file finding one per line it names (or one)."""
    spec = CODES[raw.code]
    if raw.rows is not None:
        lines = raw.rows if "value" in raw.rows.columns else raw.rows.with_columns(value=pl.lit(None, pl.String))
    else:
        value = None if raw.code == "encoding-invalid-bytes" else ", ".join(raw.values[:10]) or None
        lines = pl.DataFrame(
            {"line": raw.lines or [None], "value": [value] * max(len(raw.lines), 1)},
            schema={"line": pl.Int64, "value": pl.String},
        )
    if spec.scope == "item":
        ids = pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String)
        records = frame.select(pl.col(ITEM).alias("item"), pl.col(LINE).alias("line"), ids.alias("id"))
        lines = lines.join(records, on="line", how="left", maintain_order="left")
    else:
        lines = lines.with_columns(item=pl.lit(None, pl.Int64), id=pl.lit(None, pl.String))
    return lines.select(
        "item",
        "line",
        "id",
        pl.lit(None, dtype=pl.String).alias("field"),
        pl.lit(raw.code).alias("code"),
        pl.lit(spec.severity.value).alias("severity"),
        "value",
    )


def _match(mapping: ColumnMapping, name: str, column: str | None) -> tuple[str, FieldMatch] | None:
    """How ``column`` came to feed ``name``, as ``matched_by`` and ``match`` say it (under the
    sale_price rule, the price column that feeds regular_price was matched for price)."""
    if column is None:
        return None
    found = mapping.matches.get(name, {}).get(column)
    steps: list[str] = []
    if found is None:
        found = next((m[column] for m in mapping.matches.values() if column in m), None)
        if column == mapping.sale_price:
            steps.append("a sale price: where filled it is the price")
        elif name == "regular_price":
            steps.append("the price column, the price before the sale where a sale price is filled")
    if found is None:
        return None
    return found.label, FieldMatch(
        method=found.method,
        entry=found.entry,
        languages=list(found.languages),
        steps=[*found.steps, *steps],
        evidence=found.evidence,
        note=found.note,
        currency=found.currency,
    )


def _fields(
    profile: Profile, canonical: Canonical, frame: pl.DataFrame, invalid: dict[str, pl.Series], mapping: ColumnMapping
) -> list[FieldReport]:
    """Fill counts over the checked ``frame`` (where the sale rule has chosen each item's price):
    items with a value that no check found invalid."""
    exprs = []
    for s in profile.fields:
        if s.name not in frame.columns:
            continue
        usable = pl.col(s.name).is_not_null()
        if s.name in invalid:
            usable = usable & ~pl.lit(invalid[s.name])
        exprs.append(usable.sum().alias(s.name))
    counts = frame.select(exprs)
    filled = counts.row(0, named=True) if counts.width else {}
    out = []
    for spec in profile.fields:
        column = next(iter(canonical.columns.get(spec.name, [])), None)
        how = _match(mapping, spec.name, column)
        out.append(
            FieldReport(
                field=spec.name,
                tier=spec.tier,
                column=column,
                fallbacks=canonical.columns.get(spec.name, [])[1:],
                filled=int(filled.get(spec.name, 0) or 0),
                matched_by=how[0] if how else None,
                match=how[1] if how else None,
            )
        )
    return out


def _read_dialect(table: Table, forced: str | None) -> tuple[Table, dialects.Recognised | None, list[str]]:
    """The feed's dialect (recognised on its header and first records, or ``forced``), said in its
    source, and its rules applied to the records (here the whole feed as one batch): the table as the
    rest of the pipeline reads it, and the columns the rules added (name/value pairs, composed values)."""
    recognised = dialects.recognise(table, forced, currency_named)
    if recognised is None:
        return table, None, []
    table.source.dialect = recognised.dialect.id
    table.source.dialect_name = recognised.dialect.name
    frame, _, found = dialects.apply_dialect(recognised, table.frame, dialects.start(recognised), final=True)
    known = set(table.columns)
    added = [c for c in frame.columns if c != LINE and c not in known]
    if added:  # a column the rules add is kept when the first records give it a value (a fixed sample)
        filled = frame.head(SAMPLE_ITEMS).select(source_column(c).is_not_null().any() for c in added).row(0)
        frame = frame.drop([c for c, has in zip(added, filled, strict=True) if not has])
        added = [c for c, has in zip(added, filled, strict=True) if has]
    return replace(table, frame=frame, issues=[*table.issues, *found]), recognised, added


def _day(today: object) -> date:
    """The day sale windows are checked against: the caller's (a ``datetime`` counts by its UTC
    date), else the current date in UTC."""
    if today is None:
        return datetime.now(UTC).date()
    if isinstance(today, datetime):
        return (today.astimezone(UTC) if today.tzinfo else today).date()
    if isinstance(today, date):
        return today
    raise UsageError(f"today must be a datetime.date, got {today!r}.")


@dataclass
class Analysis:
    """Everything validation learns about a feed; convert writes from it."""

    table: Table
    profile: Profile
    mapping: ColumnMapping
    canonical: Canonical
    ctx: Context
    frame: pl.DataFrame  # the canonical frame plus the derived helper columns
    invalid: dict[str, pl.Series]  # field -> items whose value a check found invalid
    hits: dict[str, list[tuple[str, pl.Series]]]  # field -> (code, items) of the checks that invalidate it
    report: Report


def analyse(
    source: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    header_line: int | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    issue_rows: IssueRows = False,
    progress: Progress | None = None,
    sheet: str | None = None,
    today: date | None = None,
    dialect: str | None = None,
) -> Analysis:
    """Load, map, derive and check: the shared first half of validate and convert.

    ``issue_rows``: a callable receives every affected line as issue-row frames (ROW_SCHEMA), in
    order: the reader's findings, the file's, then the rules' hits; ``True`` keeps them all in
    ``report.issue_rows``."""
    options, prof, forced, currency = check_arguments(
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
    day = _day(today)
    if header_line is not None and (
        isinstance(header_line, bool) or not isinstance(header_line, int) or header_line < 1
    ):
        raise wrong_argument("header_line", "a line number of 1 or more", header_line)
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        raise wrong_argument("sheet", "the name of a sheet of the spreadsheet", sheet)
    if not isinstance(issue_rows, bool) and not callable(issue_rows):
        raise wrong_argument("issue_rows", "True, False or a function called with each frame of rows", issue_rows)
    if progress is not None and not callable(progress):
        raise wrong_argument("progress", "a function called with the bytes read and the total", progress)
    forced_dialect = dialects.check_dialect(dialect)
    options.progress, options.sheet, options.header_line = progress, sheet, header_line
    table = load(source, options)
    table, recognised, added = _read_dialect(table, forced_dialect)
    mapped = map_columns(
        [*table.columns, *added],
        prof,
        forced,
        sample=table.frame.head(SAMPLE_ITEMS),
        nested=table.source.format == "xml",
        currency_of=currency_named,
        reserved=companion_names(prof),
        preset=dialects.preset(recognised),
    )
    canonical = build_canonical(table, mapped, prof)
    items = canonical.frame.height
    ctx = Context(
        prof,
        frozenset(canonical.columns),
        currency,
        {name: cols[0] for name, cols in canonical.columns.items()},
        canonical.several,
        header_currencies=dict(mapped.currencies),
        conflicting=dict(canonical.conflicting),
        dialect_currency=recognised.currency if recognised else None,
        dialect=recognised.dialect.name if recognised else None,
        today=day,
    )
    kept: list[pl.DataFrame] = []
    sink: IssueSink | None = kept.append if issue_rows is True else issue_rows or None
    issues = [_structural_issue(raw, canonical.frame) for raw in table.issues]
    if sink is not None and table.issues:
        sink(pl.concat([_structural_rows(raw, canonical.frame) for raw in table.issues]))
    file_issues: list[Issue] = []
    if items == 0:
        file_issues.append(make_issue("feed-empty", 0))
    if table.partial:
        file_issues.append(make_issue("feed-partial", items))
    file_issues += missing_fields(ctx, items)
    if sink is not None and file_issues:
        sink(_file_rows(file_issues))
    issues += file_issues
    frame = derive_all(canonical.frame, ctx)
    outcome = run_checks(frame, ctx, sink)
    issues += outcome.issues
    fields = _fields(prof, canonical, frame, outcome.invalid, mapped)
    missing = Missing(**{tier.value: [f.field for f in fields if f.tier == tier and f.column is None] for tier in Tier})
    report = Report(
        source=table.source,
        profile=prof.name,
        items=items,
        valid=not any(i.severity == Severity.error for i in issues),
        fields=fields,
        missing=missing,
        issues=issues,
        partial=table.partial,
        columns=table.columns,
        unmapped_columns=[c for c in mapped.unmapped if c not in canonical.companions.values() and c not in added],
        unmapped_reasons={c: why for c, why in mapped.reasons.items() if c in mapped.unmapped},
    )
    if issue_rows is True:
        rows = pl.concat(kept) if kept else pl.DataFrame(schema=ROW_SCHEMA)
        report.issue_rows = [IssueRow.model_validate(row) for row in rows.iter_rows(named=True)]
    return Analysis(table, prof, mapped, canonical, ctx, frame, outcome.invalid, outcome.hits, report)


def validate(
    source: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    header_line: int | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    issue_rows: IssueRows = False,
    progress: Progress | None = None,
    sheet: str | None = None,
    today: date | None = None,
    dialect: str | None = None,
) -> Report:
    """Read a feed and report which fields it has and what is wrong with it.

    ``source`` is a path, ``bytes`` or a binary stream; gzip, zip, bz2 and xz are opened
    transparently. Every guess (``format``, ``encoding``, ``delimiter``, ``item_element``, and
    ``header_line``, the 1-based line of a CSV header below an export's title line) can be
    forced, and ``mapping`` forces column mappings: ``{"Prix TTC": "price"}`` or
    ``["Prix TTC=price"]``. ``currency`` is the ISO code of amounts that name none and whose
    currency nothing in the feed says (the last step of the order in :mod:`feedcheck.checks.price`).
    ``today`` (a ``datetime.date``; default: the current date in UTC) is the day a sale price's
    ``sale_price_effective_date`` window is checked against, so that a report can be reproduced. With
    ``workers=2``, a plain XML file of 32 MB or more is read in two halves by two processes
    (the second a fresh Python interpreter); the report is the same.

    ``issue_rows`` asks for every affected line, one row per (item, issue) for the issues that
    count products, one per line or per file finding for the others (columns ``item``, ``line``,
    ``id``, ``field``, ``code``, ``severity``, ``value``): ``True`` keeps them in
    ``report.issue_rows`` (a list of :class:`~feedcheck.codes.IssueRow`, left out of the JSON);
    a callable receives them as polars DataFrames, batch by batch, and the report keeps none.

    ``progress(done, total)`` is called as the source is read: bytes of the source as sent read
    so far, and its size (``None`` when unknown); the checks that follow the reading are not
    counted. ``sheet`` names the sheet of a spreadsheet to read (the first by default). ``dialect``
    forces the published format the feed follows (an id of ``feedcheck dialects``, such as
    ``"heureka"`` or ``"shopify"``; ``"none"`` for no format's rules): by default it is recognised by
    the feed's structure and named in ``report.source.dialect``.
    Raises :class:`feedcheck.FeedError` for inputs that cannot be used as a feed, and nothing
    else for any input (see :mod:`feedcheck.errors`).
    """
    with answer_or_refuse():
        return analyse(
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
            issue_rows=issue_rows,
            progress=progress,
            sheet=sheet,
            today=today,
            dialect=dialect,
        ).report
