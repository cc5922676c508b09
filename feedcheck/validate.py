"""The validation pipeline: load, map, check, report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from feedcheck.checks import Context, derive_all, run_checks
from feedcheck.checks.base import ITEM, LINE, make_issue
from feedcheck.checks.currencies import ISO_4217
from feedcheck.checks.presence import missing_fields
from feedcheck.codes import Severity
from feedcheck.errors import answer_or_refuse, wrong_argument
from feedcheck.limits import Limits
from feedcheck.map.canonical import Canonical, build_canonical
from feedcheck.map.columns import ColumnMapping, map_columns, parse_map_options
from feedcheck.profile import Profile, Tier, load_profile
from feedcheck.read.csv_reader import RawIssue
from feedcheck.read.load import ReadOptions, Table, load
from feedcheck.read.source import SourceLike
from feedcheck.report import Example, FieldReport, Issue, Missing, Report

MapOption = dict[str, str] | Iterable[str] | None


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
            value = raw.values[index] if index < len(raw.values) and raw.code != "encoding-invalid-bytes" else None
            examples.append(Example(item=row[0] if row else None, line=line, id=row[2] if row else None, value=value))
    detail = ", ".join(raw.values[:10])
    return make_issue(raw.code, raw.count, column=raw.column, examples=examples, detail=detail)


def _fields(profile: Profile, canonical: Canonical, invalid: dict[str, pl.Series]) -> list[FieldReport]:
    """Fill counts: items with a value that no check found invalid."""
    frame = canonical.frame
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
    return [
        FieldReport(
            field=spec.name,
            tier=spec.tier,
            column=next(iter(canonical.columns.get(spec.name, [])), None),
            fallbacks=canonical.columns.get(spec.name, [])[1:],
            filled=int(filled.get(spec.name, 0) or 0),
        )
        for spec in profile.fields
    ]


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
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
) -> Analysis:
    """Load, map, derive and check: the shared first half of validate and convert."""
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
    table = load(source, options)
    mapped = map_columns(table.columns, prof, forced)
    canonical = build_canonical(table, mapped, prof)
    items = canonical.frame.height
    ctx = Context(
        prof,
        frozenset(canonical.columns),
        currency,
        {name: cols[0] for name, cols in canonical.columns.items()},
        canonical.several,
    )
    issues = [_structural_issue(raw, canonical.frame) for raw in table.issues]
    if items == 0:
        issues.append(make_issue("feed-empty", 0))
    if table.partial:
        issues.append(make_issue("feed-partial", items))
    issues += missing_fields(ctx, items)
    frame = derive_all(canonical.frame, ctx)
    outcome = run_checks(frame, ctx)
    issues += outcome.issues
    fields = _fields(prof, canonical, outcome.invalid)
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
        unmapped_columns=mapped.unmapped,
    )
    return Analysis(table, prof, mapped, canonical, ctx, frame, outcome.invalid, outcome.hits, report)


def validate(
    source: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    mapping: MapOption = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
) -> Report:
    """Read a feed and report which fields it has and what is wrong with it.

    ``source`` is a path, ``bytes`` or a binary stream; gzip, zip, bz2 and xz are opened
    transparently. Every guess (``format``, ``encoding``, ``delimiter``, ``item_element``) can
    be forced, and ``mapping`` forces column mappings: ``{"Prix TTC": "price"}`` or
    ``["Prix TTC=price"]``. ``currency`` is the ISO code of prices that name none. With
    ``workers=2``, a plain XML file of 32 MB or more is read in two halves by two processes
    (the second a fresh Python interpreter); the report is the same.
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
            mapping=mapping,
            currency=currency,
            limits=limits,
            workers=workers,
        ).report
