"""Refusals: every input feedcheck cannot use raises a subclass of :class:`FeedError`.

The hierarchy::

    FeedError                      the input cannot be used as a feed (CLI exit 3)
    ├── NotAFeedError              empty, binary, an image, a PDF, a spreadsheet, a web page
    ├── UnsupportedCompressionError  an archive we cannot open safely (several members, encrypted ...)
    ├── LimitExceededError         a size, item or column limit was reached
    ├── UnsafeInputError           DTDs, external entities, entity expansion
    ├── UndecodableError           text that no supported encoding can read
    ├── MalformedFeedError         a structure so broken that no record can be read
    ├── FetchError                 an address that gives no feed: an HTTP error, no answer, a time-out
    └── InternalError              feedcheck itself failed on this input: a bug to report (CLI exit 4)

    UsageError (a ValueError)      a caller mistake: a bad option, an unknown profile (CLI exit 2)
    └── SourceTypeError (also a TypeError)  a source that is no path, bytes or binary stream

Each message is a plain sentence a support person can read to the merchant. ``validate`` and
``convert`` answer every input with a result or one of these: :func:`answer_or_refuse` turns
anything else into :class:`InternalError` (and a ``MemoryError`` into :class:`LimitExceededError`).
An ``OSError`` while reading the caller's file or writing the caller's target is the machine's,
not the feed's, and passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ValidationError


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


class FetchError(FeedError):
    """:func:`feedcheck.fetch` got no feed from the address (CLI exit 3)."""

    reason = "fetch-failed"


class InternalError(FeedError):
    """feedcheck failed on this input. The original exception is ``__cause__``."""

    reason = "internal-error"


class UsageError(ValueError):
    """A caller mistake (bad option value, unknown profile): CLI exit 2."""


class SourceTypeError(UsageError, TypeError):
    """The source is neither a path, bytes nor a binary stream."""


def wrong_argument(name: str, expected: str, value: object) -> UsageError:
    """``UsageError("workers must be a whole number of 1 or more, got '2'.")``: the argument's
    name, what it takes, and what it got (its ``repr``, which tells ``'2'`` from ``2``)."""
    shown = repr(value)
    shown = shown if len(shown) <= 100 else shown[:97] + "..."
    return UsageError(f"{name} must be {expected}, got {shown}.")


def usage_from_validation(owner: str, exc: ValidationError, fields: list[str]) -> UsageError:
    """pydantic's first complaint about ``owner(...)`` as one sentence naming the argument."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or owner
    if first["type"] == "extra_forbidden":
        return UsageError(f"{owner} has no argument {where!r}; its arguments are {', '.join(fields)}.")
    message = first["msg"]
    message = message[0].lower() + message[1:]
    if message.startswith("input should "):
        message = message[len("input ") :]
    return UsageError(f"{owner}: {where} {message}, got {first.get('input')!r}.")


class CheckedModel(BaseModel):
    """A pydantic model whose constructor answers bad arguments with :class:`UsageError` naming
    the argument, like every other public entry point (pydantic's ``ValidationError`` is for
    data, not for a caller's mistake). Only for models never validated inside another from
    outside data: pydantic calls a custom ``__init__`` then, and wraps what it raises."""

    def __init__(self, *args: object, **data: Any) -> None:
        owner = type(self).__name__
        if args:
            raise UsageError(
                f"{owner} takes keyword arguments only, such as {owner}({next(iter(type(self).model_fields))}=...)."
            )
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise usage_from_validation(type(self).__name__, exc, list(type(self).model_fields)) from None


@contextmanager
def answer_or_refuse() -> Iterator[None]:
    """Let refusals, caller mistakes and the machine's I/O errors through; anything else
    becomes an :class:`InternalError`, a ``MemoryError`` a :class:`LimitExceededError`."""
    try:
        yield
    except (FeedError, UsageError, OSError):
        raise
    except MemoryError:
        raise LimitExceededError(
            "The feed needs more memory than this process has; lower the limits or split the feed."
        ) from None
    except Exception as exc:
        raise InternalError(
            f"feedcheck failed on this file ({type(exc).__name__}: {exc}); "
            "this is a bug in feedcheck, please report it."
        ) from exc
