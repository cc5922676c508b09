"""Batch sizes are an implementation detail: no result may depend on them.

Every feed below is converted with batches of 1, 2, 3, 7 and 1,000 records, and as the readers
cut it; the CSV reader also cuts the file into chunks of a few bytes, the XML reader into batches
of a few records. The report (JSON), its issue rows (as a set: they come batch by batch) and the
four outputs (bytes) must be identical every time.
"""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path

import pytest

import feedcheck
from feedcheck.read import csv_reader, xml_reader
from tests.conftest import CORPUS, FIXTURES

FEEDS = [
    FIXTURES / "xml_products_single_quoted_declaration_repeated_images.xml",
    FIXTURES / "xml_rss_cdata_shared_id_nested_shipping_price.xml",
    FIXTURES / "xml_heureka_shopitem_param_blocks.xml",
    FIXTURES / "convert_awkward.csv",
    FIXTURES / "csv_woocommerce_empty_sku_meta_columns.csv",
    FIXTURES / "csv_unclosed_quote.csv",
    FIXTURES / "csv_blank_line_between_records.csv",
    FIXTURES / "csv_semicolon_crlf_trailing_delimiter_and_ragged_row.csv",
    FIXTURES / "csv_cp1252_french_accents.csv",
    FIXTURES / "codes" / "encoding-invalid-bytes.csv",
    FIXTURES / "codes" / "id-duplicate.csv",
    FIXTURES / "codes" / "csv-unbalanced-quotes.csv",
]
CORPUS_FEEDS = [
    "woocommerce_sample_products_enhanced_bom.csv",
    "shopify_products_export_de_variants_image_rows.csv",
    "google_rss_magento_magmodules_batterijland_bad.xml",
    "flat_products_xml_nameit_bestseller.xml",
    "czech_universal_feed_sample.xml",
    "tradedoubler_nl_products_camelcase.xml",
    "tradetracker_nl_attributes_properties.xml",
]
SIZES = (1, 2, 3, 7, 1000)


TODAY = date(2026, 1, 15)
Result = tuple[str, list[tuple[object, ...]], bytes, bytes, bytes, bytes]


def outputs(source: Path | bytes, batch_size: int | None) -> Result:
    targets = [io.BytesIO() for _ in range(4)]
    csv_out, xml_out, google_xml, google_tsv = targets
    result = feedcheck.convert(
        source,
        csv=csv_out,
        xml=xml_out,
        google_xml=google_xml,
        google_tsv=google_tsv,
        batch_size=batch_size,
        currency="EUR",
        today=TODAY,
    )
    report = feedcheck.validate(source, batch_size=batch_size, currency="EUR", today=TODAY, issue_rows=True)
    assert report.model_dump_json() == result.report.model_dump_json()
    rows = sorted((tuple(str(v) for v in row.model_dump().values()) for row in report.issue_rows), key=str)
    return (result.report.model_dump_json(), rows, *(t.getvalue() for t in targets))  # type: ignore[return-value]


