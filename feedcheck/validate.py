"""The validation pipeline, batch by batch: read, map, check, and keep only aggregates.

A feed is read in batches (see :mod:`feedcheck.read.load`). Decisions that look at values (which
column feeds which field, the feed's currency) are taken on the first
:data:`~feedcheck.limits.SAMPLE_ITEMS` records; then every batch is mapped to the canonical frame,
its helper columns derived, its rules run, and only aggregates kept (:class:`Tally`: counts, the
first examples, fill counts, the keys of the duplicate checks). Sinks (the spill of ``convert``
and ``diff``) receive each checked batch, and an issue-row callable each batch's rows. Memory
holds one batch and the aggregates, whatever the size of the feed, and no result depends on the
batch size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from itertools import chain
from pathlib import Path
from typing import Literal

import polars as pl

from feedcheck.checks import all_rules, collectors, decide_feed_facts, derive_all, run_checks
from feedcheck.checks.base import (
    EXAMPLES,
    ITEM,
    LINE,
    ROW_SCHEMA,
    BatchSink,
    Checked,
    Context,
    IssueSink,
    Outcome,
    Rule,
    make_issue,
)
from feedcheck.checks.currencies import ISO_4217, SYMBOLS
from feedcheck.checks.duplicates import Duplicates
from feedcheck.checks.presence import EMPTY, missing_fields
from feedcheck.codes import CODES, IssueRow, Severity
from feedcheck.errors import UsageError, answer_or_refuse, wrong_argument
from feedcheck.limits import SAMPLE_BYTES, SAMPLE_ITEMS, Limits
from feedcheck.map import dialects
from feedcheck.map.canonical import Canonical, build_canonical, companion_names
from feedcheck.map.columns import ColumnMapping, Preset, fold, map_columns, parse_map_options
from feedcheck.map.lexicon import SALE_PRICE
from feedcheck.profile import Profile, Tier, load_profile
from feedcheck.read.csv_reader import RawIssue
from feedcheck.read.load import Feed, ReadOptions, Table, open_feed, source_column
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
    batch_size: int | None = None,
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
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise wrong_argument("batch_size", "a whole number of 1 or more, or None", batch_size)
    options = ReadOptions(
        format,
        _encoding(encoding),
        _delimiter(delimiter),
        item_element,
        limits or Limits(),
        workers,
        batch_size=batch_size,
    )
    forced = _forced(mapping)
    return options, load_profile(profile), forced, currency.upper() if isinstance(currency, str) else None


def currency_named(token: str) -> str | None:
    """The ISO 4217 code a column name writes (``EUR``, ``€``), or None."""
    text = token.strip()
    code = SYMBOLS.get(text.lower()) if not text.isalnum() else None
    return code or (text.upper() if text.upper() in ISO_4217 else None)


def _structural_issue(raw: RawIssue, at_line: dict[int, tuple[int, str | None]]) -> Issue:
    """Give a structural finding its examples: item and id where a record starts on the line."""
    examples: list[Example] = []
    per_line = raw.code not in ("encoding-invalid-bytes", "encoding-uncertain")
    for index, line in enumerate(raw.lines[:EXAMPLES]):
        item, ident = at_line.get(line, (None, None))
        value = raw.values[index] if index < len(raw.values) and per_line else None
        examples.append(Example(item=item, line=line, id=ident, value=value))
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


def _reader_rows(code: str, lines: pl.DataFrame, records: pl.DataFrame | None) -> pl.DataFrame:
    """Issue rows of a reader's finding: one per line it counts (``lines``: ``line`` and maybe
    ``value``), with the product that starts on the line (from ``records``: item, line, id) for a
    finding about items."""
    spec = CODES[code]
    if "value" not in lines.columns:
        lines = lines.with_columns(value=pl.lit(None, pl.String))
    lines = lines.select(pl.col("line").cast(pl.Int64), pl.col("value").cast(pl.String))
    if spec.scope == "item" and records is not None:
        lines = lines.join(records, on="line", how="left", maintain_order="left")
    else:
        lines = lines.with_columns(item=pl.lit(None, pl.Int64), id=pl.lit(None, pl.String))
    return lines.select(
        "item",
        "line",
        "id",
        pl.lit(None, dtype=pl.String).alias("field"),
        pl.lit(code).alias("code"),
        pl.lit(spec.severity.value).alias("severity"),
        "value",
    )


def _records(frame: pl.DataFrame) -> pl.DataFrame:
    """(item, line, id) of a checked batch: what a line-numbered finding is joined to."""
    ids = pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String)
    return frame.select(pl.col(ITEM).alias("item"), pl.col(LINE).alias("line"), ids.alias("id"))


class _ReaderRows:
    """The rows of the readers' findings, handed on batch by batch: each joined to the batch that
    holds its line (a reader counts a line before it hands on the batch that holds it); findings
    that give no rows (about the file, or decided at the end) become rows at the end."""

    def __init__(self, feed: Feed, sink: IssueSink | None) -> None:
        self._feed = feed
        self._sink = sink
        self._pending: list[tuple[str, pl.DataFrame]] = []
        self.codes: set[str] = set()  # codes that gave rows

    def add(self, code: str, rows: pl.DataFrame) -> None:
        """Rows of a finding made after the reader (a dialect's rules): handed on like the reader's."""
        if self._sink is not None:
            self._pending.append((code, rows))

    def batch(self, frame: pl.DataFrame) -> None:
        drained = self._feed.drain_rows()
        if self._sink is None:
            return
        self._pending += drained
        if not self._pending or not frame.height:
            return
        last = frame.get_column(LINE).max()
        records = _records(frame)
        ready, later = [], []
        for code, rows in self._pending:
            here = rows.filter(pl.col("line") <= last)
            if here.height:
                ready.append(_reader_rows(code, here, records))
                self.codes.add(code)
            rest = rows.filter(pl.col("line") > last)
            if rest.height:
                later.append((code, rest))
        self._pending = later
        if ready:
            self._sink(pl.concat(ready))

    def finish(self, issues: list[RawIssue], at_line: dict[int, tuple[int, str | None]]) -> None:
        self._pending += self._feed.drain_rows()
        if self._sink is None:
            return
        known = pl.DataFrame(
            [(line, item, ident) for line, (item, ident) in at_line.items()],
            schema={"line": pl.Int64(), "item": pl.Int64(), "id": pl.String()},
            orient="row",
        )
        parts = [_reader_rows(code, rows, known) for code, rows in self._pending]
        self.codes.update(code for code, _ in self._pending)
        for raw in issues:
            if raw.code in self.codes:
                continue
            value = None if raw.code == "encoding-invalid-bytes" else ", ".join(raw.values[:10]) or None
            lines = pl.DataFrame(
                {"line": raw.lines or [None], "value": [value] * max(len(raw.lines), 1)},
                schema={"line": pl.Int64, "value": pl.String},
            )
            parts.append(_reader_rows(raw.code, lines, known))
        if parts:
            self._sink(pl.concat(parts))


def _has_column(columns: Iterable[str], name: str) -> bool:
    key = fold(name)
    return any(c == name or (key and fold(c) == key) for c in columns)


class Mapper:
    """Which source column feeds which field, decided on the columns of the first
    ``SAMPLE_ITEMS`` records and their values; a column first seen later (an XML element no
    earlier record had) may only take a field no column took yet, by its name alone. The rule is
    the same whatever the batch size, so the mapping is too."""

    def __init__(
        self,
        profile: Profile,
        forced: dict[str, str],
        feed: Feed,
        sample: pl.DataFrame,
        currency: str | None,
        extra: Sequence[str] = (),
        preset: Preset | None = None,
    ) -> None:
        self.profile = profile
        self._first_seen = feed.first_seen
        self._nested = feed.source.format == "xml"
        self._reserved = companion_names(profile)
        fields = {spec.name for spec in profile.fields}
        for target in forced.values():
            if target not in fields and target != SALE_PRICE:
                raise UsageError(f"The mapping names an unknown field {target!r}; see 'feedcheck fields'.")
        # The columns of the first records, and those the dialect's rules add (composed titles,
        # name/value pairs read into columns).
        columns = [c for c in feed.columns if feed.first_seen(c) < SAMPLE_ITEMS] + [c for c in extra]
        now = {c: f for c, f in forced.items() if _has_column(columns, c)}
        self._pending = {c: f for c, f in forced.items() if c not in now}
        if self._pending and not self._nested:
            raise UsageError(f"The mapping names a column {next(iter(self._pending))!r} that the feed does not have.")
        self.mapping = map_columns(
            columns,
            profile,
            now,
            sample=sample.select(source_column(c) for c in sample.columns if c in set(columns) or c == LINE),
            nested=self._nested,
            currency_of=currency_named,
            reserved=self._reserved,
            preset=preset,
        )
        self.considered = set(columns)

    def update(self, columns: Sequence[str]) -> list[str]:
        """Map the columns not seen before, one at a time in the order records first held them
        (so that the first to appear takes a field, whatever the batches); return the fields that
        got their first column."""
        new = [c for c in columns if c not in self.considered]
        order = {c: i for i, c in enumerate(columns)}
        added: list[str] = []
        for column in sorted(new, key=lambda c: (self._first_seen(c), order[c])):
            added += self._update([column])
        return added

    def _update(self, new: list[str]) -> list[str]:
        self.considered.update(new)
        forced = {c: f for c, f in self._pending.items() if _has_column(new, c)}
        for c in forced:
            del self._pending[c]
        late = map_columns(new, self.profile, forced, nested=self._nested, currency_of=currency_named, reserved=[])
        mapping = self.mapping
        taken_fields = set(mapping.columns)
        added: list[str] = []
        for name, cols in late.columns.items():
            if name in taken_fields and name not in late.forced:
                continue  # a late column never displaces one chosen on the sample
            mapping.columns[name] = cols
            added.append(name)
            for column in cols:
                found = late.matches.get(name, {}).get(column)
                if found is not None:
                    mapping.matches.setdefault(name, {})[column] = found
            if name in late.forced:
                mapping.forced.add(name)
            if name in late.notes:
                mapping.notes[name] = late.notes[name]
            if name in late.currencies:
                mapping.currencies[name] = late.currencies[name]
        if late.sale_price is not None and mapping.sale_price is None:
            mapping.sale_price = late.sale_price
        taken = {c for cols in mapping.columns.values() for c in cols} | {mapping.sale_price}
        mapping.unmapped = [c for c in [*mapping.unmapped, *new] if c not in taken]
        for column in new:
            if column not in taken:
                mapping.reasons[column] = late.reasons.get(
                    column, "first seen after the first records: its field already has a column"
                )
        return added

    def check_forced(self) -> None:
        if self._pending:
            raise UsageError(f"The mapping names a column {next(iter(self._pending))!r} that the feed does not have.")


class Tally:
    """What survives the batches: issue counts with their first examples, fill counts, the
    first rows (for findings about fields mapped late), the duplicate collectors and the records
    behind the lines of the readers' findings."""

    def __init__(self) -> None:
        self.items = 0
        self.issues: dict[tuple[str, str | None], Issue] = {}
        self.details: dict[tuple[str, str | None], str] = {}
        self.filled: dict[str, int] = {}
        self.first_rows: list[Example] = []
        self.collectors: dict[tuple[str, str], Duplicates] = {}
        self.at_line: dict[int, tuple[int, str | None]] = {}
        # (item, line, id) of every record so far, kept only when issue rows are wanted and a
        # column may appear late (XML): a field mapped late gives the earlier records' rows.
        self.records: list[pl.DataFrame] = []
        self.keep_records = False

    def room(self, rule: Rule) -> int:
        found = self.issues.get((rule.code, None if rule.feed_level else rule.field))
        return EXAMPLES - (len(found.examples) if found else 0)

    def add_issue(self, issue: Issue, detail: str = "") -> None:
        key = (issue.code, issue.field)
        found = self.issues.get(key)
        if detail:
            self.details[key] = detail
        if found is None:
            self.issues[key] = issue.model_copy(deep=True)
            return
        found.count += issue.count
        found.examples += issue.examples[: EXAMPLES - len(found.examples)]
        found.message = make_issue(
            issue.code, found.count, field=issue.field, column=issue.column, detail=self.details.get(key, "")
        ).message

    def add_batch(self, frame: pl.DataFrame, outcome: Outcome, profile: Profile, wanted_lines: set[int]) -> None:
        if len(self.first_rows) < EXAMPLES:
            ident = pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String)
            rows = frame.head(EXAMPLES - len(self.first_rows)).select(ITEM, LINE, ident).rows()
            self.first_rows += [Example(item=r[0], line=r[1], id=r[2]) for r in rows]
        self.items += frame.height
        if self.keep_records and frame.height:
            self.records.append(_records(frame))
            if len(self.records) >= 64:
                self.records = [pl.concat(self.records).rechunk()]
        for issue in outcome.issues:
            self.add_issue(issue, outcome.details.get((issue.code, issue.field), ""))
        usable = []
        for spec in profile.fields:
            if spec.name not in frame.columns:
                continue
            expr = pl.col(spec.name).is_not_null()
            if spec.name in outcome.invalid:
                expr = expr & ~pl.lit(outcome.invalid[spec.name])
            usable.append(expr.sum().alias(spec.name))
        if usable and frame.height:
            for name, count in frame.select(usable).row(0, named=True).items():
                self.filled[name] = self.filled.get(name, 0) + int(count or 0)
        for collector in self.collectors.values():
            if frame.height:
                collector.add(frame)
        missing = wanted_lines - self.at_line.keys()
        if missing and frame.height:
            ident = pl.col("id") if "id" in frame.columns else pl.lit(None, dtype=pl.String)
            found = frame.filter(pl.col(LINE).is_in(sorted(missing))).select(LINE, ITEM, ident).rows()
            for line, item, ident_value in found:
                self.at_line.setdefault(line, (item, ident_value))

    def add_empties_before(
        self, name: str, tier: Tier, count: int, column: str | None, sink: IssueSink | None = None
    ) -> None:
        """A field whose first column appeared after ``count`` items: those items had no value
        (and their issue rows, from :attr:`records`, go to ``sink``)."""
        if count <= 0 or name in ("regular_price", "sale_price"):
            return
        examples = [Example(item=e.item, line=e.line, id=e.id) for e in self.first_rows[: min(count, EXAMPLES)]]
        code = EMPTY[tier]
        self.add_issue(make_issue(code, count, field=name, column=column, examples=examples))
        if sink is not None and self.records:
            sink(
                pl.concat(self.records).select(
                    "item",
                    "line",
                    "id",
                    pl.lit(name, dtype=pl.String).alias("field"),
                    pl.lit(code, dtype=pl.String).alias("code"),
                    pl.lit(CODES[code].severity.value, dtype=pl.String).alias("severity"),
                    pl.lit(None, dtype=pl.String).alias("value"),
                )
            )


