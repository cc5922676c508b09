"""Peak memory of adversarial feed shapes, at two sizes: what a check adds to a process that has
imported feedcheck (``VmHWM``), for the shapes of ``tests/test_doubling.py`` written at scale 5
(10 to 30 MB) and at scale 25 (five times that). Checked batch by batch, a shape's peak should
not grow with the feed beyond what the feed-wide checks keep per product (about 16 bytes).

    python benchmarks/shapes.py            # prints a Markdown table (docs/upload-handler.md)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_doubling import RUNNER, SHAPES

SCALES = (5, 25)


def measure(path: Path, options: dict[str, object]) -> tuple[str, float]:
    """(what validate answered, MB it added), the lower of two fresh processes."""
    answers = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, str(path), json.dumps(options)], capture_output=True, text=True, check=True
        )
        answers.append(json.loads(done.stdout))
    return str(answers[0]["kind"]), min(float(a["mb"]) for a in answers)


def main() -> None:
    print("| shape | " + " | ".join(f"scale {scale}: input, MB added" for scale in SCALES) + " |")
    print("|---|" + "---|" * len(SCALES))
    with tempfile.TemporaryDirectory() as folder:
        for shape, (write, options) in SHAPES.items():
            cells = []
            for scale in SCALES:
                path = Path(folder) / "feed"
                write(path, scale)
                kind, mb = measure(path, options)
                refused = "" if kind == "Report" else f" ({kind})"
                cells.append(f"{path.stat().st_size / 1e6:.0f} MB, {mb:.0f}{refused}")
                path.unlink()
            print(f"| {shape} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
