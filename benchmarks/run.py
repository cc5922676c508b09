"""Time feedcheck beside the raw readers, in whole processes, and print the ratios.

    python benchmarks/run.py [N] [--runs 3]

Needs ``benchmarks/data/feed_<N>.{csv,xml}`` and ``feed_<N>_new.csv`` (``python benchmarks/generate.py N``).
Each case runs in a fresh Python process, ``--runs`` times; the table shows the median wall time and the median
peak resident memory of the process (``wait4`` rusage). Targets (DESIGN.md): CSV validate within
2x polars.read_csv; XML validate within 1x a bare iterparse pass; convert within 3x polars
read + write.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).parent / "data"

CASES = {
    "polars.read_csv (all strings)": ("import polars as pl; pl.read_csv({csv!r}, separator=';', infer_schema=False)"),
    "lxml iterparse, records freed": (
        "from lxml import etree\n"
        "for _, el in etree.iterparse({xml!r}, events=('end',), tag='item'):\n"
        "    el.clear(keep_tail=True)\n"
        "    while el.getprevious() is not None:\n"
        "        del el.getparent()[0]\n"
    ),
    "feedcheck validate CSV": "import feedcheck; feedcheck.validate({csv!r})",
    # workers=2: what the command does on a 2-core machine (the library's default is 1).
    "feedcheck validate XML (workers=2)": "import feedcheck; feedcheck.validate({xml!r}, workers=2)",
    "polars read + write CSV": (
        "import polars as pl; pl.read_csv({csv!r}, separator=';', infer_schema=False).write_csv({out!r})"
    ),
    "feedcheck convert CSV -> CSV + XML": ("import feedcheck; feedcheck.convert({csv!r}, csv={out!r}, xml={out2!r})"),
    # Two versions read, normalised and compared; the next day's has 4 % of products changed,
    # 1 % removed and 1 % added (generate.NEW_VERSION).
    "feedcheck diff CSV -> next day's CSV": "import feedcheck; feedcheck.diff({csv!r}, {new!r})",
}
RATIOS = (
    ("CSV validate / polars read", "feedcheck validate CSV", "polars.read_csv (all strings)", 2.0),
    ("XML validate / bare iterparse", "feedcheck validate XML (workers=2)", "lxml iterparse, records freed", 1.0),
    ("convert / polars read+write", "feedcheck convert CSV -> CSV + XML", "polars read + write CSV", 3.0),
)


def run_once(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"benchmark process failed: {code}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    csv, xml, new = DATA / f"feed_{args.n}.csv", DATA / f"feed_{args.n}.xml", DATA / f"feed_{args.n}_new.csv"
    if not csv.exists() or not xml.exists() or not new.exists():
        raise SystemExit(f"missing {csv}, {xml} or {new}: run python benchmarks/generate.py {args.n}")
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"csv": str(csv), "xml": str(xml), "new": str(new), "out": f"{tmp}/out.csv", "out2": f"{tmp}/out.xml"}
        for name, template in CASES.items():
            runs = [run_once(template.format(**paths)) for _ in range(args.runs)]
            results[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    print(
        f"{args.n:,} products — CSV {csv.stat().st_size / 1e6:,.0f} MB, XML {xml.stat().st_size / 1e6:,.0f} MB, "
        f"median of {args.runs} runs, {os.cpu_count()} cores\n"
    )
    print(f"| {'case':<36} | {'time':>8} | {'peak RSS':>9} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 11}|")
    for name, (seconds, rss) in results.items():
        print(f"| {name:<36} | {seconds:>7.2f}s | {rss:>6,.0f} MB |")
    print(f"\n| {'ratio':<32} | {'value':>6} | {'target':>7} | ok  |")
    print(f"|{'-' * 34}|{'-' * 8}|{'-' * 9}|-----|")
    for label, ours, base, target in RATIOS:
        ratio = results[ours][0] / results[base][0]
        print(f"| {label:<32} | {ratio:>5.2f}x | {target:>5.1f}x  | {'yes' if ratio <= target else 'NO '} |")


if __name__ == "__main__":
    main()