def check_invariance(
    source: Path | bytes,
    monkeypatch: pytest.MonkeyPatch,
    sizes: tuple[int, ...] = SIZES,
    chunks: tuple[int, ...] = (1, 5, 64),
) -> None:
    reference = outputs(source, None)
    for size in sizes:
        assert outputs(source, size) == reference, f"batch size {size} changed the result"
    for chunk in chunks:  # CSV chunks of a few bytes; XML batches of that many records
        monkeypatch.setattr(csv_reader, "CHUNK", chunk)
        monkeypatch.setattr(xml_reader, "BATCH", chunk)
        assert outputs(source, None) == reference, f"chunks of {chunk} changed the result"
    monkeypatch.undo()


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_reports_and_outputs_are_the_same_for_every_batch_size(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check_invariance(path, monkeypatch)


@pytest.mark.parametrize("path", sorted((FIXTURES / "dialects").iterdir()), ids=lambda p: p.name)
def test_each_dialect_reads_the_same_for_every_batch_size(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dialect's rules carry their state across batches (a Shopify product's rows, WooCommerce
    parents): cut anywhere, the records, findings and outputs are those of one batch."""
    check_invariance(path, monkeypatch, chunks=(5,))


@pytest.mark.parametrize("name", CORPUS_FEEDS)
def test_corpus_feeds_are_the_same_for_every_batch_size(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip("the corpus is not at ../shared/corpus")
    check_invariance(path, monkeypatch, chunks=(4096,))  # real feeds: chunks of a few records


def generated_csv(n: int, seed: int) -> bytes:
    """A feed with duplicates far apart, blank lines, ragged rows, bad prices and a late title line."""
    rng = random.Random(seed)
    lines = ["id;title;link;image_link;price;gtin;availability"]
    for i in range(1, n + 1):
        ident = f"SKU-{rng.randrange(n // 2 + 1)}"
        price = rng.choice(["19,90 €", "ten euros", "0", "1.299", "", "24.90 EUR"])
        gtin = rng.choice(["4006381333931", "123", "", "4006381333932"])
        row = f"{ident};Kettle {i};https://shop.example/p/{i};https://cdn.example/{i}.jpg;{price};{gtin};in stock"
        if rng.random() < 0.05:
            row += ";extra"
        lines.append(row)
        if rng.random() < 0.03:
            lines.append("")
    return ("\n".join(lines) + "\n").encode()


def generated_xml(n: int, seed: int) -> bytes:
    """Records where a field first appears late, repeated elements, an attribute currency."""
    rng = random.Random(seed)
    items = []
    for i in range(1, n + 1):
        extra = f"<g:gtin>400638133393{rng.randrange(10)}</g:gtin>" if i > n // 2 else ""
        images = "".join(
            f"<g:additional_image_link>https://cdn.example/{i}-{k}.jpg</g:additional_image_link>"
            for k in range(rng.randrange(3))
        )
        items.append(
            f"<item><g:id>P{rng.randrange(n)}</g:id><title>Kettle {i}</title><link>https://shop.example/p/{i}</link>"
            f"<g:image_link>https://cdn.example/{i}.jpg</g:image_link>{images}"
            f"<g:price>{rng.choice(['19.90 EUR', 'abc', '5'])}</g:price>{extra}</item>\n"
        )
    return (
        '<?xml version="1.0"?>\n<rss xmlns:g="http://base.google.com/ns/1.0"><channel>\n'
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


@pytest.mark.parametrize("seed", range(3))
def test_generated_feeds_are_the_same_for_every_batch_size(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    check_invariance(generated_csv(60, seed), monkeypatch)
    check_invariance(generated_xml(40, seed), monkeypatch, chunks=(1, 5))


def test_a_column_first_seen_after_the_sample_is_mapped_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """gtin appears only from record 1,501 on: past the sample of 1,000 records it is mapped by its
    name alone, and the 1,500 records before it count as empty, in one batch or in many."""
    feed = generated_xml(3000, 7)
    report = feedcheck.validate(feed, currency="EUR")
    gtin = next(f for f in report.fields if f.field == "gtin")
    assert gtin.column == "gtin"
    empty = next(i for i in report.issues if i.code == "empty-recommended-value" and i.field == "gtin")
    assert empty.count == 1500
    assert [e.item for e in empty.examples] == [1, 2, 3, 4, 5]
    check_invariance(feed, monkeypatch, sizes=(999, 1001), chunks=(64,))


def _late_feed(extra: dict[int, str], n: int) -> bytes:
    items = "".join(
        f"<item><id>P{i}</id><title>Lamp {i}</title><link>https://x.fr/p/{i}</link>"
        f"<image_link>https://x.fr/i/{i}.jpg</image_link><price>10.90 EUR</price>{extra.get(i, '')}</item>"
        for i in range(n)
    )
    return f"<rss><channel>{items}</channel></rss>".encode()


def test_a_price_field_first_seen_after_the_sample_in_the_first_batch_is_read() -> None:
    """Found by a break-it review: a sale price first seen at record 1,002, read ahead in the
    first batch, was mapped before the feed's facts were decided on a sample built without it
    (an InternalError); the report is now the one of batches of 2."""
    feed = _late_feed({1001: "<sale_price>5.00 EUR</sale_price>"}, 1002)
    whole = feedcheck.validate(feed, today=TODAY)
    assert whole.items == 1002
    small = feedcheck.validate(feed, batch_size=2, today=TODAY)
    assert whole.model_dump(exclude={"duration_seconds"}) == small.model_dump(exclude={"duration_seconds"})


@pytest.mark.parametrize("batch_size", [None, 2, 1])
def test_late_columns_competing_for_a_field_the_first_seen_takes_it(batch_size: int | None) -> None:
    """manufacturer (record 1,002) and brand (record 1,003) both name the brand: the first to
    appear takes it whatever the batches; the other is listed unmapped, its value not lost."""
    feed = _late_feed({1001: "<manufacturer>Acme</manufacturer>", 1002: "<brand>Bolt</brand>"}, 1003)
    report = feedcheck.validate(feed, batch_size=batch_size)
    brand = next(f for f in report.fields if f.field == "brand")
    assert (brand.column, brand.fallbacks, brand.filled) == ("manufacturer", [], 1)
    assert report.unmapped_columns == ["brand"]


def test_a_header_cell_longer_than_pythons_csv_limit_is_read(tmp_path: Path) -> None:
    """Python's csv module refuses fields over 128 KiB unless told otherwise (an InternalError)."""
    feed = tmp_path / "h.csv"
    feed.write_bytes(b"id,title,price," + b"a" * 200_000 + b"\n1,t,1 EUR,x\n")
    report = feedcheck.validate(feed)
    assert (report.items, len(report.columns[-1])) == (1, 200_000)
