"""Nothing is lost silently: every record read is written or named as dropped.

Hypothesis builds catalogues whose record count is known by construction (CSV written with
Python's csv module, XML with lxml), with values good, bad and empty. ``convert`` must write
every record or name it in ``dropped``, each exactly once, with or without ``drop_invalid``,
and both outputs must hold the same records.
"""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import feedcheck
from tests.test_convert import csv_records, xml_records

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Characters XML 1.0 can hold (the XML variant needs them); CSV gets the same values.
text = st.text(alphabet=st.sampled_from([*"ab Z0é€,;|\"'<>&\n\t/.-💡", "\u00a0", "\u2028"]), max_size=10)
titles = st.one_of(st.just(""), text, st.just("Lampe de chevet"))
links = st.sampled_from(["", "https://shop.example/p", "shop.example/p", "javascript:alert(1)", "https://a b"])
prices = st.sampled_from(["", "12,50 €", "12.50 EUR", "dix euros", "0", "-3 EUR", "1.299,00", "EUR"])
rows = st.lists(st.tuples(titles, links, links, prices, text), min_size=1, max_size=15)
HEADER = ["id", "title", "link", "image_link", "price", "description"]


def as_csv(records: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


def as_xml(records: list[list[str]]) -> bytes:
    root = etree.Element("products")
    for record in records:
        product = etree.SubElement(root, "product")
        for name, value in zip(HEADER, record, strict=True):
            etree.SubElement(product, name).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def check(data: bytes, ids: list[str], drop_invalid: bool) -> None:
    csv_out, xml_out = io.BytesIO(), io.BytesIO()
    result = feedcheck.convert(data, csv=csv_out, xml=xml_out, drop_invalid=drop_invalid)
    assert result.items == len(ids)
    written = [r["id"] for r in csv_records(csv_out.getvalue())]
    assert [r["id"] for r in xml_records(xml_out.getvalue())] == written
    dropped = [d.id for d in result.dropped]
    assert result.written == len(written)
    assert sorted(written + dropped, key=ids.index) == ids  # each record exactly once, none invented
    assert all(d.reasons for d in result.dropped)
    if not drop_invalid:
        assert written == ids


@SETTINGS
@given(rows, st.sampled_from([",", ";", "\t", "|"]), st.booleans())
def test_every_csv_record_is_written_or_named(records: list[tuple[str, ...]], delimiter: str, drop: bool) -> None:
    ids = [f"P{i}" for i in range(1, len(records) + 1)]
    check(as_csv([[i, *r] for i, r in zip(ids, records, strict=True)], delimiter), ids, drop)


@SETTINGS
@given(rows, st.booleans())
def test_every_xml_record_is_written_or_named(records: list[tuple[str, ...]], drop: bool) -> None:
    ids = [f"P{i}" for i in range(1, len(records) + 1)]
    check(as_xml([[i, *r] for i, r in zip(ids, records, strict=True)]), ids, drop)
