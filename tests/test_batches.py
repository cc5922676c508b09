"""Batch sizes are an implementation detail: no result may depend on them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import feedcheck
from feedcheck.read import xml_reader as read_xml
from feedcheck.write import canonical as write
from tests.conftest import FIXTURES

FEEDS = [
    FIXTURES / "xml_products_single_quoted_declaration_repeated_images.xml",
    FIXTURES / "xml_rss_cdata_shared_id_nested_shipping_price.xml",
    FIXTURES / "xml_heureka_shopitem_param_blocks.xml",
    FIXTURES / "convert_awkward.csv",
    FIXTURES / "csv_woocommerce_empty_sku_meta_columns.csv",
]


def outputs(path: Path) -> tuple[str, bytes, bytes]:
    csv_out, xml_out = io.BytesIO(), io.BytesIO()
    result = feedcheck.convert(path, csv=csv_out, xml=xml_out)
    return result.report.model_dump_json(), csv_out.getvalue(), xml_out.getvalue()


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_reports_and_outputs_are_the_same_for_every_batch_size(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = outputs(path)
    for size in (1, 2, 3, 7):
        monkeypatch.setattr(read_xml, "BATCH", size)
        monkeypatch.setattr(write, "BATCH", size)
        assert outputs(path) == reference, f"batch size {size} changed the result"
