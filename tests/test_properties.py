"""Hypothesis properties: parsers never raise, round trips hold, GTIN agrees with GS1."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import feedcheck
from feedcheck.checks.currencies import ISO_4217, MINOR_UNITS
from feedcheck.checks.gtin import gs1_check_digit_ok
from feedcheck.checks.price import parse_prices

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODES = sorted(ISO_4217)


def parse(values: list[str | None]) -> list[dict[str, object]]:
    return parse_prices(pl.Series("v", values, dtype=pl.String)).to_dicts()


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=30))
def test_price_parser_never_raises(values: list[str | None]) -> None:
    rows = parse(values)
    assert len(rows) == len(values)
    for value, row in zip(values, rows, strict=True):
        assert row["status"] in (None, "ok", "unparseable", "bad-currency", "both-currencies", "currency-only")
        if value is None:
            assert row["status"] is None


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)


def written(amount: Decimal, code: str) -> str:
    """How feedcheck writes an amount: with its currency's ISO 4217 decimals (``12.340`` KWD,
    ``12`` JPY), keeping decimals beyond them only when they are not zeros (``12.34`` JPY)."""
    places = MINOR_UNITS[code]
    if amount == amount.quantize(Decimal(1).scaleb(-places)):
        return f"{amount:.{places}f}"
    return f"{amount:.2f}"


def styles(amount: Decimal, code: str) -> list[str]:
    """Ways merchants write the same price."""
    plain = f"{amount:.2f}"
    comma = plain.replace(".", ",")
    grouped = f"{amount:,.2f}"  # 1,299.00
    french = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")  # 1 299,00
    german = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")  # 1.299,00
    return [
        f"{plain} {code}",
        f"{code} {plain}",
        f"{comma} {code}",
        f"{grouped} {code}",
        f"{french} {code}",
        f"{german}{code}",
    ]


@SETTINGS
@given(amounts, st.sampled_from(CODES))
def test_every_style_of_one_price_parses_to_the_same_amount(amount: Decimal, code: str) -> None:
    for row in parse(styles(amount, code)):
        assert row["status"] == "ok"
        assert row["currency"] == code
        assert row["text"] == written(amount, code)


@SETTINGS
@given(st.lists(st.tuples(amounts, st.sampled_from(CODES), st.integers(0, 5)), min_size=1, max_size=10))
def test_formatting_then_reparsing_gives_the_same_amount_and_currency(prices: list[tuple[Decimal, str, int]]) -> None:
    written = [styles(a, c)[k] for a, c, k in prices]
    first = parse(written)
    again = parse([f"{row['text']} {row['currency']}" for row in first])
    for before, after in zip(first, again, strict=True):
        assert after["status"] == "ok"
        assert (after["amount"], after["currency"], after["text"]) == (
            before["amount"],
            before["currency"],
            before["text"],
        )


def gs1_check(data: str) -> int:
    """The GS1 mod-10 check digit, written from the GS1 General Specifications."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


@SETTINGS
@given(
    st.lists(
        st.sampled_from([8, 12, 13, 14]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
        min_size=1,
        max_size=50,
    )
)
def test_gtin_check_agrees_with_an_independent_gs1_computation(codes: list[str]) -> None:
    frame = pl.DataFrame({"g": codes})
    ours = frame.select(gs1_check_digit_ok(pl.col("g"))).to_series().to_list()
    assert ours == [gs1_check(c[:-1]) == int(c[-1]) for c in codes]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_bytes_give_a_report_or_a_feed_error(data: bytes) -> None:
    try:
        report = feedcheck.validate(data)
    except feedcheck.FeedError as exc:
        assert str(exc)
    else:
        assert report.items >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=8), min_size=1, max_size=5),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_any_csv_text_gives_a_report_or_a_feed_error(rows: list[list[str]], delimiter: str) -> None:
    text = "\n".join(delimiter.join(cells) for cells in rows)
    try:
        report = feedcheck.validate(io.BytesIO(text.encode("utf-8")))
    except feedcheck.FeedError:
        return
    assert report.items >= 0


csv_bytes = st.lists(st.sampled_from([b"a", b"b", b",", b'"', b"\n", b"\r", b";", "é".encode()]), max_size=80).map(
    b"".join
)


@SETTINGS
@given(csv_bytes)
def test_the_byte_scan_finds_the_same_records_whatever_its_chunk(data: bytes) -> None:
    """The scan carries the quote parity from one chunk to the next: chunks of 1 to 7 bytes find
    what one chunk does."""
    from feedcheck.read import csv_reader

    whole = csv_reader.scan(data, ",")
    for size in (1, 2, 7):
        original = csv_reader._SCAN_CHUNK
        csv_reader._SCAN_CHUNK = size
        try:
            pieces = csv_reader.scan(data, ",")
        finally:
            csv_reader._SCAN_CHUNK = original
        for name in ("starts", "ends", "lines", "fields", "blank"):
            assert getattr(pieces, name).tolist() == getattr(whole, name).tolist(), (name, size)
        assert pieces.unclosed_quote == whole.unclosed_quote


@SETTINGS
@given(csv_bytes, st.integers(1, 3))
def test_the_csv_reader_gives_the_same_rows_whatever_its_chunks(data: bytes, width: int) -> None:
    """Read 3 bytes and one row at a time, or all at once: the same rows, lines, findings, or the
    same refusal (the fast path and the lenient one alike: the bytes are anything)."""
    from feedcheck.read import csv_reader
    from feedcheck.read.load import ReadOptions, load

    # Known gap: a quote inside an unquoted field (a"b, or text after a closing quote) is read by
    # polars in a way that depends on the rest of its chunk (it accepts the record alone and
    # refuses it beside a blank line), so its findings may differ with the chunk size. Left out
    # here; docs/library.md (Batches) says so.
    assume(re.search(rb'[^,\r\n"]"', data) is None)
    feed = b",".join([b"a", b"b", b"c"][:width]) + b"\n" + data

    def read(limits: feedcheck.Limits) -> object:
        try:
            table = load(feed, ReadOptions(format="csv", delimiter=",", limits=limits))
        except feedcheck.FeedError as error:
            return type(error).__name__, str(error)
        # An empty value may come as "" (polars keeps a quoted empty string) or as null (the
        # lenient reader): the canonical frame reads both as empty.
        rows = [tuple(None if v == "" else v for v in row) for row in table.frame.rows()]
        return rows, table.columns, sorted((i.code, i.count, i.lines) for i in table.issues)

    whole = read(feedcheck.Limits())
    columns = len(whole[1]) if isinstance(whole, tuple) and isinstance(whole[1], list) else width
    saved = csv_reader.CHUNK
    csv_reader.CHUNK = 3
    try:
        pieces = read(feedcheck.Limits(max_cells=max(columns, 1)))  # a row at a time
    finally:
        csv_reader.CHUNK = saved
    assert pieces == whole