class _State:
    """The context and rules of the fields mapped so far, rebuilt when a batch maps a new one."""

    def __init__(
        self, profile: Profile, currency: str | None, day: date, tally: Tally, recognised: dialects.Recognised | None
    ) -> None:
        self._profile = profile
        self._currency = currency
        self._day = day
        self._tally = tally
        self._recognised = recognised
        self.ctx: Context | None = None
        self.rules: list[Rule] = []
        self.canonical: Canonical | None = None

    def refresh(self, canonical: Canonical, mapping: ColumnMapping, sample: pl.DataFrame | None) -> Context:
        """The context for ``canonical``'s batch; the feed's facts decided on the canonical
        ``sample`` the first time, kept after."""
        self.canonical = canonical
        present = frozenset(canonical.columns)
        old = self.ctx
        several = (old.several if old else set()) | canonical.several
        if old is not None and present == old.present and several == old.several:
            return old
        ctx = Context(
            self._profile,
            present,
            self._currency,
            {name: cols[0] for name, cols in canonical.columns.items()},
            set(several),
            header_currencies=dict(mapping.currencies),
            conflicting=dict(canonical.conflicting),
            dialect_currency=self._recognised.currency if self._recognised else None,
            dialect=self._recognised.dialect.name if self._recognised else None,
            today=self._day,
        )
        if old is not None:
            ctx.feed_currency, ctx.feed_names_currency = old.feed_currency, old.feed_names_currency
            ctx.facts_decided = old.facts_decided
        if not ctx.facts_decided:
            decide_feed_facts(sample if sample is not None else canonical.frame, ctx)
        self.ctx = ctx
        self.rules = all_rules(ctx)
        for collector in collectors(ctx):
            self._tally.collectors.setdefault((collector.code, collector.field), collector)
        return ctx


