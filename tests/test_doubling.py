"""Twice the input, at most about twice the cost: for adversarial shapes of feed, validate runs on a
feed and on the same feed doubled, each in a fresh process, and neither the processor time nor the
memory it adds to a process that has only imported feedcheck (and warmed it up) may grow by more
than ``RATIO`` (2 for a linear cost; 4 for a quadratic one). Sizes are chosen so that the work, not
the start-up, is measured; processor time rather than the clock, and the lower of two runs, keep a
busy machine's noise out.

What it catches: a rule that looks at every twin of every row, a scan that rescans a growing
buffer, a reader that holds what it should free.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RATIO = 3.0

RUNNER = """
import json, resource, sys
import feedcheck
from feedcheck.read import split_xml


def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


def cpu():
    # Processor time of every thread, and of a second reader once it has ended: unlike the
    # clock, it does not count the time other processes of a busy machine take.
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


path, options = sys.argv[1], json.loads(sys.argv[2])
if options.pop("split", False):
    split_xml.MIN_BYTES = 0  # cut any file in two, as the command does with big ones
feedcheck.validate(b"id,title\\n1,warm up\\n")  # polars' and lxml's first-use costs are start-up
base, start = hwm(), cpu()
try:
    feedcheck.validate(path, **options)
    kind = "Report"
except feedcheck.FeedError as err:
    kind = type(err).__name__
print(json.dumps({"kind": kind, "seconds": cpu() - start, "mb": hwm() - base}))
"""

CSV_HEAD = b"id,title,link,image_link,price"


def _csv(path: Path, header: bytes, row: Callable[[int], bytes], count: int) -> None:
    with path.open("wb") as out:
        out.write(header + b"\n")
        for start in range(0, count, 10_000):
            out.write(b"".join(row(n) for n in range(start, min(start + 10_000, count))))


def _record(n: int) -> bytes:
    return b"P%d,Kettle %d,https://s.example/p/%d,https://s.example/%d.jpg,39.90 EUR" % (n, n, n, n)


def repeated_codes(path: Path, scale: int) -> None:
    """GTIN cells listing 30 one-digit codes."""
    codes = b'"' + b"1," * 29 + b'1"'
    _csv(path, CSV_HEAD + b",gtin", lambda n: _record(n) + b"," + codes + b"\n", 15_000 * scale)


def repeated_urls(path: Path, scale: int) -> None:
    """Image cells listing 20 URLs."""
    urls = b'"' + b",".join([b"https://s.example/x.jpg"] * 20) + b'"'
    _csv(path, CSV_HEAD + b",additional_image_link", lambda n: _record(n) + b"," + urls + b"\n", 10_000 * scale)


def wide_rows(path: Path, scale: int) -> None:
    """2,000 columns, nearly all empty."""
    header = b",".join(b"c%d" % i for i in range(2_000))
    _csv(path, header, lambda n: b"P%d" % n + b"," * 1_999 + b"\n", 1_500 * scale)


def long_cells(path: Path, scale: int) -> None:
    """Descriptions of 200,000 characters."""
    text = b"lorem ipsum " * 16_666
    _csv(path, CSV_HEAD + b",description", lambda n: _record(n) + b"," + text + b"\n", 15 * scale)


def tiny_rows(path: Path, scale: int) -> None:
    """Every field of the default profile, one character each."""
    fields = (
        b"id,title,description,link,image_link,price,regular_price,availability,condition,brand,gtin,mpn,color,size"
    )
    _csv(path, fields, lambda n: b"P%d" % n + b",a" * 13 + b"\n", 60_000 * scale)


def stray_quote(path: Path, scale: int) -> None:
    """One quote out of place on the first record: the whole file goes through Python's csv module."""
    _csv(
        path,
        CSV_HEAD,
        lambda n: (_record(n).replace(b"Kettle", b'Ket"tle') if n == 0 else _record(n)) + b"\n",
        30_000 * scale,
    )


def blank_lines(path: Path, scale: int) -> None:
    """Three blank lines after every record."""
    _csv(path, CSV_HEAD, lambda n: _record(n) + b"\n\n\n\n", 40_000 * scale)


