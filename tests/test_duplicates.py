"""Duplicates are linear: a feed of one id repeated 200,000 times validates in seconds and a few
hundred MB (issue 14 measured 24 GB when every row listed all its twins' lines), and the
collectors give the same finding however the feed is cut into batches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

import feedcheck
from feedcheck.checks import collectors
from feedcheck.checks.base import ITEM, Context
from feedcheck.checks.duplicates import Duplicates
from feedcheck.checks.identity import id_key
from feedcheck.profile import load_profile
from feedcheck.read.csv_reader import LINE

SECONDS = 20  # generous on a shared 2-core machine: it takes a few seconds
PEAK_MB = 500
COPIES = 200_000

# The child's peak memory is its own high-water mark (VmHWM): ru_maxrss would count the
# memory of the pytest process it was forked from.
RUNNER = """
import json, sys, time
import feedcheck
start = time.perf_counter()
report = feedcheck.validate(sys.argv[1])
seconds = time.perf_counter() - start
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
dup = next(i for i in report.issues if i.code == "id-duplicate")
print(json.dumps({"seconds": seconds, "peak_mb": peak, "items": report.items, "count": dup.count,
                  "values": [e.value for e in dup.examples]}))
"""


def test_one_id_repeated_200000_times_is_cheap(tmp_path: Path) -> None:
    feed = tmp_path / "copies.csv"
    row = "SKU-1,Kettle,https://shop.example/p/1,https://cdn.example/1.jpg,39.90 EUR\n"
    feed.write_text("id,title,link,image_link,price\n" + row * COPIES, encoding="utf-8")
    assert 10_000_000 < feed.stat().st_size < 16_000_000
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(feed)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["items"] == answer["count"] == COPIES
    # The first examples name their first ten twins, then "...".
    assert answer["values"][0] == "SKU-1 (also lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...)"
    assert answer["values"][1] == "SKU-1 (also lines 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...)"
    assert answer["seconds"] < SECONDS, answer
    assert answer["peak_mb"] < PEAK_MB, answer


def _frame(ids: list[str], gtins: list[str | None]) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame(
        {ITEM: range(1, n + 1), LINE: range(2, n + 2), "id": ids, "__gtin__keys": gtins},
        schema_overrides={ITEM: pl.Int64, LINE: pl.Int64},
    )


def test_collectors_give_the_same_finding_in_any_batches() -> None:
    ids = ["A", "b", "B", "c", "C ", "d", "a", "e"]
    gtins = ["4006381333931", None, "04006381333931", "5012345678900", None, "4006381333931,5012345678900", None, None]
    frame = _frame(ids, gtins)
    ctx = Context(load_profile(), frozenset({"id", "gtin"}))

    def found(sizes: list[int]) -> list[object]:
        made = collectors(ctx)
        start = 0
        for size in sizes:
            for collector in made:
                collector.add(frame.slice(start, size))
            start += size
        return [c.issue() for c in made]

    whole = found([8])
    assert found([1, 2, 5]) == found([3, 3, 2]) == whole
    ident, gtin = whole
    assert ident is not None and gtin is not None
    # a/A (lines 2, 8), b/B (3, 4), c/"C " (5, 6).
    assert ident.count == 6
    assert [(e.line, e.value) for e in ident.examples] == [
        (2, "A (also line 8)"),
        (3, "b (also line 4)"),
        (4, "B (also line 3)"),
        (5, "c (also line 6)"),
        (6, "C  (also line 5)"),  # shown as written, "C " (the reader trims; this frame is not)
    ]
    # 4006381333931 on lines 2, 4 and 7 (once as GTIN-14); 5012345678900 on lines 5 and 7.
    assert gtin.count == 4
    assert [(e.line, e.value) for e in gtin.examples] == [
        (2, "4006381333931 (also lines 4, 7)"),
        (4, "04006381333931 (also lines 2, 7)"),
        (5, "5012345678900 (also line 7)"),
        (7, "4006381333931 (also lines 2, 4)"),
    ]


def test_id_key_folds_case_and_blanks_only() -> None:
    keys = pl.DataFrame({"id": ["SKU-1", " sku-1 ", "SKU\u00a0 1", "SKU 1", "SKU_1"]}).select(id_key(pl.col("id")))
    assert keys.to_series().to_list() == ["sku-1", "sku-1", "sku 1", "sku 1", "sku_1"]


def test_duplicates_without_any_batch_find_nothing() -> None:
    assert Duplicates("id-duplicate", "id", pl.concat_list(pl.col("id")), pl.concat_list(pl.col("id"))).issue() is None


def test_gtin_duplicate_counts_variants_too() -> None:
    feed = (
        "id,title,link,image_link,price,gtin,item_group_id\n"
        "A,Mug white,https://x.fr/1,https://x.fr/1.jpg,9.90 EUR,4006381333931,G\n"
        "B,Mug black,https://x.fr/2,https://x.fr/2.jpg,9.90 EUR,4006381333931,G\n"
    )
    issue = next(i for i in feedcheck.validate(feed.encode()).issues if i.code == "gtin-duplicate")
    assert (issue.count, [e.line for e in issue.examples]) == (2, [2, 3])
