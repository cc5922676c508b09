"""A progress line on a terminal for long runs: what the command shows while a big feed is read.

:class:`TerminalProgress` is a ``progress(done, total)`` callback (see ``validate(progress=...)``):
it draws nothing during the first ``delay`` seconds, nor ever when its stream is not a terminal,
so quick runs, pipes and logs stay clean, and standard output is never touched.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_MB = 1_000_000


def _size(count: int) -> str:
    return f"{count / _MB:,.1f} MB" if count >= _MB else f"{count:,} bytes"


class TerminalProgress:
    """``label: 45% [#########           ] 270.0 MB of 600.0 MB`` redrawn in place on ``stream``
    (standard error by default), at most ten times a second, once ``delay`` seconds have passed.
    When the total is unknown, the bytes read so far. :meth:`close` erases the line."""

    def __init__(
        self, label: str, stream: TextIO | None = None, delay: float = 1.5, enabled: bool | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.started = time.monotonic()
        self.drawn = 0.0  # when the line was last drawn (0: never)
        self.width = 0

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or now - self.drawn < 0.1:
            return
        if total:
            share = min(done / total, 1.0)
            bar = "#" * int(share * 20)
            text = f"{self.label}: {share:4.0%} [{bar:<20}] {_size(done)} of {_size(total)}"
            if done >= total:
                text += ", checking…"
        else:
            text = f"{self.label}: {_size(done)} read"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)
        self.drawn = now

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.drawn = 0.0
