"""The fast paths of the URL and GTIN rules find exactly what the full rules find.

Plain URLs and plain GTINs (nearly every value of a real feed) skip most of the rules; these
properties run both paths over values built to sit on the edges of the "plain" patterns.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedcheck.checks import gtin, links

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCHEME_VALUES = ["http://", "https://", "HTTPS://", "ftp://", "javascript:", " https://", "", "//"]
LABEL_VALUES = ["shop", "cdn", "a-b", "x", "127", "10", "0", "192", "168", "é", "", "user@shop", "-"]
TLD_VALUES = ["fr", "com", "co", "local", "localhost", "test", "internal", "lan", "arpa", "1", "c", "", "fr."]
PORT_VALUES = ["", ":8080", ":"]
PATH_VALUES = ["", "/", "/p/1", "/img/a.jpg", "/a.JPEG", "/b.png", "/c.php", "/a b.jpg", "/x,https://y.fr", "/d.svg"]
# Paths around Google's 2,000 characters: drawn by hypothesis, kept out of the grid below (too big there).
LONG_PATHS = ["/é.jpg", "/" + "l" * 1975 + ".jpg", "/" + "l" * 1980 + ".jpg", "/" + "l" * 1985 + ".jpg"]
TAIL_VALUES = ["", "?x=1", "#top", "?u=a.jpg", ";s", " ", ",https://z.fr/a.jpg"]
SCHEMES, LABELS, TLDS, PORTS, PATHS, TAILS = (
    st.sampled_from(values)
    for values in (SCHEME_VALUES, LABEL_VALUES, TLD_VALUES, PORT_VALUES, PATH_VALUES + LONG_PATHS, TAIL_VALUES)
)
urls = st.one_of(
    st.builds(
        lambda scheme, labels, tld, port, path, tail: scheme + ".".join([*labels, tld]) + port + path + tail,
        SCHEMES, st.lists(LABELS, min_size=0, max_size=3), TLDS, PORTS, PATHS, TAILS,
    ),
    st.text(max_size=30),
)  # fmt: skip


# No limits (the default profile), and Google's: 2,000 ASCII characters, its six image formats.
LIMITS = [links.Limits(), links.Limits(2000, True, ("jpg", "jpeg", "webp", "png", "gif", "bmp", "tif", "tiff"))]


def full_url_hits(values: pl.Series, image: bool, single: bool, limits: links.Limits) -> pl.DataFrame:
    frame = pl.DataFrame({"url": values})
    url = pl.col("url")
    frame = frame.with_columns(links._host(url).alias("host"), links._path(url).alias("path"))
    checks = links._checks(url, pl.col("host"), pl.col("path"), image, single, limits)
    return frame.select([(mask & url.is_not_null()).fill_null(False).alias(code) for code, mask, _ in checks])


@SETTINGS
@given(st.lists(st.one_of(st.none(), urls), max_size=20), st.booleans(), st.booleans(), st.sampled_from(LIMITS))
def test_plain_url_prefilter_misses_nothing(
    values: list[str | None], image: bool, single: bool, limits: links.Limits
) -> None:
    series = pl.Series("url", values, dtype=pl.String)
    assert links._hits(series, image, single, limits).equals(full_url_hits(series, image, single, limits))


def test_plain_url_prefilter_on_every_combination_of_edge_parts() -> None:
    """All 567,840 URLs made of the edge parts above (8 x 26 x 13 x 3 x 10 x 7), through both paths,
    without limits and with Google's."""
    hosts = [*LABEL_VALUES, *(f"shop.{label}" for label in LABEL_VALUES)]
    frame = pl.DataFrame({"scheme": SCHEME_VALUES})
    for name, values in (("host", hosts), ("tld", TLD_VALUES), ("port", PORT_VALUES), ("path", PATH_VALUES)):
        frame = frame.join(pl.DataFrame({name: values}), how="cross")
    frame = frame.join(pl.DataFrame({"tail": TAIL_VALUES}), how="cross")
    series = frame.select(
        pl.concat_str("scheme", "host", pl.lit("."), "tld", "port", "path", "tail").alias("url")
    ).to_series()
    assert series.len() == 567_840
    for image, limits in ((False, LIMITS[0]), (True, LIMITS[0]), (True, LIMITS[1])):
        assert links._hits(series, image, True, limits).equals(full_url_hits(series, image, True, limits))


def test_plain_urls_skip_the_rules_and_others_do_not() -> None:
    series = pl.Series(
        ["https://cdn.example.fr/img/1.jpg", "https://shop.local/p/1", "https://x.fr/a b", "http://10.0.0.1/a.png"]
    )
    hits = links._hits(series, True, True, LIMITS[0])
    assert hits.get_column("url-local-host").to_list() == [False, True, False, True]
    assert hits.get_column("url-has-spaces").to_list() == [False, False, True, False]


GTIN_PARTS = st.sampled_from(["0", "1", "2", "3", "4", "5", "9", "98", "05", "02", "X", "x", "e+", "E", ",", "."])
codes = st.one_of(
    st.text(alphabet="0123456789", min_size=6, max_size=16),
    st.text(alphabet="0123456789", min_size=9, max_size=9).map(lambda digits: digits + "X"),
    st.lists(GTIN_PARTS, max_size=16).map("".join),
)
check_digit_codes = (
    st.integers(min_value=0, max_value=10**13 - 1)
    .map(lambda n: str(n).zfill(12))
    .map(
        lambda body: (
            body + str((10 - sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body))) % 10) % 10)
        )
    )
)


@SETTINGS
@given(st.lists(st.one_of(st.none(), codes, check_digit_codes), max_size=20))
def test_plain_gtin_classification_matches_the_full_chain(values: list[str | None]) -> None:
    series = pl.Series("code", values, dtype=pl.String)
    full = pl.DataFrame({"code": series}).select(gtin._classify(pl.col("code")).alias("problem")).to_series()
    assert gtin.classify(series).to_list() == full.to_list()
