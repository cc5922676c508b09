"""Hypothesis: real feeds, damaged at random, give a Report or a FeedError, nothing else.

The fixtures are small copies of real merchant quirks. Each example applies a few mutations
(a byte flipped, a nasty snippet inserted, a slice deleted or repeated, the end cut off) and runs
``validate`` and ``convert``. ``InternalError`` is a FeedError too, but it means feedcheck has a
bug, so it fails the property. When convert answers, every record it read is written or named as
dropped, and both outputs hold the records written.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import feedcheck
from tests.conftest import FIXTURES
from tests.test_convert import csv_records, xml_records

FEEDS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".csv", ".tsv", ".xml"))
SNIPPETS = [
    b'"', b"'", b"<", b">", b"&", b"]]>", b"<![CDATA[", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xff\xfe",
    b"\n", b"\r", b"\r\n", b";", b",", b"\t", b"|", b"</item>", b"<item>", b"</product>", b"<g:price>",
    b"&#0;", b"&#xFFFF;", b"&amp;", b"&nbsp;", b'<!DOCTYPE x [<!ENTITY a "b">]>', b"<?xml?>", b"\x1f", b"\x85",
    b"1e+12", b"-", b"https://", b"javascript:", b"\xe2\x80\xa8", "💡".encode(), b"EUR", b"\xa0",
]  # fmt: skip
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(SNIPPETS)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 200)),
    st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(1, 400)),
    st.tuples(st.just("cut"), st.floats(0, 1), st.just(0)),
)


def mutate(data: bytes, mutations: list[tuple[str, float, object]]) -> bytes:
    buf = bytearray(data)
    for kind, where, arg in mutations:
        at = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if kind == "flip" and buf:
            buf[at] ^= int(arg)  # type: ignore[call-overload]
        elif kind == "insert":
            buf[at:at] = arg  # type: ignore[assignment]
        elif kind == "delete":
            del buf[at : at + int(arg)]  # type: ignore[call-overload]
        elif kind == "repeat":
            buf[at:at] = buf[at : at + int(arg)]  # type: ignore[call-overload]
        elif kind == "cut":
            del buf[at:]
    return bytes(buf)


def answer(data: bytes) -> None:
    try:
        report = feedcheck.validate(data)
    except feedcheck.InternalError:
        raise
    except feedcheck.FeedError as refusal:
        assert str(refusal).strip()
        return
    assert report.items >= 0
    csv_out, xml_out = io.BytesIO(), io.BytesIO()
    result = feedcheck.convert(data, csv=csv_out, xml=xml_out, drop_invalid=True)
    assert result.items == report.items
    assert result.written + len(result.dropped) == result.items
    assert len({d.item for d in result.dropped}) == len(result.dropped)
    assert len(csv_records(csv_out.getvalue())) == len(xml_records(xml_out.getvalue())) == result.written


@SETTINGS
@given(feed=st.sampled_from(FEEDS), mutations=st.lists(mutation, min_size=1, max_size=4))
# Found by this property: an XML whose "<" became "=" is read as CSV, and polars' parse error
# quoted 'encoding="utf-8"' from the data, which was taken for an encoding error.
@example(
    feed=FIXTURES / "xml_heureka_shopitem_param_blocks.xml",
    mutations=[("flip", 0.0, 1), ("insert", 0.76171875, b'"'), ("repeat", 0.75, 12)],
)
def test_a_damaged_real_feed_gives_a_report_or_a_refusal(
    feed: Path, mutations: list[tuple[str, float, object]]
) -> None:
    answer(mutate(feed.read_bytes(), mutations))


@pytest.mark.parametrize("feed", FEEDS, ids=lambda p: p.name)
def test_every_fixture_as_it_is_gives_a_report_or_a_refusal(feed: Path) -> None:
    answer(feed.read_bytes())
