"""Peak memory of adversarial feed shapes, at two sizes: what a check adds to a process that has
imported feedcheck (``VmHWM``), for the shapes of ``tests/test_doubling.py`` written at 10 to 30 MB
and at five times that. Checked batch by batch, a shape's peak should not grow with the feed beyond what the
feed-wide checks keep per product (about 100 bytes).

    python benchmarks/shapes.py            # prints a Markdown table (docs/upload-handler.md)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_doubling import SHAPES, measure

SCALES = {"scale 5": 5, "scale 25": 25}  # scale 1 of tests/test_doubling.py: 2 to 6 MB


def main() -> None:
    print("| shape | " + " | ".join(f"MB added, {name}" for name in SCALES) + " |")
    print("|---|" + "---|" * len(SCALES))
    with tempfile.TemporaryDirectory() as folder:
        for shape, (write, options) in SHAPES.items():
            cells = []
            for scale in SCALES.values():
                path = Path(folder) / "feed"
                write(path, scale)
                size = path.stat().st_size
                _, mb = measure(path, options)
                cells.append(f"{mb:.0f} ({size / 1e6:.0f} MB in)")
                path.unlink()
            print(f"| {shape} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
