"""The small defects found while trying the command as support staff would (issue 16, item 7)."""

from __future__ import annotations

import pytest

import feedcheck

EMPTY_RSS = (
    b'<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n<channel>\n'
    b"<title>Boutique</title>\n<link>https://shop.example</link>\n<description>Our products</description>\n"
    b"</channel>\n</rss>\n"
)
EMPTY_ATOM = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Shop</title><updated>2024-01-01</updated></feed>'


@pytest.mark.parametrize(
    "document",
    [EMPTY_RSS, EMPTY_ATOM, b"<products/>", b"<?xml version='1.0'?>\n<products>\n</products>\n"],
    ids=["rss-channel-without-item", "atom-feed-without-entry", "empty-element", "empty-products"],
)
def test_an_xml_document_with_no_record_is_an_empty_feed(document: bytes) -> None:
    report = feedcheck.validate(document)
    assert report.items == 0
    assert [(i.code, i.count) for i in report.issues if i.code == "feed-empty"] == [("feed-empty", 0)]
    assert report.source.item_element is None
    assert not report.valid


def test_a_root_holding_fields_is_still_the_one_record() -> None:
    report = feedcheck.validate(b"<product><id>A</id><title>Lamp</title></product>")
    assert (report.items, report.source.item_element) == (1, "product")


def test_an_undeclared_prefix_after_the_first_record_is_named_and_every_record_read() -> None:
    feed = (
        b"<products>\n<product><id>1</id><title>A</title></product>\n"
        b"<product><id>2</id><g:brand>Acme</g:brand><title>B</title></product>\n"
        b"<product><id>3</id><title>C</title></product>\n</products>\n"
    )
    report = feedcheck.validate(feed)
    assert report.items == 3
    (issue,) = [i for i in report.issues if i.code == "xml-undeclared-prefix"]
    assert issue.message == (
        "The XML uses the prefix g: without declaring it (xmlns); strict XML readers refuse the file"
    )
    assert [(e.line, e.id) for e in issue.examples] == [(3, "2")]
    assert next(f for f in report.fields if f.field == "brand").filled == 1


def test_an_undeclared_prefix_on_the_root_refuses_the_file_naming_the_prefix_and_the_fix() -> None:
    with pytest.raises(feedcheck.MalformedFeedError) as refused:
        feedcheck.validate(b"<g:products><g:product><g:id>1</g:id></g:product></g:products>")
    assert refused.value.message == (
        'The XML uses the prefix g: (in <g:products>, line 1) without declaring it: add xmlns:g="'
        'http://base.google.com/ns/1.0" to the root element.'
    )


def test_an_undeclared_prefix_on_an_attribute_is_named() -> None:
    report = feedcheck.validate(b'<products>\n<product x:id="1"><title>A</title></product>\n</products>')
    assert report.items == 1
    (issue,) = [i for i in report.issues if i.code == "xml-undeclared-prefix"]
    assert "the prefix x: without declaring it" in issue.message
    assert [e.line for e in issue.examples] == [2]
