"""Links and image links: absolute http(s), a host, no spaces, no script schemes."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, each_value, helper

# Schemes that are no web page at all; anything else without http(s):// is not absolute.
_SCHEME = r"(?i)^\s*(javascript|vbscript|data|file|ftp|ftps|sftp|mailto|tel|about|blob|chrome|ws|wss):"
_HTTP = r"(?i)^https?://"
_HOST = r"(?i)^https?://(?:[^/?#@\s]*@)?(\[[^\]/]*\]|[^/?#:\s]+)"
_LOCAL = (
    r"(?i)^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+"
    r"|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|\[(::1?|0*:0*:0*:0*:0*:0*:0*:0*1?|f[cd][^\]]*|fe80[^\]]*)\]"
    r"|(.+\.)?(localhost|local|test|internal|lan|home\.arpa))\.?$"
)
_IMAGE_EXT = r"(?i)\.(jpe?g|png|gif|webp|bmp|tiff?|avif|svg|heic)$"
_SEVERAL = r"(?i)[\s,;|]https?://"


def _path(url: pl.Expr) -> pl.Expr:
    return url.str.replace(r"[?#].*$", "").str.replace(r"(?i)^https?://[^/]*", "")


def _host(url: pl.Expr) -> pl.Expr:
    return url.str.extract(_HOST, 1)


def _unsafe_scheme(url: pl.Expr) -> pl.Expr:
    return url.str.contains(_SCHEME)


def _not_absolute(url: pl.Expr) -> pl.Expr:
    return ~url.str.contains(_SCHEME) & (~url.str.contains(_HTTP) | _host(url).is_null())


def _has_spaces(url: pl.Expr) -> pl.Expr:
    return url.str.contains(r"\s") & ~url.str.contains(_SEVERAL)


def _local_host(url: pl.Expr) -> pl.Expr:
    return _host(url).str.contains(_LOCAL)


def _not_an_image(url: pl.Expr) -> pl.Expr:
    path = _path(url)
    return url.str.contains(_HTTP) & (path.str.len_chars() > 1) & ~path.str.contains(_IMAGE_EXT)


# code -> (predicate on one URL, whether a hit makes the value invalid)
_CHECKS = {
    "url-unsafe-scheme": (_unsafe_scheme, True),
    "url-not-absolute": (_not_absolute, True),
    "url-has-spaces": (_has_spaces, True),
    "url-local-host": (_local_host, False),
}
_IMAGE_FIELDS = ("image_link", "additional_image_link")


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def derive_frame(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Host and path of every single-valued URL field, extracted once for all its rules."""
    exprs: list[pl.Expr] = []
    for spec in ctx.fields_of("url"):
        if not spec.multi:
            exprs.append(_host(pl.col(spec.name)).alias(helper(spec.name, "host")))
            exprs.append(_path(pl.col(spec.name)).alias(helper(spec.name, "path")))
    return frame.with_columns(exprs) if exprs else frame


def _single_rules(name: str) -> list[tuple[str, pl.Expr, bool]]:
    url, host, path = pl.col(name), pl.col(helper(name, "host")), pl.col(helper(name, "path"))
    http, unsafe, several = url.str.contains(_HTTP), url.str.contains(_SCHEME), url.str.contains(_SEVERAL)
    checks = [
        ("url-unsafe-scheme", unsafe, True),
        ("url-not-absolute", ~unsafe & (~http | host.is_null()), True),
        ("url-has-spaces", url.str.contains(r"\s") & ~several, True),
        ("url-local-host", host.str.contains(_LOCAL), False),
        ("url-several-in-one", several, False),
    ]
    if name in _IMAGE_FIELDS:
        image = http & (path.str.len_chars() > 1) & ~path.str.contains(_IMAGE_EXT)
        checks.append(("image-extension-unusual", image, False))
    return checks


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    for spec in ctx.fields_of("url"):
        if not spec.multi:
            out += [Rule(code, spec.name, mask, invalidates=inv) for code, mask, inv in _single_rules(spec.name)]
            continue
        checks = dict(_CHECKS)
        if spec.name in _IMAGE_FIELDS:
            checks["image-extension-unusual"] = (_not_an_image, False)
        for code, (predicate, invalidates) in checks.items():
            mask, value = each_value(spec.name, spec.multi, predicate)
            out.append(Rule(code, spec.name, mask, value=value, invalidates=invalidates))
    return out
