"""Download a feed from an http(s) address: the one place feedcheck touches the network.

Nothing calls this by itself: :func:`feedcheck.validate` takes paths, bytes and streams only, and
a string that looks like an address is a path to it. The command fetches the addresses it is
given; a pipeline calls :func:`fetch` and passes the stream on. An upload handler that never calls
it never reaches the network.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from feedcheck.errors import FetchError, LimitExceededError, UsageError
from feedcheck.limits import Limits

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes when known)

MAX_REDIRECTS = 5
SCHEMES = ("http", "https")


class Downloaded(io.BytesIO):
    """The feed's bytes, as a binary stream named after the address it came from."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def is_address(text: str) -> bool:
    """Whether the command should fetch ``text`` rather than open it as a path."""
    return urlsplit(text.strip()).scheme.lower() in SCHEMES and "//" in text


def _host(url: httpx.URL | str) -> str:
    parts = urlsplit(str(url))
    return parts.netloc.rsplit("@", 1)[-1] or str(url)


def fetch(
    url: str,
    *,
    limits: Limits | None = None,
    timeout: float = 30.0,
    deadline: float = 600.0,
    progress: Progress | None = None,
) -> Downloaded:
    """Download the feed at ``url`` (``http`` or ``https``) and return it as a binary stream
    (a :class:`io.BytesIO` whose ``name`` is ``url``) for :func:`feedcheck.validate` or
    :func:`feedcheck.convert`.

    ``timeout`` (seconds) bounds each step: connecting, and each wait for more data; ``deadline``
    (seconds) the whole download. At most 5 redirects are followed. A gzip or deflate transfer
    encoding is decoded; ``limits.max_bytes`` caps the decoded bytes, checked against the
    announced ``Content-Length`` before downloading and counted while downloading, so a larger
    answer is never held. ``progress(done, total)`` is called as bytes arrive (``total`` is None
    when the server does not announce it).

    Raises :class:`UsageError` for an address that is not http(s); :class:`FetchError` (a
    :class:`FeedError`) when the address does not answer with a feed: an HTTP error status, a
    refused connection, an unknown host, a timeout, too many redirects; and
    :class:`LimitExceededError` past ``limits.max_bytes``.
    """
    limits = limits or Limits()
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise UsageError(f"Only http and https addresses can be fetched, got {url!r}.")
    started = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    try:
        with (
            httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout) as client,
            client.stream("GET", url, headers={"Accept-Encoding": "gzip, deflate"}) as answer,
        ):
            if answer.status_code >= 400:
                raise FetchError(
                    f"The address answered {answer.status_code} {answer.reason_phrase}: check the feed address."
                )
            announced = answer.headers.get("Content-Length")
            total = int(announced) if announced and announced.isdigit() and not _encoded(answer) else None
            if total is not None and total > limits.max_bytes:
                raise LimitExceededError(f"The feed is {total:,} bytes, over the limit of {limits.max_bytes:,} bytes.")
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise LimitExceededError(
                        f"The feed is larger than the limit of {limits.max_bytes:,} bytes; split it or raise the limit."
                    )
                chunks.append(chunk)
                if progress is not None:
                    progress(size, total)
                if time.monotonic() - started > deadline:
                    raise FetchError(f"The download took longer than {deadline:g} seconds, the limit.")
    except httpx.TimeoutException:
        raise FetchError(f"{_host(url)} did not answer within {timeout:g} seconds.") from None
    except httpx.TooManyRedirects:
        raise FetchError(f"The address redirects more than {MAX_REDIRECTS} times.") from None
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(f"The address redirects to an address feedcheck does not fetch ({exc}).") from None
    except httpx.ConnectError as exc:
        raise FetchError(f"Could not connect to {_host(url)} ({_reason(exc)}).") from None
    except httpx.DecodingError:
        raise FetchError("The server's compressed answer is damaged.") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"The download from {_host(url)} failed ({_reason(exc)}).") from None
    return Downloaded(b"".join(chunks), url)


def _encoded(answer: httpx.Response) -> bool:
    """A transfer encoding: the announced length counts encoded bytes, not the feed's."""
    return answer.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "unknown host"
    return text
