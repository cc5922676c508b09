"""The cap on values held at once (``Limits.max_cells``) and on XML bytes held before a record is
freed (``Limits.max_record_bytes``): refused before the memory is spent, in words a support
person can read aloud; and the partial CSV read that stops after ``max_items`` records."""

from __future__ import annotations

import datetime

import pytest

import feedcheck
from feedcheck.read.load import LINE, ReadOptions, load, open_feed

HEADER = b"id,title,price\n"
TODAY = datetime.date(2026, 1, 15)


def rows(n: int, start: int = 1) -> bytes:
    return b"".join(b"P%d,Kettle %d,%d.90 EUR\n" % (i, i, i) for i in range(start, start + n))


def heights(feed: bytes, limits: feedcheck.Limits) -> list[int]:
    return [frame.height for frame in open_feed(feed, ReadOptions(limits=limits)).batches()]


def test_a_csv_wider_than_the_cell_cap_allows_is_read_in_smaller_batches() -> None:
    """3 columns: a cap of 10 values holds 3 rows at once; the 5 products come in batches of 3 and
    2, and the report is the one of a single batch."""
    feed = HEADER + rows(5)
    assert heights(feed, feedcheck.Limits(max_cells=10)) == [3, 2]
    assert heights(feed, feedcheck.Limits()) == [5]
    small = feedcheck.validate(feed, limits=feedcheck.Limits(max_cells=10), today=TODAY)
    whole = feedcheck.validate(feed, today=TODAY)
    assert small.items == 5
    assert small.model_dump(exclude={"duration_seconds"}) == whole.model_dump(exclude={"duration_seconds"})


def test_blank_lines_count_as_rows_of_a_batch_and_are_reported_not_kept() -> None:
    """Blank lines take room in a batch (3 rows of 3 columns for a cap of 9) but are no products:
    the 3 products of lines 2, 13 and 14 are read, and the 10 blank lines between are reported."""
    report = feedcheck.validate(HEADER + rows(1) + b"\n" * 10 + rows(2, 2), limits=feedcheck.Limits(max_cells=9))
    assert report.items == 3
    (blank,) = [i for i in report.issues if i.code == "csv-blank-line"]
    assert blank.count == 10
    assert [e.line for e in blank.examples][:3] == [3, 4, 5]


def test_a_feed_at_the_cap_is_read() -> None:
    assert feedcheck.validate(HEADER + rows(3), limits=feedcheck.Limits(max_cells=9)).items == 3


def test_a_header_wider_than_the_cell_cap_is_refused_with_its_shape() -> None:
    """A single record of 3 columns cannot be held under a cap of 2 values."""
    with pytest.raises(feedcheck.LimitExceededError) as caught:
        feedcheck.validate(HEADER + rows(5), limits=feedcheck.Limits(max_cells=2))
    assert str(caught.value) == (
        "One record of 3 columns is more than 2 values, the limit feedcheck holds at once; raise the limit."
    )


def test_a_partial_csv_read_stops_after_the_item_limit() -> None:
    """Blank lines are not records: the first four products are kept (lines 2, 3, 6 and 7)."""
    feed = HEADER + rows(2) + b"\n\n" + rows(8, 3)
    limits = feedcheck.Limits(max_items=4, partial=True)
    table = load(feed, ReadOptions(limits=limits))
    assert (table.frame.get_column(LINE).to_list(), table.partial) == ([2, 3, 6, 7], True)
    report = feedcheck.validate(feed, limits=limits)
    assert (report.items, report.partial) == (4, True)
    assert "feed-partial" in {i.code for i in report.issues}
    small = feedcheck.validate(feed, limits=feedcheck.Limits(max_items=4, partial=True, max_cells=3))
    assert small.model_dump(exclude={"duration_seconds"}) == report.model_dump(exclude={"duration_seconds"})


def test_a_partial_limit_the_feed_does_not_reach_is_not_partial() -> None:
    report = feedcheck.validate(HEADER + rows(4) + b"\n\n", limits=feedcheck.Limits(max_items=4, partial=True))
    assert (report.items, report.partial) == (4, False)


def test_an_xml_whose_fields_grow_is_read_in_batches_that_shrink() -> None:
    """Each record brings a field of its own: with 15 values at once, a batch holds 15 // fields
    records, fewer as the fields grow; all 8 products are read, and a record with more fields than
    the cap allows is refused with its shape."""
    records = b"".join(b"<i><id>%d</id><a%d>x</a%d></i>" % (n, n, n) for n in range(1, 9))
    feed = b"<r>" + records + b"</r>"
    sizes = heights(feed, feedcheck.Limits(max_cells=15))
    assert sum(sizes) == 8 and len(sizes) > 1
    assert feedcheck.validate(feed, limits=feedcheck.Limits(max_cells=15)).items == 8
    with pytest.raises(feedcheck.LimitExceededError) as caught:
        feedcheck.validate(feed, limits=feedcheck.Limits(max_cells=5))
    assert str(caught.value) == (
        "One record of 6 columns is more than 5 values, the limit feedcheck holds at once; raise the limit."
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
