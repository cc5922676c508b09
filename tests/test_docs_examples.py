"""The examples in the docs run, and print what the docs say they print."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_upload_handler_example_prints_what_the_page_shows() -> None:
    page = (ROOT / "docs" / "upload-handler.md").read_text(encoding="utf-8")
    section = page[page.index("## An upload endpoint") :]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    shown = re.findall(r"```text\n(.*?)```", section, re.S)[-1]
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