def _order(ctx: Context) -> dict[tuple[str, str | None], int]:
    """The order issues are listed in: rules in the order they are defined, family by family,
    then the duplicates."""
    order: dict[tuple[str, str | None], int] = {}
    for rule in all_rules(ctx):
        order.setdefault((rule.code, None if rule.feed_level else rule.field), len(order))
    for collector in collectors(ctx):
        order.setdefault((collector.code, collector.field), len(order))
    return order


class _Dialect:
    """The published format the feed follows (:mod:`feedcheck.map.dialects`), recognised once on
    the head and the first ``SAMPLE_ITEMS`` records (or forced), and its rules applied batch by
    batch with the state they carry from one batch to the next (a Shopify product's rows may span
    two batches): the records that come out are the same whatever the batches."""

    def __init__(self, feed: Feed, sample: pl.DataFrame, forced: str | None) -> None:
        table = Table(sample, list(feed.columns), feed.source, [], set(feed.multi), head=feed.head)
        self.recognised = dialects.recognise(table, forced, currency_named)
        self.found: list[RawIssue] = []
        self.added: list[str] = []  # columns the rules add that the first records fill
        self._dropped: list[str] = []  # columns the rules add that the first records leave empty
        self.sample = sample
        if self.recognised is None:
            return
        feed.source.dialect = self.recognised.dialect.id
        feed.source.dialect_name = self.recognised.dialect.name
        applied, _, _ = dialects.apply_dialect(self.recognised, sample, dialects.start(self.recognised), final=True)
        known = set(feed.columns)
        added = [c for c in applied.columns if c != LINE and c not in known]
        if added:  # kept when the first records give it a value (a fixed sample, whatever the batches)
            filled = applied.head(SAMPLE_ITEMS).select(source_column(c).is_not_null().any() for c in added).row(0)
            self._dropped = [c for c, has in zip(added, filled, strict=True) if not has]
            added = [c for c, has in zip(added, filled, strict=True) if has]
        self.added = added
        self.sample = applied.drop(self._dropped)

    @property
    def preset(self) -> Preset | None:
        return dialects.preset(self.recognised)

    def batches(self, frames: Iterable[pl.DataFrame], rows: _ReaderRows) -> Iterator[pl.DataFrame]:
        """The records of ``frames`` as the dialect reads them; its findings' rows go to ``rows``."""
        if self.recognised is None:
            yield from frames
            return
        state = dialects.start(self.recognised)
        last: pl.DataFrame | None = None
        for frame in frames:
            out, state, found = dialects.apply_dialect(self.recognised, frame, state)
            self._keep(found, rows)
            last = frame.clear()
            if out.height:
                yield out.drop(self._dropped, strict=False)
        if last is not None:  # the records the rules still hold (Shopify's last product)
            out, state, found = dialects.apply_dialect(self.recognised, last, state, final=True)
            self._keep(found, rows)
            if out.height:
                yield out.drop(self._dropped, strict=False)

    def _keep(self, found: list[RawIssue], rows: _ReaderRows) -> None:
        """Hand the findings' rows on, and keep only their counts and first lines."""
        for raw in found:
            if raw.rows is not None and raw.rows.height:
                rows.add(raw.code, raw.rows)
        if found:
            self.found = dialects.merge_findings([*self.found, *(replace(raw, rows=None) for raw in found)])

    def issues(self) -> list[RawIssue]:
        """The findings of every batch, one per code."""
        return self.found


