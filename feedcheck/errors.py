"""Refusals: every input feedcheck cannot use raises a subclass of :class:`FeedError`.

The hierarchy::

    FeedError                      the input cannot be used as a feed (CLI exit 3)
    ├── NotAFeedError              empty, binary, an image, a PDF, a spreadsheet, a web page
    ├── UnsupportedCompressionError  an archive we cannot open safely (several members, encrypted ...)
    ├── LimitExceededError         a size, item or column limit was reached
    ├── UnsafeInputError           DTDs, external entities, entity expansion
    ├── UndecodableError           text that no supported encoding can read
    └── MalformedFeedError         a structure so broken that no record can be read

Each message is a plain sentence a support person can read to the merchant.
"""

from __future__ import annotations


class FeedError(Exception):
    """Base of every refusal. ``str(err)`` is one readable line."""

    reason = "unusable-input"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAFeedError(FeedError):
    reason = "not-a-feed"


class UnsupportedCompressionError(FeedError):
    reason = "unsupported-compression"


class LimitExceededError(FeedError):
    reason = "limit-exceeded"


class UnsafeInputError(FeedError):
    reason = "unsafe-input"


class UndecodableError(FeedError):
    reason = "undecodable"


class MalformedFeedError(FeedError):
    reason = "malformed"


class UsageError(ValueError):
    """A caller mistake (bad option value, unknown profile): CLI exit 2."""
