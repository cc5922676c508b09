"""Links and image links: absolute http(s), a host, no spaces, no script schemes; and the limits a
profile sets (``[rules.urls]``, ``[rules.images]``: Google's 2,000 ASCII characters and image
formats). Every rule here is per item."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from feedcheck.checks.base import MULTI_SEP, Context, Rule, helper, on_rows

# Schemes that are no web page at all; anything else without http(s):// is not absolute.
_SCHEME = r"(?i)^\s*(javascript|vbscript|data|file|ftp|ftps|sftp|mailto|tel|about|blob|chrome|ws|wss):"
_HTTP = r"(?i)^https?://"
_HOST = r"(?i)^https?://(?:[^/?#@\s]*@)?(\[[^\]/]*\]|[^/?#:\s]+)"
_LOCAL = (
    r"(?i)^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+"
    r"|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|\[(::1?|0*:0*:0*:0*:0*:0*:0*:0*1?|f[cd][^\]]*|fe80[^\]]*)\]"
    r"|(.+\.)?(localhost|local|test|internal|lan|home\.arpa))\.?$"
)
# Image file extensions: every format a product image URL may name (a profile may accept fewer).
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "avif", "svg", "svgz", "heic", "heif")
_IMAGE_EXT = r"(?i)\.(" + "|".join(IMAGE_EXTENSIONS) + r")$"
_SEVERAL = r"(?i)[\s,;|]https?://"

# A URL no rule can hit: http(s), a host of plain labels ending in a top-level domain of letters,
# no spaces, commas, semicolons or bars (where several URLs would be split). Most values are
# like this; the rules run on the others only.
_PLAIN_HOST = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}(?::\d{1,5})?"
_PLAIN = rf"(?i)^https?://{_PLAIN_HOST}(?:[/?#][^\s,;|]*)?$"


def _plain_image(extensions: tuple[str, ...]) -> str:
    return rf"(?i)^https?://{_PLAIN_HOST}/[^\s,;|?#]*\.(?:{'|'.join(extensions)})(?:[?#][^\s,;|]*)?$"


_NOT_ASCII = r"[^\x00-\x7f]"
# ... except in the top-level domains _LOCAL names.
_LOCAL_TLD = r"(?i)^https?://[^/?#]*\.(?:localhost|local|test|internal|lan|arpa)(?::\d+)?(?:[/?#]|$)"


def _path(url: pl.Expr) -> pl.Expr:
    return url.str.replace(r"[?#].*$", "").str.replace(r"(?i)^https?://[^/]*", "")


def _host(url: pl.Expr) -> pl.Expr:
    return url.str.extract(_HOST, 1)


_IMAGE_FIELDS = ("image_link", "additional_image_link")


@dataclass(frozen=True)
class Limits:
    """What the profile asks of one URL field: at most ``max_length`` characters, ASCII only,
    an image in one of ``formats`` (empty: no format rule)."""

    max_length: int | None = None
    ascii_only: bool = False
    formats: tuple[str, ...] = ()


def limits_of(ctx: Context, name: str) -> Limits:
    """The profile's rules for the URL field ``name`` (``[rules.urls]``, ``[rules.images]``)."""
    urls, images = ctx.profile.rules.urls, ctx.profile.rules.images
    on_urls = name in urls.fields
    formats = tuple(f.lower() for f in images.formats) if name in images.fields else ()
    return Limits(urls.max_length if on_urls else None, urls.ascii_only and on_urls, formats)


def _checks(
    url: pl.Expr, host: pl.Expr, path: pl.Expr, image: bool, single: bool, limits: Limits = Limits()
) -> list[tuple[str, pl.Expr, bool]]:
    """(code, hit, whether a hit makes the value invalid) for one URL with its host and path."""
    http, unsafe, several = url.str.contains(_HTTP), url.str.contains(_SCHEME), url.str.contains(_SEVERAL)
    checks = [
        ("url-unsafe-scheme", unsafe, True),
        ("url-not-absolute", ~unsafe & (~http | host.is_null()), True),
        ("url-has-spaces", url.str.contains(r"\s") & ~several, True),
        ("url-local-host", host.str.contains(_LOCAL), False),
    ]
    if single:
        checks.append(("url-several-in-one", several, False))
    if image:
        not_image = http & (path.str.len_chars() > 1) & ~path.str.contains(_IMAGE_EXT)
        checks.append(("image-extension-unusual", not_image, False))
    if limits.max_length is not None:
        checks.append(("url-too-long", url.str.len_chars() > limits.max_length, True))
    if limits.ascii_only:
        checks.append(("url-not-ascii", url.str.contains(_NOT_ASCII), False))
    if image and limits.formats:
        extension = path.str.extract(_IMAGE_EXT, 1).str.to_lowercase()
        checks.append(("image-format-unsupported", ~extension.is_in(list(limits.formats)), True))
    return checks


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def _hits(urls: pl.Series, image: bool, single: bool, limits: Limits) -> pl.DataFrame:
    """One boolean column per rule code, aligned with ``urls``. Plain URLs (the bulk) hit no
    rule; host, path and the rules are computed for the others only."""
    frame = pl.DataFrame({"url": urls})
    url = pl.col("url")
    pattern = _plain_image(limits.formats or IMAGE_EXTENSIONS) if image else _PLAIN
    plain = url.str.contains(pattern) & ~url.str.contains(_LOCAL_TLD)
    if limits.max_length is not None:
        plain = plain & (url.str.len_chars() <= limits.max_length)
    if limits.ascii_only:
        plain = plain & ~url.str.contains(_NOT_ASCII)
    rows = frame.select((url.is_not_null() & ~plain).fill_null(False)).to_series().arg_true()
    checks = _checks(url, _host(url), _path(url), image, single, limits)
    base = pl.DataFrame({code: np.zeros(len(urls), dtype=bool) for code, _, _ in checks})
    return on_rows(frame, rows, [mask.fill_null(False).alias(code) for code, mask, _ in checks], base)