def _handed_on(frames: list[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """The frames of the list, each dropped from it as it is handed on."""
    while frames:
        yield frames.pop(0)


def _sample(batches: Iterator[pl.DataFrame], columns: list[str]) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """The first batches up to ``SAMPLE_ITEMS`` records or ``SAMPLE_BYTES`` of values, whichever
    comes first, and those records as one frame. Both bounds count records, not batches, so the
    sample is the same whatever the batch size."""
    taken: list[pl.DataFrame] = []
    rows = 0
    size = 0
    cut: int | None = None
    for batch in batches:
        taken.append(batch)
        strings = [source_column(c) for c, kind in batch.schema.items() if kind == pl.String]
        sizes = (
            batch.select(pl.sum_horizontal(s.str.len_bytes().fill_null(0) for s in strings).alias("n"))
            .get_column("n")
            .cum_sum()
            + size
            if strings
            else pl.Series("n", [size] * batch.height)
        )
        over = (sizes >= SAMPLE_BYTES).arg_true()
        if over.len():
            cut = rows + int(over[0]) + 1
        rows += batch.height
        size = int(sizes[-1]) if batch.height else size
        if rows >= SAMPLE_ITEMS or cut is not None:
            break
    if not taken:
        return [], pl.DataFrame(schema={**dict.fromkeys(columns, pl.String()), LINE: pl.Int64()})
    return taken, pl.concat(taken, how="diagonal_relaxed").head(min(SAMPLE_ITEMS, cut or SAMPLE_ITEMS))


@dataclass
class Analysis:
    """What validation learns about a feed; convert and diff write from the batches their sinks
    received."""

    profile: Profile
    mapping: ColumnMapping
    canonical: Canonical  # the last batch's: which columns feed which field
    ctx: Context
    report: Report
    columns: list[str] = field(default_factory=list)  # source columns, in file order


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
    batch_size: int | None = None,
    dialect: str | None = None,
    sinks: Sequence[BatchSink] = (),
) -> Analysis:
    """Read, map and check a feed batch by batch: the shared first half of validate, convert
    and diff; every sink receives each checked batch.

    ``issue_rows``: a callable receives every affected line as issue-row frames (ROW_SCHEMA),
    batch by batch (each batch's reader findings and rule hits), then the findings about the
    file and the duplicates, which only the end can tell; ``True`` keeps them all in
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
        batch_size=batch_size,
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
    kept: list[pl.DataFrame] = []
    sink: IssueSink | None = kept.append if issue_rows is True else issue_rows or None
    feed = open_feed(source, options)
    batches = feed.batches()
    buffered, sample = _sample(batches, feed.columns)
    read = _Dialect(feed, sample, forced_dialect)
    sample = read.sample
    mapper = Mapper(prof, forced, feed, sample, currency, read.added, read.preset)
    tally = Tally()
    tally.keep_records = sink is not None and feed.source.format == "xml"
    state = _State(prof, currency, day, tally, read.recognised)
    reader_rows = _ReaderRows(feed, sink)
    read.sample = sample.clear()
    decided = False
    for batch in read.batches(chain(_handed_on(buffered), batches), reader_rows):
        added = mapper.update([*feed.columns, *read.added])
        canonical = build_canonical(batch, feed.multi, mapper.mapping, prof, tally.items + 1)
        canonical_sample = None
        if not decided:  # the feed's facts, on the sample, with every column mapped so far
            canonical_sample = build_canonical(sample, feed.multi, mapper.mapping, prof).frame
            # The sample's records are freed once decided on (each batch is freed once checked):
            # a frame derived from a batch keeps all its strings alive.
            sample, decided = sample.clear(), True
        ctx = state.refresh(canonical, mapper.mapping, canonical_sample)
        del canonical_sample
        for name in added:
            spec = prof.field(name)
            if spec is not None:
                tally.add_empties_before(name, spec.tier, tally.items, ctx.columns.get(name), sink)
        frame = derive_all(canonical.frame, ctx)
        reader_rows.batch(frame)
        outcome = run_checks(frame, ctx, state.rules, sink, tally.room)
        wanted = {line for raw in [*feed.issues(), *read.found] for line in raw.lines[:EXAMPLES]}
        tally.add_batch(frame, outcome, prof, wanted)
        for each in sinks:
            each.batch(Checked(batch, frame, outcome, ctx, mapper.mapping, canonical.columns))
    mapper.check_forced()
    if state.ctx is None:  # no record at all: the fields the header offers still count as present
        empty = build_canonical(sample, feed.multi, mapper.mapping, prof)
        state.refresh(empty, mapper.mapping, empty.frame)
    assert state.ctx is not None and state.canonical is not None
    report = _report(feed, prof, mapper.mapping, state, tally, reader_rows, sink, read)
    if issue_rows is True:
        rows = pl.concat(kept) if kept else pl.DataFrame(schema=ROW_SCHEMA)
        report.issue_rows = [IssueRow.model_validate(row) for row in rows.iter_rows(named=True)]
    return Analysis(prof, mapper.mapping, state.canonical, state.ctx, report, list(feed.columns))


def _report(
    feed: Feed,
    prof: Profile,
    mapping: ColumnMapping,
    state: _State,
    tally: Tally,
    reader_rows: _ReaderRows,
    sink: IssueSink | None,
    read: _Dialect,
) -> Report:
    ctx, canonical = state.ctx, state.canonical
    assert ctx is not None and canonical is not None
    items = tally.items
    structural = sorted([*feed.issues(), *read.issues()], key=lambda raw: list(CODES).index(raw.code))
    reader_rows.finish(structural, tally.at_line)
    issues = [_structural_issue(raw, tally.at_line) for raw in structural]
    file_issues: list[Issue] = []
    if items == 0:
        file_issues.append(make_issue("feed-empty", 0))
    if feed.partial:
        file_issues.append(make_issue("feed-partial", items))
    file_issues += missing_fields(ctx, items)
    if sink is not None and file_issues:
        sink(_file_rows(file_issues))
    issues += file_issues
    for collector in tally.collectors.values():
        collector.column = ctx.columns.get(collector.field)
        found = collector.issue()
        if found is not None:
            tally.issues[(found.code, found.field)] = found
            if sink is not None:
                sink(collector.rows())
    order = _order(ctx)
    issues += sorted(tally.issues.values(), key=lambda i: order.get((i.code, i.field), len(order)))
    fields = _fields(prof, canonical, tally.filled, mapping)
    missing = Missing(**{tier.value: [f.field for f in fields if f.tier == tier and f.column is None] for tier in Tier})
    return Report(
        source=feed.source,
        profile=prof.name,
        items=items,
        valid=not any(i.severity == Severity.error for i in issues),
        fields=fields,
        missing=missing,
        issues=issues,
        partial=feed.partial,
        columns=list(feed.columns),
        unmapped_columns=[
            c for c in mapping.unmapped if c not in canonical.companions.values() and c not in read.added
        ],
        unmapped_reasons={c: why for c, why in mapping.reasons.items() if c in mapping.unmapped},
    )


def _fields(
    profile: Profile, canonical: Canonical, filled: dict[str, int], mapping: ColumnMapping
) -> list[FieldReport]:
    """Each profile field with its column and fill count (items with a value that no check found
    invalid, counted over the checked batches, where the sale rule has chosen each item's price)."""
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
                filled=filled.get(spec.name, 0),
                matched_by=how[0] if how else None,
                match=how[1] if how else None,
            )
        )
    return out


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
    batch_size: int | None = None,
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
    (the second a fresh Python interpreter); the report is the same. The feed is read and checked
    batch by batch (at most 8 MiB of CSV or 20,000 XML records at once, fewer for wide records:
    ``Limits.max_cells``); ``batch_size`` caps the records of a batch further. Memory depends on
    it; the report never does.

    ``issue_rows`` asks for every affected line, one row per (item, issue) for the issues that
    count products, one per line or per file finding for the others (columns ``item``, ``line``,
    ``id``, ``field``, ``code``, ``severity``, ``value``): ``True`` keeps them in
    ``report.issue_rows`` (a list of :class:`~feedcheck.codes.IssueRow`, left out of the JSON);
    a callable receives them as polars DataFrames, batch by batch, and the report keeps none:
    each batch's rows as it is checked (the reader's findings, then the rules' hits, in item
    order), and at the end the rows only the whole feed tells (findings about the file, missing
    columns, duplicates).

    ``progress(done, total)`` is called as the source is read: bytes of the source as sent read
    so far, and its size (``None`` when unknown); each batch is checked as it is read. ``sheet``
    names the sheet of a spreadsheet to read (the first by default). ``dialect`` forces the
    published format the feed follows (an id of ``feedcheck dialects``, such as ``"heureka"`` or
    ``"shopify"``; ``"none"`` for no format's rules): by default it is recognised by the feed's
    structure and named in ``report.source.dialect``.
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
            batch_size=batch_size,
            dialect=dialect,
        ).report