RSS_HEAD = b'<?xml version="1.0"?>\n<rss xmlns:g="http://base.google.com/ns/1.0"><channel>'


def _xml(path: Path, record: Callable[[int], bytes], count: int, channel: bytes = b"") -> None:
    with path.open("wb") as out:
        out.write(RSS_HEAD + channel)
        for start in range(0, count, 5_000):
            out.write(b"".join(record(n) for n in range(start, min(start + 5_000, count))))
        out.write(b"</channel></rss>\n")


def _item(n: int, inner: bytes = b"") -> bytes:
    return b"<item><g:id>%d</g:id><title>Kettle %d</title><g:price>39.90 EUR</g:price>%s</item>\n" % (n, n, inner)


def deep_nesting(path: Path, scale: int) -> None:
    """Every record nests 200 levels deep (libxml2 allows 256)."""
    deep = b"<a>" * 200 + b"x" + b"</a>" * 200
    _xml(path, lambda n: _item(n, deep), 3_000 * scale)


def repeated_elements(path: Path, scale: int) -> None:
    """Every record repeats one element 500 times (one multi-valued field)."""
    many = b"<g:additional_image_link>https://s.example/x.jpg</g:additional_image_link>" * 500
    _xml(path, lambda n: _item(n, many), 60 * scale)


def wide_records(path: Path, scale: int) -> None:
    """Every record holds 1,000 empty elements of different names."""
    wide = b"".join(b"<f%d/>" % i for i in range(1_000))
    _xml(path, lambda n: _item(n, wide), 400 * scale)


def many_attributes(path: Path, scale: int) -> None:
    wide = b"<meta " + b" ".join(b'a%d="x"' % i for i in range(1_000)) + b"/>"
    _xml(path, lambda n: _item(n, wide), 400 * scale)


def unclosed_instructions(path: Path, scale: int) -> None:
    """A channel header of '<?' in a CDATA, read in two halves: the planner scanned its head once per token."""
    channel = b"<description><![CDATA[" + b"<?" * (100_000 * scale) + b"]]></description>\n"
    _xml(path, _item, 20_000 * scale, channel)


SHAPES: dict[str, tuple[Callable[[Path, int], None], dict[str, object]]] = {
    "csv repeated codes": (repeated_codes, {}),
    "csv repeated urls": (repeated_urls, {}),
    "csv wide rows": (wide_rows, {}),
    "csv long cells": (long_cells, {}),
    "csv tiny rows": (tiny_rows, {}),
    "csv stray quote": (stray_quote, {}),
    "csv blank lines": (blank_lines, {}),
    "xml deep nesting": (deep_nesting, {}),
    "xml repeated elements": (repeated_elements, {}),
    "xml wide records": (wide_records, {}),
    "xml many attributes": (many_attributes, {}),
    "xml unclosed instructions, two halves": (unclosed_instructions, {"workers": 2, "split": True}),
}


def measure(path: Path, options: dict[str, object]) -> tuple[float, float]:
    """(processor seconds, MB) validate adds, the lower of two fresh processes."""
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, str(path), json.dumps(options)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "no_proxy": "*"},
        )
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["kind"] == "Report", answer
        runs.append((float(answer["seconds"]), float(answer["mb"])))
    return min(r[0] for r in runs), min(r[1] for r in runs)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_twice_the_input_costs_at_most_about_twice(tmp_path: Path, shape: str) -> None:
    write, options = SHAPES[shape]
    single, double = tmp_path / "single", tmp_path / "double"
    write(single, 1)
    write(double, 2)
    assert 1.8 < double.stat().st_size / single.stat().st_size < 2.2
    seconds_1, mb_1 = measure(single, options)
    seconds_2, mb_2 = measure(double, options)
    # A floor keeps the ratio of two tiny figures (a few ms, a few MB) from meaning anything.
    print(f"{shape}: {seconds_1:.2f} s {mb_1:.0f} MB -> {seconds_2:.2f} s {mb_2:.0f} MB")
    assert seconds_2 / max(seconds_1, 0.1) < RATIO, (shape, seconds_1, seconds_2)
    assert mb_2 / max(mb_1, 10.0) < RATIO, (shape, mb_1, mb_2)
