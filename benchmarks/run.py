"""Time feedcheck beside the raw readers, in whole processes, and print the tables and ratios.

    python benchmarks/run.py [N ...] [--runs 3] [--data benchmarks/data]

Needs ``<data>/feed_<N>.{csv,xml}`` and ``feed_<N>_new.csv`` for each N (``python
benchmarks/generate.py N``). Each case runs in a fresh Python process, ``--runs`` times; the
tables show the median wall time and the median peak resident memory of the process (``wait4``
rusage; with ``workers=2``, the larger of the two processes). Targets (issue 15): CSV validate
within 3x polars.read_csv; XML validate within 1.5x a bare iterparse pass; convert within 4x
polars read + write; peak RSS of validate and convert at most 400 MB at 1M products, and at 2M
at most 10 % above the 1M figure.
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
    "feedcheck validate CSV": "import feedcheck; feedcheck.validate({csv!r}, limits=LIMITS)",
    "feedcheck validate XML": "import feedcheck; feedcheck.validate({xml!r}, limits=LIMITS)",
    # workers=2: what the command does on a 2-core machine (the library's default is 1).
    "feedcheck validate XML (workers=2)": "import feedcheck; feedcheck.validate({xml!r}, workers=2, limits=LIMITS)",
    "polars read + write CSV": (
        "import polars as pl; pl.read_csv({csv!r}, separator=';', infer_schema=False).write_csv({out!r})"
    ),
    "feedcheck convert CSV -> CSV + XML": (
        "import feedcheck; feedcheck.convert({csv!r}, csv={out!r}, xml={out2!r}, limits=LIMITS)"
    ),
    # Two versions read, normalised and compared; the next day's has 4 % of products changed,
    # 1 % removed and 1 % added (generate.NEW_VERSION).
    "feedcheck diff CSV -> next day's CSV": "import feedcheck; feedcheck.diff({csv!r}, {new!r}, limits=LIMITS)",
}
# The 2M-product XML is 1.5 GB, over the default max_bytes of 1 GiB.
LIMITS = "feedcheck.Limits(max_bytes=8 << 30, max_decompressed_bytes=8 << 30)"
RATIOS = (
    ("CSV validate / polars read", "feedcheck validate CSV", "polars.read_csv (all strings)", 3.0),
    ("XML validate / bare iterparse", "feedcheck validate XML (workers=2)", "lxml iterparse, records freed", 1.5),
    ("convert / polars read+write", "feedcheck convert CSV -> CSV + XML", "polars read + write CSV", 4.0),
)
BOUNDED = ("feedcheck validate CSV", "feedcheck validate XML", "feedcheck convert CSV -> CSV + XML")
RSS_TARGET_MB = 400.0


def run_once(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process (and of the second reader it may start)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"benchmark process failed: {code}")
    return elapsed, usage.ru_maxrss / 1024


def measure(n: int, data: Path, runs: int) -> dict[str, tuple[float, float]]:
    csv, xml, new = data / f"feed_{n}.csv", data / f"feed_{n}.xml", data / f"feed_{n}_new.csv"
    if not csv.exists() or not xml.exists() or not new.exists():
        raise SystemExit(f"missing {csv}, {xml} or {new}: run python benchmarks/generate.py {n} --out {data}")
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"csv": str(csv), "xml": str(xml), "new": str(new), "out": f"{tmp}/out.csv", "out2": f"{tmp}/out.xml"}
        for name, template in CASES.items():
            code = template.format(**paths).replace("LIMITS", LIMITS)
            done = [run_once(code) for _ in range(runs)]
            results[name] = (statistics.median(r[0] for r in done), statistics.median(r[1] for r in done))
    print(
        f"\n{n:,} products — CSV {csv.stat().st_size / 1e6:,.0f} MB, XML {xml.stat().st_size / 1e6:,.0f} MB, "
        f"median of {runs} runs, {os.cpu_count()} cores\n"
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
    sys.stdout.flush()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="*", type=int, default=[1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    every = {n: measure(n, args.data, args.runs) for n in args.n}
    if len(every) < 2:
        return
    sizes = list(every)
    print(f"\n| {'case (time, peak RSS)':<36} | " + " | ".join(f"{n:>16,}" for n in sizes) + " |")
    print(f"|{'-' * 38}|" + "|".join("-" * 18 for _ in sizes) + "|")
    for name in CASES:
        cells = " | ".join(f"{every[n][name][0]:>7.2f}s {every[n][name][1]:>5,.0f} MB" for n in sizes)
        print(f"| {name:<36} | {cells} |")
    if 1_000_000 in every and 2_000_000 in every:
        print(f"\n| {'peak RSS':<36} | {'1M':>8} | {'2M':>8} | {'2M/1M':>6} | ok  |")
        print(f"|{'-' * 38}|{'-' * 10}|{'-' * 10}|{'-' * 8}|-----|")
        for name in BOUNDED:
            one, two = every[1_000_000][name][1], every[2_000_000][name][1]
            ok = one <= RSS_TARGET_MB and two <= one * 1.10
            print(f"| {name:<36} | {one:>5,.0f} MB | {two:>5,.0f} MB | {two / one:>5.2f}x | {'yes' if ok else 'NO '} |")


if __name__ == "__main__":
    main()
