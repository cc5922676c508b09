"""A big XML file read in two halves by two processes gives the very report of one process.

The cut is forced on small files (``MIN_BYTES = 0``); every XML fixture, generated feeds whose
middle falls on a record, inside a CDATA section holding ``<item>``, or inside a nested element
of the record's name, and a half over a limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import feedcheck
from feedcheck.read import split_xml
from tests.conftest import CORPUS, FIXTURES

XML_FIXTURES = sorted(FIXTURES.glob("*.xml")) + (sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else [])


@pytest.fixture
def cut_anything(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Cut every file; record whether each cut was used (True) or fell back (False)."""
    monkeypatch.setattr(split_xml, "MIN_BYTES", 0)
    used: list[bool] = []
    batches, rest = split_xml.SplitReader.batches, split_xml.SplitReader._rest

    def spy_batches(self: split_xml.SplitReader) -> Iterator[pl.DataFrame]:
        used.append(True)
        yield from batches(self)

    def spy_rest(self: split_xml.SplitReader, skip: int) -> Iterator[pl.DataFrame]:
        used[-1] = False  # read on in one process: the cut was not used
        yield from rest(self, skip)

    monkeypatch.setattr(split_xml.SplitReader, "batches", spy_batches)
    monkeypatch.setattr(split_xml.SplitReader, "_rest", spy_rest)
    return used


def both(path: Path, **options: object) -> tuple[str, str]:
    one = feedcheck.validate(path, **options).model_dump_json()  # type: ignore[arg-type]
    two = feedcheck.validate(path, workers=2, **options).model_dump_json()  # type: ignore[arg-type]
    return one, two


@pytest.mark.parametrize("path", XML_FIXTURES, ids=lambda p: p.name)
def test_every_xml_fixture_and_corpus_feed_gives_the_same_report_in_two_halves(
    path: Path, cut_anything: list[bool]
) -> None:
    one, two = both(path)
    assert one == two


def rss(records: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n'
        "<channel><title>Shop</title><!-- <item>not one</item> -->\n" + "".join(records) + "</channel>\n</rss>\n"
    )


def record(n: int, description: str = "Kettle", price: str = "39.90 EUR") -> str:
    return (
        f"<item>\n  <g:id>P{n}</g:id>\n  <title>Kettle {n}</title>\n  <description>{description}</description>\n"
        f"  <link>https://shop.example/p/{n}</link>\n  <g:image_link>https://cdn.example/{n}.jpg</g:image_link>\n"
        f"  <g:price>{price}</g:price>\n</item>\n"
    )


def test_lines_in_the_second_half_are_the_lines_in_the_file(tmp_path: Path, cut_anything: list[bool]) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([record(n, price="ten euros" if n % 7 == 0 else "39.90 EUR") for n in range(1, 41)]))
    one, two = both(feed)
    assert cut_anything == [True]
    assert one == two
    report = feedcheck.Report.model_validate_json(two)
    bad = next(i for i in report.issues if i.code == "price-unparseable")
    assert bad.count == 5
    # Lines 1-3 are the declaration, <rss> and the channel header; record n (8 lines) starts on
    # line 4 + 8 (n - 1): P7 on 52, P14 on 108 ... P35 on 276, in the second half.
    assert [e.line for e in bad.examples] == [52, 108, 164, 220, 276]


def test_a_cut_inside_cdata_falls_back_to_one_piece(tmp_path: Path, cut_anything: list[bool]) -> None:
    fake = "<![CDATA[" + "<item><g:id>FAKE</g:id></item> " * 2_000 + "]]>"
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([record(1), record(2, description=fake), record(3)]))
    one, two = both(feed)
    assert cut_anything == [False]
    assert one == two
    assert feedcheck.Report.model_validate_json(two).items == 3


def test_a_cut_inside_a_nested_element_of_the_same_name_falls_back(tmp_path: Path, cut_anything: list[bool]) -> None:
    nested = "<related>" + "<item><g:id>R</g:id></item>" * 2_000 + "</related>"
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([record(1), record(2).replace("</item>", nested + "</item>"), record(3)]))
    one, two = both(feed)
    assert cut_anything == [False]
    assert one == two


def test_the_item_limit_counts_both_halves(tmp_path: Path, cut_anything: list[bool]) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([record(n) for n in range(1, 41)]))
    with pytest.raises(feedcheck.LimitExceededError, match="over 30 records"):
        feedcheck.validate(feed, workers=2, limits=feedcheck.Limits(max_items=30))
    with pytest.raises(feedcheck.LimitExceededError, match="over 10 records"):
        feedcheck.validate(feed, workers=2, limits=feedcheck.Limits(max_items=10))


def test_without_an_interpreter_to_start_the_file_is_read_in_one_piece(
    tmp_path: Path, cut_anything: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([record(n) for n in range(1, 11)]))
    monkeypatch.setattr(split_xml.sys, "executable", str(tmp_path / "no-such-python"))
    one, two = both(feed)
    assert cut_anything == [False]
    assert one == two


def test_the_planner_finds_tags_past_comments_cdata_instructions_and_the_doctype() -> None:
    head = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ELEMENT rss ANY>]>\n<rss a="1>"><!-- <item> -->'
        b"<channel><![CDATA[<item>]]><?pi <item> ?><meta/><g:item id='x'>"
    )
    assert [(name, kind) for _, name, kind in split_xml._tags(head)] == [
        (b"rss", "start"),
        (b"channel", "start"),
        (b"meta", "empty"),
        (b"g:item", "start"),
    ]


MEBI = 1 << 20
ADVERSARIAL_HEADS = {
    # the head cuts a CDATA full of unclosed "<?": a regex rescanned the head once per "<?"
    "unclosed PIs in a cut CDATA": b"<rss><channel><description><![CDATA[" + b"<?" * (MEBI // 2),
    "unclosed PIs": b"<rss><channel>" + b"<?" * (MEBI // 2),
    "unclosed comments": b"<rss><channel>" + b"<!--" * (MEBI // 4),
    "start tags without >": b"<rss><channel>" + b"<a " * (MEBI // 3),
    "end tags without >": b"<rss><channel>" + b"</a" * (MEBI // 3),
    "deep nesting": b"<rss><channel>" + b"<a>" * (MEBI // 3),
    "a long name": b"<rss><channel><" + b"a" * MEBI,
}


@pytest.mark.parametrize("head", ADVERSARIAL_HEADS.values(), ids=ADVERSARIAL_HEADS.keys())
def test_planning_a_cut_is_linear_in_the_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, head: bytes) -> None:
    """Each 1 MiB head is planned in a second or so (the regex planner took minutes on the
    first one); none holds a record start, so the file is read in one piece."""
    monkeypatch.setattr(split_xml, "MIN_BYTES", 0)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(head)
    item = split_xml.ItemElement("item", "rss/channel/item")
    started = time.perf_counter()
    assert split_xml.plan(feed, head, item, feedcheck.Limits()) is None
    assert time.perf_counter() - started < 5.0


def test_records_past_a_channel_header_longer_than_the_head_are_found(tmp_path: Path, cut_anything: list[bool]) -> None:
    """The first MiB is cut inside a CDATA full of '<?': it holds no whole record. The record
    element is looked for in the first 8 MiB, and the file is cut in two as any other."""
    header = "<description><![CDATA[" + "<?" * 700_000 + "]]></description>\n"
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([header] + [record(n) for n in range(1, 41)]))
    one, two = both(feed)
    assert cut_anything == [True]
    assert one == two
    report = feedcheck.Report.model_validate_json(two)
    assert (report.items, report.source.item_element) == (40, "rss/channel/item")