def _multi_columns(frame: pl.DataFrame, name: str, limits: Limits) -> list[pl.Series]:
    """Every rule over all the URLs of a multi-valued field as one flat column; per item, whether
    any of its URLs is hit and the first that is, found from the offsets of the exploded lists."""
    lists = frame.get_column(name).str.split(MULTI_SEP)
    counts = lists.list.len().fill_null(0).to_numpy().clip(min=1)  # explode keeps one row per empty item
    ends = np.cumsum(counts)
    starts = ends - counts
    urls = lists.explode()
    hits = _hits(urls, name in _IMAGE_FIELDS, False, limits)
    checks = _checks(pl.col("url"), pl.col("url"), pl.col("url"), name in _IMAGE_FIELDS, False, limits)
    out: list[pl.Series] = []
    for code, _, _ in checks:
        hit = hits.get_column(code).to_numpy()
        running = np.concatenate(([0], np.cumsum(hit)))
        out.append(pl.Series(helper(name, code), (running[ends] - running[starts]) > 0))
        first_url = pl.Series(helper(name, code + ":url"), [None] * frame.height, dtype=pl.String)
        positions = np.flatnonzero(hit)
        if positions.size:
            rows = np.searchsorted(ends, positions, side="right")
            rows, first = np.unique(rows, return_index=True)
            first_url = first_url.scatter(rows, urls.gather(positions[first]))
        out.append(first_url)
    return out


SLICE_URLS = 1 << 18  # URLs checked at a time in a multi-valued field: what is held per URL is bounded


def _multi_columns_sliced(frame: pl.DataFrame, name: str, limits: Limits) -> list[pl.Series]:
    """:func:`_multi_columns` over slices of rows holding at most :data:`SLICE_URLS` URLs: what
    outlives a slice is per item, not per URL (a cell listing 20 URLs cost 13 times its size)."""
    urls = frame.select(pl.col(name).str.count_matches(MULTI_SEP, literal=True).fill_null(0) + 1).to_series()
    held = np.cumsum(urls.to_numpy())
    if not len(held) or held[-1] <= SLICE_URLS:
        return _multi_columns(frame, name, limits)
    bounds = [0, *np.searchsorted(held, np.arange(SLICE_URLS, int(held[-1]), SLICE_URLS)).tolist(), len(held)]
    parts = [
        pl.DataFrame(_multi_columns(frame.slice(a, b - a), name, limits))
        for a, b in itertools.pairwise(bounds)
        if b > a
    ]
    return pl.concat(parts).get_columns()


def derive_frame(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """One boolean column per URL rule and field; for a multi-valued field, also the first URL
    each rule hits. The rules run over the values no plain-URL pattern vouches for."""
    extra: list[pl.Series] = []
    for spec in ctx.fields_of("url"):
        limits = limits_of(ctx, spec.name)
        if spec.multi:
            extra += _multi_columns_sliced(frame, spec.name, limits)
        else:
            hits = _hits(frame.get_column(spec.name), spec.name in _IMAGE_FIELDS, True, limits)
            extra += [hits.get_column(code).alias(helper(spec.name, code)) for code in hits.columns]
    return frame.hstack(extra) if extra else frame


def _shown(code: str, url: pl.Expr) -> pl.Expr:
    """What an example shows: the URL, or for one too long its start and its length."""
    if code != "url-too-long":
        return url
    # Short enough to be shown whole on one line of the text view: the start, then the length.
    return url.str.slice(0, 30) + "... (" + url.str.len_chars().cast(pl.String) + " characters)"


def _detail(code: str, limits: Limits) -> str:
    if code == "url-too-long":
        return f"{limits.max_length:,} characters"
    if code == "image-format-unsupported":
        return "accepted: " + ", ".join(limits.formats)
    return ""


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("url"):
        name, image, limits = spec.name, spec.name in _IMAGE_FIELDS, limits_of(ctx, spec.name)
        placeholder = pl.lit("")
        if not spec.multi:
            checks = _checks(placeholder, placeholder, placeholder, image, True, limits)
            for code, _, inv in checks:
                hit, shown = pl.col(helper(name, code)), _shown(code, pl.col(name))
                out.append(Rule(code, name, hit, value=shown, invalidates=inv, detail=_detail(code, limits)))
            continue
        for code, _, invalidates in _checks(placeholder, placeholder, placeholder, image, False, limits):
            hit, first = pl.col(helper(name, code)), _shown(code, pl.col(helper(name, code + ":url")))
            out.append(Rule(code, name, hit, value=first, invalidates=invalidates, detail=_detail(code, limits)))
    return out
