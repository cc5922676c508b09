"""Concurrent validate() calls, as an upload handler's worker threads make them, give the same
reports as one after the other."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedcheck
from tests.conftest import FIXTURES

FEEDS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".csv", ".tsv", ".xml"))
FEEDS += sorted((FIXTURES / "codes").iterdir())[:30]


def answer(path: Path) -> str:
    try:
        return feedcheck.validate(path.read_bytes(), currency="EUR").model_dump_json()
    except feedcheck.FeedError as refusal:
        return f"{type(refusal).__name__}: {refusal}"


def test_concurrent_reports_equal_sequential_ones() -> None:
    expected = {path: answer(path) for path in FEEDS}
    jobs = FEEDS * 4
    random.Random(3).shuffle(jobs)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(answer, jobs))
    mismatched = [path.name for path, report in zip(jobs, got, strict=True) if report != expected[path]]
    assert not mismatched
    assert len({expected[p] for p in FEEDS}) > 30  # the feeds differ: the comparison means something
