"""Compare two versions of a feed: products added, removed and changed, and issues new or resolved.

Each version is read by the validation pipeline and normalised as ``convert`` writes it
(:func:`normalised_version`, the one place that knows how); the comparison
(:func:`compare`) only sees ``pl.LazyFrame`` s of normalised products, so a batched pipeline
can hand it scans of spilled batches instead.

Kinds of rule (see DESIGN.md, batch-ready):

- the id key (:func:`feedcheck.checks.identity.id_key`) is per item;
- duplicate ids inside one version, and the match between versions, need all rows: one hash
  pass per version (the first record of each key) and one join on the key;
- the comparison of fields is per matched pair: one expression per field, the fields' changes
  concatenated into one long frame (id, field, old, new) that every total is taken from;
- issue counts and fill rates compare the two reports, which are aggregates already.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Literal

import polars as pl

from feedcheck.checks.base import ITEM, LINE, MULTI_SEP
from feedcheck.checks.identity import id_key
from feedcheck.codes import Example, Issue
from feedcheck.errors import FeedError, UsageError, answer_or_refuse
from feedcheck.limits import Limits
from feedcheck.profile import Profile
from feedcheck.read.source import SourceLike
from feedcheck.report import Report
from feedcheck.report.diff import (
    Change,
    FeedDiff,
    FillDrop,
    IssueChange,
    IssueDiff,
    PriceMove,
    Record,
    SetAside,
    Summary,
    Version,
)
from feedcheck.validate import MapOption, analyse
from feedcheck.write.spill import Spill
from feedcheck.write.targets import Target, open_sink

KEY = "__key__"
WHOLE_FEED = {"missing-mandatory-field", "missing-recommended-field", "missing-useful-field"}  # count = all items
BIGGEST = 5  # price moves shown each way
SHOWN = 5  # examples of records set aside
DEFAULT_LIMIT = 1_000
AMOUNT = r"^-?\d+(\.\d+)?$"  # a normalised amount; anything else is a value a check found invalid
CHANGE_SCHEMA = {
    "order": pl.Int64,
    "field_index": pl.UInt32,
    "id": pl.String,
    "field": pl.String,
    "old": pl.String,
    "new": pl.String,
    "percent": pl.Float64,
    "currency": pl.String,
    "old_line": pl.Int64,
    "new_line": pl.Int64,
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula (OWASP CSV injection)


@dataclass
class Normalised:
    """One version of a feed, as the comparison needs it.

    ``products``: ``ITEM`` (1-based record number), ``LINE`` (1-based line where the record starts)
    and one String column per field in ``fields`` holding the value ``convert`` writes (prices as
    plain decimals, vocabularies canonical, GTINs as digits; a value a check found invalid as
    written), several values of a multi-valued field joined with ``MULTI_SEP``.
    """

    products: pl.LazyFrame
    fields: list[str]  # the normalised columns, profile order (currency included)
    multi: set[str]  # fields whose values are joined with MULTI_SEP
    report: Report
    profile: Profile


def normalised_version(
    source: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    header_line: int | None = None,
    mapping: MapOption = None,
    today: date | None = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    sheet: str | None = None,
    batch_size: int | None = None,
    dialect: str | None = None,
    folder: Path,
) -> Normalised:
    """Read, check and normalise one version, batch by batch: the normalised batches are spilled
    to Arrow files in ``folder`` (which must outlive the comparison) and scanned lazily, so memory
    holds one batch while reading, and what the comparison's joins need while comparing.
    """
    spill = Spill(folder, positions=True)
    analysis = analyse(
        source,
        profile=profile,
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        item_element=item_element,
        header_line=header_line,
        mapping=mapping,
        today=today,
        currency=currency,
        limits=limits,
        workers=workers,
        sheet=sheet,
        batch_size=batch_size,
        dialect=dialect,
        sinks=[spill],
    )
    return Normalised(spill.lazy(), spill.columns(), spill.multi, analysis.report, analysis.profile)


def _old(name: str) -> str:
    return f"__old__{name}"


def _new(name: str) -> str:
    return f"__new__{name}"


def _split(version: Normalised) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """(kept, duplicates, without id): the first record of each id key is kept; a later one
    with the same key is a duplicate, reported and not compared; a record with no id cannot be
    matched. The key column is added to all three."""
    key = id_key(pl.col("id")) if "id" in version.fields else pl.lit(None, dtype=pl.String)
    frame = version.products.with_columns(pl.when(key.str.len_bytes() > 0).then(key).alias(KEY)).cache()
    keyed = pl.col(KEY).is_not_null()
    first = pl.col(KEY).is_first_distinct()
    return frame.filter(keyed & first), frame.filter(keyed & ~first), frame.filter(~keyed)


def _percent(old: pl.Expr, new: pl.Expr, same_currency: pl.Expr) -> pl.Expr:
    """(new - old) / |old| in percent, rounded to 2 decimals, where both are amounts in the same
    currency and old is not 0; null elsewhere."""
    old_amount = pl.when(old.str.contains(AMOUNT)).then(old.cast(pl.Float64, strict=False))
    new_amount = pl.when(new.str.contains(AMOUNT)).then(new.cast(pl.Float64, strict=False))
    return (
        pl.when(same_currency & (old_amount != 0))
        .then(((new_amount - old_amount) / old_amount.abs() * 100).round(2))
        .otherwise(pl.lit(None, dtype=pl.Float64))
    )


def _changes(matched: pl.LazyFrame, fields: list[str], amounts: set[str]) -> pl.LazyFrame:
    """One row per (product, field) whose value differs, in the new version's product order,
    then profile order: one filtered select per field, concatenated."""
    same_currency = pl.col(_old("currency")).eq_missing(pl.col(_new("currency")))
    parts = []
    for index, name in enumerate(fields):
        old, new = pl.col(_old(name)), pl.col(_new(name))
        percent = _percent(old, new, same_currency) if name in amounts else pl.lit(None, dtype=pl.Float64)
        parts.append(
            matched.filter(old.ne_missing(new)).select(
                pl.col(_new(ITEM)).alias("order"),
                pl.lit(index, dtype=pl.UInt32).alias("field_index"),
                pl.col(_new("id")).alias("id"),
                pl.lit(name).alias("field"),
                old.alias("old"),
                new.alias("new"),
                percent.alias("percent"),
                pl.col(_old("currency")).alias("currency"),
                pl.col(_old(LINE)).alias("old_line"),
                pl.col(_new(LINE)).alias("new_line"),
            )
        )
    if not parts:  # neither version fills any field
        return pl.LazyFrame(schema=CHANGE_SCHEMA)
    return pl.concat(parts).sort("order", "field_index")


def _issue_key(issue: Issue) -> tuple[str, str | None]:
    return issue.code, issue.field


def _issue_diff(old: Report, new: Report) -> IssueDiff:
    """Issues keyed by (code, field): new, resolved, or present in both with another count. A
    field with no column is counted on every product: only its coming and going is news."""
    before = {_issue_key(i): i for i in old.issues}
    after = {_issue_key(i): i for i in new.issues}
    result = IssueDiff()

    def change(issue: Issue, old_count: int, new_count: int, examples: list[Example]) -> IssueChange:
        return IssueChange(
            code=issue.code,
            severity=issue.severity,
            field=issue.field,
            old_count=old_count,
            new_count=new_count,
            message=issue.message,
            examples=examples,
        )

    for key, issue in after.items():
        if key not in before:
            result.new.append(change(issue, 0, issue.count, issue.examples))
        elif before[key].count != issue.count and issue.code not in WHOLE_FEED:
            result.changed.append(change(issue, before[key].count, issue.count, issue.examples))
    for key, issue in before.items():
        if key not in after:
            result.resolved.append(change(issue, issue.count, 0, issue.examples))
    return result


def _fill_drops(old: Report, new: Report) -> list[FillDrop]:
    """Fields whose share of products with a usable value fell (the reports' ``filled``)."""
    before = {f.field: f for f in old.fields}
    drops = []
    for field in new.fields:
        was = before.get(field.field)
        if was is None or not old.items:
            continue
        old_rate = was.filled / old.items
        new_rate = field.filled / new.items if new.items else 0.0
        if new_rate < old_rate:
            drops.append(
                (
                    old_rate - new_rate,
                    FillDrop(
                        field=field.field,
                        tier=field.tier,
                        old_filled=was.filled,
                        old_items=old.items,
                        new_filled=field.filled,
                        new_items=new.items,
                    ),
                )
            )
    drops.sort(key=lambda d: -d[0])  # stable: profile order among equal drops
    return [d[1] for d in drops]


@dataclass
class _Side:
    """One version's lazy queries: its kept products under the side's column names, and what was
    set aside."""

    kept: pl.LazyFrame
    queries: list[pl.LazyFrame]  # kept count, duplicate count, duplicate examples, no-id count, no-id examples

    @staticmethod
    def of(version: Normalised, rename: Callable[[str], str], fields: list[str], multi: set[str]) -> _Side:
        kept, dupes, no_id = _split(version)
        ident = pl.col("id") if "id" in version.fields else pl.lit(None, dtype=pl.String).alias("id")
        values = [pl.col(KEY), pl.col(ITEM).alias(rename(ITEM)), pl.col(LINE).alias(rename(LINE))]
        for name in fields:
            value = pl.col(name) if name in version.fields else pl.lit(None, dtype=pl.String)
            if name in multi:  # as the CSV writes them; values hold no comma (the normaliser wrote %2C)
                value = value.str.replace_all(MULTI_SEP, ",", literal=True)
            values.append(value.alias(rename(name)))
        first_lines = kept.select(KEY, pl.col(LINE).alias("kept_line"))
        return _Side(
            kept.select(values),
            [
                kept.select(pl.len()),
                dupes.select(pl.len()),
                dupes.head(SHOWN).join(first_lines, on=KEY, how="left").select(ITEM, LINE, ident, "kept_line"),
                no_id.select(pl.len()),
                no_id.head(SHOWN).select(ITEM, LINE, ident, pl.lit(None, dtype=pl.Int64).alias("kept_line")),
            ],
        )

    @staticmethod
    def version(normalised: Normalised, results: list[pl.DataFrame]) -> Version:
        kept, dup_count, dup_rows, none_count, none_rows = results

        def records(frame: pl.DataFrame) -> list[Record]:
            return [Record(**row) for row in frame.rename({ITEM: "item", LINE: "line"}).iter_rows(named=True)]

        return Version(
            source=normalised.report.source,
            items=normalised.report.items,
            compared=int(kept.item()),
            duplicates=SetAside(count=int(dup_count.item()), examples=records(dup_rows)),
            without_id=SetAside(count=int(none_count.item()), examples=records(none_rows)),
        )


def _price_moves(frame: pl.DataFrame) -> list[PriceMove]:
    names = list(PriceMove.model_fields)
    return [PriceMove(**row) for row in frame.select(names).iter_rows(named=True)]


def _changes_csv(changes: pl.LazyFrame) -> pl.LazyFrame:
    """Every change as the CSV columns, cells a spreadsheet would run as a formula given a leading ``'``."""
    starts = "^[" + "".join(FORMULA_START).replace("-", "\\-") + "]"
    return changes.select("id", "field", "old", "new", "percent", "old_line", "new_line").with_columns(
        pl.when(pl.col(c).str.contains(starts)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in ("id", "old", "new")
    )


def compare(
    old: Normalised, new: Normalised, *, limit: int | None = DEFAULT_LIMIT, changes: Target | None = None
) -> FeedDiff:
    """The comparison of two normalised versions (see the module's docstring); ``limit`` and
    ``changes`` as for :func:`diff`. Every query is lazy; one ``collect_all`` runs them, the
    join and the long frame of changes computed once (``cache``)."""
    profile = new.profile
    written = dict.fromkeys(new.fields + old.fields)
    # Profile order; then a column the profile lacks (the currency column of a custom profile).
    fields = [f.name for f in profile.fields if f.name in written]
    fields += [name for name in written if name not in fields]
    columns = [*fields, *(name for name in ("id", "currency") if name not in fields)]  # null when absent
    multi = old.multi | new.multi
    amounts = {f.name for f in profile.fields if f.kind == "price"}
    before = _Side.of(old, _old, columns, multi)
    after = _Side.of(new, _new, columns, multi)

    joined = before.kept.join(after.kept, on=KEY, how="full", coalesce=True).cache()
    in_old, in_new = pl.col(_old(ITEM)).is_not_null(), pl.col(_new(ITEM)).is_not_null()
    long = _changes(joined.filter(in_old & in_new), fields, amounts).cache()
    price = (pl.col("field") == "price") & pl.col("percent").is_not_null()
    up, down = pl.col("percent") > 0, pl.col("percent") < 0

    def head(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame if limit is None else frame.head(limit)

    results = pl.collect_all(
        [
            joined.select(
                (in_new & ~in_old).sum().alias("added"),
                (in_old & ~in_new).sum().alias("removed"),
                (in_old & in_new).sum().alias("matched"),
            ),
            head(joined.filter(~in_old).sort(_new(ITEM)).select(_new("id"))),
            head(joined.filter(~in_new).sort(_old(ITEM)).select(_old("id"))),
            long.group_by("field_index", "field").len().sort("field_index"),
            long.select(pl.col("order").n_unique().alias("products"), pl.len().alias("changes")),
            long.filter(price).select(up.sum().alias("up"), down.sum().alias("down")),
            long.filter(price & up).sort(["percent", "order"], descending=[True, False]).head(BIGGEST),
            long.filter(price & down).sort(["percent", "order"]).head(BIGGEST),
            head(long),
            *before.queries,
            *after.queries,
            *([_changes_csv(long)] if changes is not None else []),
        ]
    )
    totals, added, removed, by_field, per_product, moves, rises, falls, listed = results[:9]
    if changes is not None:  # written whole, then put in place: never half a file
        sink = open_sink(changes)
        try:
            results[-1].write_csv(sink.stream, line_terminator="\n")
            sink.finish()
            sink.commit()
        except BaseException:
            sink.abort()
            raise

    counts = totals.row(0, named=True)
    products = per_product.row(0, named=True)
    directions = moves.row(0, named=True)
    issues = _issue_diff(old.report, new.report)
    old_version, new_version = _Side.version(old, results[9:14]), _Side.version(new, results[14:19])
    set_aside = (
        old_version.duplicates.count != new_version.duplicates.count
        or old_version.without_id.count != new_version.without_id.count
    )
    found = (counts["added"], counts["removed"], products["changes"], issues.new, issues.resolved, issues.changed)
    summary = Summary(
        has_changes=any(found) or set_aside,
        old_products=counts["removed"] + counts["matched"],
        new_products=counts["added"] + counts["matched"],
        added=counts["added"],
        removed=counts["removed"],
        changed=products["products"],
        unchanged=counts["matched"] - products["products"],
        changes=products["changes"],
        changes_by_field={row["field"]: row["len"] for row in by_field.iter_rows(named=True)},
        prices_up=directions["up"] or 0,
        prices_down=directions["down"] or 0,
        biggest_up=_price_moves(rises),
        biggest_down=_price_moves(falls),
        fill_dropped=_fill_drops(old.report, new.report),
        issues_new=len(issues.new),
        issues_resolved=len(issues.resolved),
        issues_changed=len(issues.changed),
    )
    names = list(Change.model_fields)
    return FeedDiff(
        summary=summary,
        old=old_version,
        new=new_version,
        profile=profile.name,
        fields=fields,
        limit=limit,
        added=added.to_series().to_list(),
        removed=removed.to_series().to_list(),
        changed=[Change(**row) for row in listed.select(names).iter_rows(named=True)],
        issues=issues,
    )


def _load(read: Callable[[SourceLike], Normalised], source: SourceLike, which: str) -> Normalised:
    """One version, its refusal naming which one it is."""
    try:
        with answer_or_refuse():
            return read(source)
    except FeedError as exc:
        name = os.fspath(source) if isinstance(source, str | os.PathLike) else None
        label = f"{name} (the {which} version)" if name else f"the {which} version"
        raise type(exc)(f"{label}: {exc.message}") from exc


def diff(
    old: SourceLike,
    new: SourceLike,
    *,
    profile: str | Path | Profile | None = None,
    format: Literal["csv", "xml"] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    item_element: str | None = None,
    header_line: int | None = None,
    mapping: MapOption = None,
    today: date | None = None,
    currency: str | None = None,
    limits: Limits | None = None,
    workers: int = 1,
    sheet: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    changes: Target | None = None,
    batch_size: int | None = None,
    dialect: str | None = None,
) -> FeedDiff:
    """Compare two versions of a feed, products matched by id.

    ``old`` and ``new`` are paths, ``bytes`` or binary streams, each in any format and dialect
    :func:`~feedcheck.validate` reads (a CSV yesterday, an XML today). The read options (and a
    forced ``dialect``) apply to both; each guess not forced is made for each file on its own. Ids are compared as
    :func:`feedcheck.checks.identity.id_key` makes them (blanks trimmed and collapsed, lower
    case); a record whose id an earlier record of its version already has is set aside and
    named in ``FeedDiff.old.duplicates`` / ``new.duplicates``, a record with no id in
    ``without_id``. Values are compared as ``convert`` writes them.

    ``limit`` caps the entries listed in ``added``, ``removed`` and ``changed`` (``None``: all;
    the summary's counts are complete either way); ``changes`` (a path or binary stream) gets
    every change as CSV: ``id,field,old,new,percent,old_line,new_line``. Each version is read
    batch by batch (``batch_size`` as in validate) and its normalised products spilled to a
    temporary folder: memory holds one batch, then what the joins on the ids need.

    Raises :class:`feedcheck.FeedError` when either version cannot be used (its message names
    which), :class:`feedcheck.UsageError` for a bad option, and nothing else for any input.
    """
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be 1 or more, or None for all, got {limit}.")
    if limits is not None and limits.partial:
        raise UsageError("diff compares whole feeds: partial reading (--partial, Limits(partial=True)) cannot be used.")
    read = partial(
        normalised_version,
        profile=profile,
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        item_element=item_element,
        header_line=header_line,
        mapping=mapping,
        today=today,
        currency=currency,
        limits=limits,
        workers=workers,
        sheet=sheet,
        batch_size=batch_size,
        dialect=dialect,
    )
    with answer_or_refuse(), tempfile.TemporaryDirectory(prefix="feedcheck-diff-") as folder:
        (Path(folder) / "old").mkdir()
        (Path(folder) / "new").mkdir()
        before = _load(partial(read, folder=Path(folder) / "old"), old, "old")
        after = _load(partial(read, folder=Path(folder) / "new"), new, "new")
        return compare(before, after, limit=limit, changes=changes)
