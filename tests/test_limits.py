"""The cap on values held at once (``Limits.max_cells``) and on XML bytes held before a record is
freed (``Limits.max_record_bytes``): refused before the memory is spent, in words a support
person can read aloud; and the partial CSV read that stops after ``max_items`` records."""

from __future__ import annotations

import pytest

import feedcheck
from feedcheck.read import csv_reader
from feedcheck.read.load import LINE, ReadOptions, load

HEADER = b"id,title,price\n"


def rows(n: int, start: int = 1) -> bytes:
    return b"".join(b"P%d,Kettle %d,%d.90 EUR\n" % (i, i, i) for i in range(start, start + n))


def test_a_csv_over_the_cell_cap_is_refused_with_its_shape() -> None:
    """3 columns: a cap of 10 values allows 3 rows; the feed has 5."""
    with pytest.raises(feedcheck.LimitExceededError) as caught:
        feedcheck.validate(HEADER + rows(5), limits=feedcheck.Limits(max_cells=10))
    assert str(caught.value) == (
        "The feed has over 3 rows of 3 columns: more than 10 values, the limit feedcheck holds at once; "
        "split the feed or raise the limit."
    )


def test_blank_lines_count_as_rows_they_are_held_too() -> None:
    with pytest.raises(feedcheck.LimitExceededError, match="over 3 rows of 3 columns"):
        feedcheck.validate(HEADER + rows(1) + b"\n" * 10 + rows(2, 2), limits=feedcheck.Limits(max_cells=9))


def test_a_feed_at_the_cap_is_read() -> None:
    assert feedcheck.validate(HEADER + rows(3), limits=feedcheck.Limits(max_cells=9)).items == 3


def test_a_big_csv_that_may_exceed_the_cap_is_scanned_before_polars_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past _CHUNK bytes, polars parses beside the scan only when the file's newlines (51 here)
    cannot exceed the rows the cap allows; otherwise the scan comes first, and polars never
    parses a file that is refused."""
    monkeypatch.setattr(csv_reader, "_CHUNK", 100)
    parsed: list[int] = []
    polars_read = csv_reader._polars_read

    def spy(text: bytes, delimiter: str, names: list[str]) -> object:
        parsed.append(text.count(b"\n"))
        return polars_read(text, delimiter, names)

    monkeypatch.setattr(csv_reader, "_polars_read", spy)
    assert feedcheck.validate(HEADER + rows(50), limits=feedcheck.Limits(max_cells=153)).items == 50  # beside
    assert feedcheck.validate(HEADER + rows(50), limits=feedcheck.Limits(max_cells=150)).items == 50  # after
    with pytest.raises(feedcheck.LimitExceededError, match="over 40 rows of 3 columns"):
        feedcheck.validate(HEADER + rows(50), limits=feedcheck.Limits(max_cells=120))
    assert parsed == [51, 51]


def test_a_partial_csv_read_stops_after_the_item_limit() -> None:
    """Blank lines are not records: the first four products are kept (lines 2, 3, 6 and 7); the
    two blank lines are rows the reader holds (6 rows of 3 columns after the header: 18 values)."""
    feed = HEADER + rows(2) + b"\n\n" + rows(8, 3)
    limits = feedcheck.Limits(max_items=4, partial=True, max_cells=18)
    table = load(feed, ReadOptions(limits=limits))
    assert (table.frame.get_column(LINE).to_list(), table.partial) == ([2, 3, 6, 7], True)
    report = feedcheck.validate(feed, limits=limits)
    assert (report.items, report.partial) == (4, True)
    assert "feed-partial" in {i.code for i in report.issues}
    with pytest.raises(feedcheck.LimitExceededError, match="over 5 rows of 3 columns"):
        feedcheck.validate(feed, limits=feedcheck.Limits(max_items=4, partial=True, max_cells=17))


def test_a_partial_limit_the_feed_does_not_reach_is_not_partial() -> None:
    report = feedcheck.validate(HEADER + rows(4) + b"\n\n", limits=feedcheck.Limits(max_items=4, partial=True))
    assert (report.items, report.partial) == (4, False)


def test_an_xml_over_the_cell_cap_is_refused_as_it_is_read() -> None:
    """Each record brings a field of its own: 3 records hold 4 fields (id, a1, a2, a3), 12 values; the
    4th brings a 5th field, 20 values."""
    records = b"".join(b"<i><id>%d</id><a%d>x</a%d></i>" % (n, n, n) for n in range(1, 9))
    with pytest.raises(feedcheck.LimitExceededError) as caught:
        feedcheck.validate(b"<r>" + records + b"</r>", limits=feedcheck.Limits(max_cells=15))
    assert str(caught.value) == (
        "The feed has over 3 rows of 5 columns: more than 15 values, the limit feedcheck holds at once; "
        "split the feed or raise the limit."
    )


def test_an_xml_record_over_the_byte_cap_is_refused_before_it_ends() -> None:
    """libxml2 reads 32 KiB at a time: the record of line 3 (200 KB) is refused when the parser asks
    for more while holding over 40,000 bytes past the end of the record of line 2."""
    big = b"<i><id>2</id>" + b"<a>x</a>" * 25_000 + b"</i>"
    feed = b"<r>\n<i><id>1</id></i>\n" + big + b"\n</r>"
    with pytest.raises(feedcheck.LimitExceededError) as caught:
        feedcheck.validate(feed, limits=feedcheck.Limits(max_record_bytes=40_000))
    assert str(caught.value) == (
        "Past line 2, the XML goes on for over 40,000 bytes without closing a <i> record: "
        "a record may take at most that many bytes. If the products are other elements, name them "
        "(item_element, --item-element)."
    )
    assert feedcheck.validate(feed, limits=feedcheck.Limits(max_record_bytes=250_000)).items == 2
