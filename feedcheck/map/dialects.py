"""Dialects: the published formats merchants, shop systems and networks send, each read by its own rules.

A Heureka.cz feed is priced in CZK without saying so; a Yandex YML offer puts its stock in
``available="true"`` and its category in a tree of the header; Skroutz's ``availability`` is a delivery
promise while ``instock`` is the stock; in a Shopify export, a row with an empty Title is a variant
of the product above and a row with only an image is no product at all. The facts of each format
are data, ``schemas/dialects.toml`` (each with its source); this module holds the smallest code they
need. Every rule is one of the kinds the batched pipeline (issue 15) can run:

1. **recognition**, once, on the header: the XML record element and the namespaces the root
   declares, the column names, and for a currency that depends on the shop's country the first
   :data:`~feedcheck.limits.SAMPLE_ITEMS` records (:func:`recognise`); the YML category tree and a
   currency the XML header names are read from the head, before the first record (:func:`start`);
2. **per record**: the format's codes rewritten (GoodyPrice ``Stock`` 2 is ``out_of_stock``),
   name/value blocks read into columns (Ceneo ``<a name="EAN">``), a title composed (YML
   ``typePrefix vendor model``), a category id resolved into its path: each a function of the
   record alone;
3. **a small state carried across records in file order** (:func:`apply_dialect`, a pure function
   ``(batch, state) -> (batch, state, findings)``): Shopify keeps the rows of the last product
   pending until the next product starts (a product's images may sit on any of its rows, even in the
   next batch); WooCommerce keeps, for each product that may be a parent, the values a variation
   inherits (bounded by the number of such products).

Whatever the batches, the records and findings that come out are the same as for the whole feed in
one batch (``tests/test_dialects.py`` cuts every fixture into batches of 1, 2 and 3 records).
"""

from __future__ import annotations

import codecs
import io
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
from lxml import etree

from feedcheck.errors import wrong_argument
from feedcheck.limits import SAMPLE_ITEMS
from feedcheck.map.columns import Preset
from feedcheck.read.csv_reader import RawIssue
from feedcheck.read.load import LINE, Table, source_column
from feedcheck.read.sniff import xml_parser_options
from feedcheck.read.xml_reader import MULTI_SEP

NONE = "none"  # dialect="none": read the feed by the lexicon alone
MAX_CATEGORIES = 100_000  # a YML category tree is read up to this many categories
EXAMPLE_LINES = 20  # lines a finding names (every line goes to the issue rows)

CurrencyOf = Callable[[str], str | None]


# ---- the data ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One way to recognise a dialect: every condition given must hold."""

    format: str | None = None  # "csv" or "xml"
    records: tuple[str, ...] = ()  # XML record element paths
    namespace: str | None = None  # a part of a namespace URI of the root or the record
    all: tuple[str, ...] = ()  # columns that must all be present
    any: tuple[str, ...] = ()  # at least `least` of these
    least: int = 1


@dataclass(frozen=True)
class Compose:
    """``column`` = ``parts`` joined by ``sep`` where ``column`` is empty (and ``when`` holds)."""

    column: str
    parts: tuple[str, ...]
    sep: str = " "
    keep_empty: bool = False
    when: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Pairs:
    """XML name/value blocks: the value whose name is each key of ``take`` becomes a column."""

    values: str
    names: str
    take: tuple[tuple[str, str], ...]  # name in the feed -> new column


@dataclass(frozen=True)
class Dialect:
    id: str
    name: str
    description: str
    source: str
    signatures: tuple[Signature, ...]
    currency: str | None = None
    currency_by_host: tuple[tuple[str, str], ...] = ()
    host_column: str | None = None
    head_currency: bool = False
    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unmapped: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    compose: tuple[Compose, ...] = ()
    pairs: tuple[Pairs, ...] = ()
    rows: tuple[tuple[str, Any], ...] = ()  # the row rules' settings (kind = "shopify" | "woocommerce")
    categories: str | None = None  # "yml"

    def setting(self, key: str, default: Any = None) -> Any:
        return dict(self.rows).get(key, default)


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _dialect(key: str, data: dict[str, Any]) -> Dialect:
    signatures = tuple(
        Signature(
            format=s.get("format"),
            records=_strings(s.get("records", [])),
            namespace=s.get("namespace"),
            all=_strings(s.get("all", [])),
            any=_strings(s.get("any", [])),
            least=int(s.get("least", 1)),
        )
        for s in data.get("signature", [])
    )
    rows = data.get("rows", {})
    return Dialect(
        id=key,
        name=str(data["name"]),
        description=str(data["description"]),
        source=str(data["source"]),
        signatures=signatures,
        currency=data.get("currency"),
        currency_by_host=tuple((str(k).lower(), str(v)) for k, v in data.get("currency_by_host", {}).items()),
        host_column=data.get("host_column"),
        head_currency=bool(data.get("head_currency", False)),
        columns=tuple((str(c), _strings(f)) for c, f in data.get("columns", {}).items()),
        unmapped=tuple((str(c), str(why)) for c, why in data.get("unmapped", {}).items()),
        values=tuple(
            (str(c), tuple((str(k), str(v)) for k, v in codes.items())) for c, codes in data.get("values", {}).items()
        ),
        compose=tuple(
            Compose(
                column=str(c["column"]),
                parts=_strings(c["parts"]),
                sep=str(c.get("sep", " ")),
                keep_empty=bool(c.get("keep_empty", False)),
                when=tuple((str(k), str(v)) for k, v in c.get("when", {}).items()),
            )
            for c in data.get("compose", [])
        ),
        pairs=tuple(
            Pairs(str(p["values"]), str(p["names"]), tuple((str(k), str(v)) for k, v in p["take"].items()))
            for p in data.get("pairs", [])
        ),
        rows=tuple((str(k), v) for k, v in rows.items()),
        categories=data.get("categories"),
    )


@cache
def dialects() -> dict[str, Dialect]:
    """Every dialect of ``schemas/dialects.toml``, in the order they are tried."""
    text = resources.files("feedcheck.schemas").joinpath("dialects.toml").read_text(encoding="utf-8")
    return {key: _dialect(key, data) for key, data in tomllib.loads(text).items()}


def check_dialect(value: object) -> str | None:
    """The caller's ``dialect``: ``None`` (recognise it), ``"none"`` or a dialect's id (any case).
    Raises :class:`~feedcheck.errors.UsageError` naming the argument otherwise."""
    if value is None:
        return None
    known = dialects()
    if isinstance(value, str) and (value.strip().lower() in known or value.strip().lower() == NONE):
        return value.strip().lower()
    listed = ", ".join(known)
    raise wrong_argument("dialect", f"None, 'none' or one of {listed} (feedcheck dialects lists them)", value)


# ---- recognition ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """What an XML feed's head says before its first record."""

    namespaces: frozenset[str] = frozenset()  # URIs declared on the root, and the record's own
    currencies: tuple[str, ...] = ()  # currencies the header names (<currency id rate="1">, <currency>EUR)
    categories: tuple[tuple[str, str | None, str], ...] = ()  # YML: (id, parentId, name)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_head(table: Table) -> Head:
    """The namespaces, header currencies and YML categories of an XML feed's head, up to its first
    record (one pass over at most the head the reader sniffed; nothing when the feed is CSV)."""
    if table.source.format != "xml" or not table.head:
        return Head()
    record = table.source.item_element or ""
    forced = None
    if table.source.encoding_confidence is None:  # the caller's encoding, by the name libxml2 knows
        forced = codecs.lookup(table.source.encoding).name
    namespaces: set[str] = set()
    rated: list[str] = []
    named: list[str] = []
    categories: list[tuple[str, str | None, str]] = []
    stack: list[str] = []
    try:
        events = etree.iterparse(
            io.BytesIO(table.head), events=("start", "end"), encoding=forced, **xml_parser_options()
        )
        for event, elem in events:
            if not isinstance(elem.tag, str):
                continue
            if event == "start":
                stack.append(_local(elem.tag))
                if len(stack) == 1:
                    namespaces.update(v for v in elem.nsmap.values() if v)
                if "/".join(stack) == record:
                    namespaces.update(v for v in elem.nsmap.values() if v)
                    if elem.tag.startswith("{"):
                        namespaces.add(elem.tag[1:].split("}", 1)[0])
                    break
                continue
            local = stack.pop()
            if local == "currency":
                code = (elem.get("id") or elem.text or "").strip()
                if code:
                    (rated if elem.get("rate", "").strip() in ("1", "1.0") else named).append(code)
            elif local == "category" and "categories" in stack and len(categories) < MAX_CATEGORIES:
                ident = (elem.get("id") or "").strip()
                if ident:
                    parent = (elem.get("parentId") or "").strip() or None
                    categories.append((ident, parent, " ".join((elem.text or "").split())))
            if len(stack) > 1:
                elem.clear(keep_tail=True)
    except (etree.XMLSyntaxError, LookupError, ValueError):
        pass  # the head ends mid-document (or libxml2 knows the encoding by another name): what was read
    currencies = rated or named
    return Head(frozenset(namespaces), tuple(dict.fromkeys(currencies)), tuple(categories))


@dataclass(frozen=True)
class Recognised:
    """The dialect of one feed, and what it implies for this feed."""

    dialect: Dialect
    forced: bool
    currency: str | None  # the currency the format implies for amounts that name none
    head: Head = field(default_factory=Head)


def _holds(signature: Signature, fmt: str, record: str | None, names: set[str], head: Head) -> bool:
    if signature.format is not None and signature.format != fmt:
        return False
    if signature.records and record not in signature.records:
        return False
    if signature.namespace is not None and not any(signature.namespace in ns for ns in head.namespaces):
        return False
    if signature.all and not all(c.casefold() in names for c in signature.all):
        return False
    return not signature.any or sum(c.casefold() in names for c in signature.any) >= signature.least


def _host_currency(dialect: Dialect, table: Table) -> str | None:
    """The currency the top-level domain of the first records' product URLs names, if the dialect
    says one (Heureka.sk: EUR); decided on the first :data:`SAMPLE_ITEMS` records."""
    if not dialect.currency_by_host or dialect.host_column is None:
        return None
    column = _column(table.frame.columns, dialect.host_column)
    if column is None:
        return None
    hosts = (
        table.frame.head(SAMPLE_ITEMS)
        .select(source_column(column).str.extract(r"^\s*https?://([^/:?#\s]+)", 1).str.to_lowercase().alias("h"))
        .drop_nulls()
        .select(pl.col("h").str.extract(r"\.([a-z0-9-]+)\.?$", 1).alias("tld"))
        .drop_nulls()
    )
    if not hosts.height:
        return None
    tld = hosts.get_column("tld").mode().sort()[0]
    return dict(dialect.currency_by_host).get(str(tld))


def recognise(table: Table, forced: str | None, currency_of: CurrencyOf) -> Recognised | None:
    """The feed's dialect: the one ``forced`` (an id, ``"none"`` for no dialect), else the first of
    :func:`dialects` with a signature that holds on the header (record element, namespaces, column
    names). Decided once, on the head of the file and the first :data:`SAMPLE_ITEMS` records."""
    if forced == NONE:
        return None
    head = read_head(table)
    fmt = "xml" if table.source.format == "xml" else "csv"
    names = {c.strip().casefold() for c in table.columns}
    chosen: Dialect | None = dialects()[forced] if forced else None
    if chosen is None:
        for dialect in dialects().values():
            if any(_holds(s, fmt, table.source.item_element, names, head) for s in dialect.signatures):
                chosen = dialect
                break
    if chosen is None:
        return None
    currency = _host_currency(chosen, table) or chosen.currency
    if chosen.head_currency and len(head.currencies) == 1:
        currency = currency_of(_renamed(chosen, "currencyId", head.currencies[0])) or currency
    if currency is not None:
        currency = currency_of(currency)
    return Recognised(chosen, forced is not None, currency, head)


def _renamed(dialect: Dialect, column: str, value: str) -> str:
    """A code as the dialect's value rules rewrite it (YML's RUR is RUB)."""
    codes = dict(dict(dialect.values).get(column, ()))
    return next((v for k, v in codes.items() if k.casefold() == value.strip().casefold()), value)


# ---- what the mapping takes from the dialect --------------------------------------------------------------


def _column(columns: list[str], name: str) -> str | None:
    """The column named ``name`` (without case), as the feed writes it."""
    want = name.strip().casefold()
    return next((c for c in columns if c.strip().casefold() == want), None)


def preset(recognised: Recognised | None) -> Preset | None:
    """The columns the format says feed each field, those it says feed none, and how each was read."""
    if recognised is None:
        return None
    d = recognised.dialect
    steps: dict[str, list[str]] = {}
    for column, codes in d.values:
        shown = ", ".join(f"{k} = {v}" for k, v in codes)
        steps.setdefault(column, []).append(f"the format's codes read: {shown}")
    for compose in d.compose:
        where = " where " + ", ".join(f"{k} is {v}" for k, v in compose.when) if compose.when else ""
        steps.setdefault(compose.column, []).append(f"built from {' + '.join(compose.parts)} when empty{where}")
    for pairs in d.pairs:
        for name, new in pairs.take:
            steps.setdefault(new, []).append(f"the value of <{pairs.values}> named {name!r}")
    if d.categories == "yml":
        steps.setdefault("categoryId", []).append("resolved into its path through the header's <categories>")
    if d.setting("kind") == "shopify":
        image = d.setting("image")
        steps.setdefault(image, []).append("the variant's image, then every image of its product (all its rows)")
        steps.setdefault(d.setting("sku"), []).append(
            f"empty: {d.setting('group')} and the option values, the format's fallback"
        )
    return Preset(
        label=d.name,
        columns={c: f for c, f in d.columns},
        unmapped=dict(d.unmapped),
        steps={c: tuple(s) for c, s in steps.items()},
    )


# ---- the records ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DialectState:
    """What a dialect carries from one batch of records to the next, in file order."""

    categories: Mapping[str, str] = field(default_factory=dict)  # YML: category id -> path (from the head)
    pending: pl.DataFrame | None = None  # Shopify: the rows of the last product, until the next product starts
    parents: pl.DataFrame | None = None  # WooCommerce: key, line, inherited columns of each possible parent


def _paths(categories: tuple[tuple[str, str | None, str], ...]) -> dict[str, str]:
    """YML category id -> ``Root > ... > Leaf``; a parent that loops or is missing ends the path."""
    nodes = {ident: (parent, name) for ident, parent, name in categories}
    paths: dict[str, list[str]] = {}  # id -> its names from the root; each node's computed once
    for ident in nodes:
        chain: list[str] = []  # the nodes walked up from ident whose path is not known yet
        current: str | None = ident
        while current is not None and current in nodes and current not in paths and current not in chain:
            chain.append(current)
            current = nodes[current][0]
        above = paths.get(current, []) if current is not None else []
        for node in reversed(chain):  # from the highest down: each one's path is its parent's, plus it
            name = nodes[node][1]
            above = [*above, name][-50:] if name else above
            paths[node] = above
    return {ident: " > ".join(names) for ident, names in paths.items()}


def start(recognised: Recognised | None) -> DialectState:
    """The state before the first record: the YML category tree read from the head."""
    if recognised is None or recognised.dialect.categories != "yml":
        return DialectState()
    return DialectState(categories=_paths(recognised.head.categories))


def _filled(expr: pl.Expr) -> pl.Expr:
    return expr.is_not_null() & (expr.str.strip_chars().str.len_bytes() > 0)


def _rewrite_values(frame: pl.DataFrame, dialect: Dialect) -> pl.DataFrame:
    exprs = []
    for name, codes in dialect.values:
        column = _column(frame.columns, name)
        if column is None:
            continue
        table = {k.strip().casefold(): v for k, v in codes}
        key = source_column(column).str.strip_chars().str.to_lowercase()
        written = key.replace_strict(table, default=None, return_dtype=pl.String)
        exprs.append(pl.coalesce(written, source_column(column)).alias(column))
    return frame.with_columns(exprs) if exprs else frame


def _read_pairs(frame: pl.DataFrame, dialect: Dialect) -> pl.DataFrame:
    """Each wanted name/value pair as a column; a record whose names and values do not pair up one
    to one (an empty value the reader left out) gives none, rather than a value of another name."""
    exprs = []
    for pairs in dialect.pairs:
        values, names = _column(frame.columns, pairs.values), _column(frame.columns, pairs.names)
        if names is None or values is None:
            continue  # the feed has no such blocks: no column to add
        for name, new in pairs.take:
            listed = source_column(names).str.split(MULTI_SEP)
            given = source_column(values).str.split(MULTI_SEP)
            where = listed.list.eval(pl.element().str.strip_chars().eq(name).cast(pl.Int8)).list.arg_max()
            found = listed.list.eval(pl.element().str.strip_chars().eq(name)).list.any()
            aligned = listed.list.len() == given.list.len()
            exprs.append(pl.when(found & aligned).then(given.list.get(where, null_on_oob=True)).alias(new))
    return frame.with_columns(exprs) if exprs else frame


def _compose(frame: pl.DataFrame, dialect: Dialect) -> pl.DataFrame:
    for compose in dialect.compose:
        parts = [c for c in (_column(frame.columns, p) for p in compose.parts) if c is not None]
        if not parts:
            continue
        values = [source_column(p).str.strip_chars() for p in parts]
        any_filled = pl.any_horizontal([_filled(source_column(p)) for p in parts])
        if compose.keep_empty:
            joined = pl.concat_str([v.fill_null("") for v in values], separator=compose.sep)
        else:
            joined = pl.concat_str(
                [pl.when(v.str.len_bytes() > 0).then(v) for v in values], separator=compose.sep, ignore_nulls=True
            )
        applies = any_filled
        for name, value in compose.when:
            column = _column(frame.columns, name)
            test = source_column(column).str.strip_chars() == value if column else pl.lit(False)
            applies = applies & test.fill_null(False)
        built = pl.when(applies).then(joined)
        target = _column(frame.columns, compose.column)
        if target is None:
            frame = frame.with_columns(built.alias(compose.column))
        else:
            frame = frame.with_columns(
                pl.when(_filled(source_column(target))).then(source_column(target)).otherwise(built).alias(target)
            )
    return frame


def _categories(frame: pl.DataFrame, state: DialectState) -> pl.DataFrame:
    column = _column(frame.columns, "categoryId")
    if column is None or not state.categories:
        return frame
    key = source_column(column).str.strip_chars()
    path = key.replace_strict(dict(state.categories), default=None, return_dtype=pl.String)
    return frame.with_columns(pl.coalesce(path, source_column(column)).alias(column))


def _finding(code: str, rows: pl.DataFrame) -> list[RawIssue]:
    """A finding of the dialect's rules: ``rows`` holds every line it counts (``line``, ``value``)."""
    if not rows.height:
        return []
    lines = rows.get_column("line").head(EXAMPLE_LINES).to_list()
    values = [v or "" for v in rows.get_column("value").head(EXAMPLE_LINES).to_list()]
    return [RawIssue(code, lines, rows.height, values, rows=rows)]


def merge_findings(findings: list[RawIssue]) -> list[RawIssue]:
    """Findings of several batches, one per code, in the order codes first appear."""
    by_code: dict[str, list[RawIssue]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    out = []
    for code, found in by_code.items():
        rows = (
            pl.concat([f.rows for f in found if f.rows is not None]) if any(f.rows is not None for f in found) else None
        )
        lines = [line for f in found for line in f.lines][:EXAMPLE_LINES]
        values = [value for f in found for value in f.values][:EXAMPLE_LINES]
        out.append(RawIssue(code, lines, sum(f.count for f in found), values, rows=rows))
    return out


# ---- Shopify: variants inherit their product, image rows join it ------------------------------------------


def _shopify(
    frame: pl.DataFrame, dialect: Dialect, state: DialectState, final: bool
) -> tuple[pl.DataFrame, DialectState, list[RawIssue]]:
    """A product is its rows with one Handle, one after another: the first (Title filled) holds the
    product's fields, each row with variant data is a variant (an item) that inherits the product's
    empty fields, and a row with neither (Handle and an image) only adds an image. The images of a
    product may sit on any of its rows, so a product is written once its last row is seen: the rows
    of the last product of a batch are carried to the next batch (the state), and flushed at the end.
    Each variant's image list is its Variant Image, then the product's images by Image Position."""
    group = _column(frame.columns, dialect.setting("group"))
    if group is None:
        return frame, state, []
    if state.pending is not None and state.pending.height:
        frame = pl.concat([state.pending, frame], how="vertical_relaxed")
    if not frame.height:
        return frame, DialectState(state.categories), []
    handle = source_column(group)
    gid = handle.ne_missing(handle.shift(1)).fill_null(True).cast(pl.Int64).cum_sum().alias("__gid")
    frame = frame.with_columns(gid)
    pending = None
    if not final:
        last = frame.get_column("__gid").max()
        pending = frame.filter(pl.col("__gid") == last).drop("__gid")
        frame = frame.filter(pl.col("__gid") != last)
    next_state = DialectState(state.categories, pending=pending)
    if not frame.height:
        return frame.drop("__gid"), next_state, []
    columns = [c for c in frame.columns if c not in ("__gid", LINE)]
    prefixes = tuple(_strings(dialect.setting("variant_prefixes", [])))
    own = [c for c in columns if c.startswith(prefixes) or c in prefixes]
    product = _column(columns, dialect.setting("product"))
    image = _column(columns, dialect.setting("image"))
    variant_data = [_filled(source_column(c)) for c in own if c != image and not c.startswith("Image ")]
    is_variant = pl.any_horizontal([*variant_data, _filled(source_column(product)) if product else pl.lit(False)])
    frame = frame.with_columns(is_variant.fill_null(False).alias("__variant"))
    # The product's images, from all its rows, by position (then line).
    images = pl.DataFrame(schema={"__gid": pl.Int64, "__images": pl.List(pl.String)})
    if image is not None:
        position = _column(columns, dialect.setting("image_position"))
        order = source_column(position).cast(pl.Int64, strict=False) if position else pl.lit(0)
        images = (
            frame.filter(_filled(source_column(image)))
            .select("__gid", source_column(image).str.strip_chars().alias("__image"), order.alias("__pos"), LINE)
            .group_by("__gid", maintain_order=True)
            .agg(pl.col("__image").sort_by([pl.col("__pos"), pl.col(LINE)], nulls_last=True).alias("__images"))
        )
    frame = frame.join(images, on="__gid", how="left", maintain_order="left")
    merged = frame.filter(~pl.col("__variant")).select(
        LINE, (source_column(image) if image else pl.lit(None, dtype=pl.String)).alias("value")
    )
    frame = frame.filter(pl.col("__variant"))
    inherited = [c for c in columns if c not in own and c != group]
    exprs = [source_column(c).fill_null(source_column(c).first().over("__gid")).alias(c) for c in inherited]
    if image is not None:
        variant_image = _column(columns, dialect.setting("variant_image"))
        first = source_column(variant_image).str.strip_chars() if variant_image else pl.lit(None, dtype=pl.String)
        listed = pl.concat_list([pl.concat_list([first]), pl.col("__images")]).list.drop_nulls()
        joined = listed.list.unique(maintain_order=True).list.join(MULTI_SEP)
        exprs.append(pl.when(joined.str.len_bytes() > 0).then(joined).alias(image))
    frame = frame.with_columns(exprs)
    findings = _finding("rows-merged", merged.rename({LINE: "line"}))
    sku = _column(columns, dialect.setting("sku"))
    if sku is not None:
        default = str(dialect.setting("default_option", ""))
        options = [c for c in (_column(columns, o) for o in _strings(dialect.setting("options", []))) if c]
        # The option values as the Handle is written: lower case, a dash for every run of other characters.
        slug = [
            source_column(o).str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "-").str.strip_chars("-")
            for o in options
        ]
        named = [
            pl.when(_filled(source_column(o)) & (source_column(o).str.strip_chars() != default)).then(s)
            for o, s in zip(options, slug, strict=True)
        ]
        fallback = pl.concat_str([handle.str.strip_chars(), *named], separator="-", ignore_nulls=True)
        frame = frame.with_columns((~_filled(source_column(sku))).alias("__missing"))
        frame = frame.with_columns(pl.when("__missing").then(fallback).otherwise(source_column(sku)).alias(sku))
        built = frame.filter("__missing").select(pl.col(LINE).alias("line"), source_column(sku).alias("value"))
        findings += _finding("id-fallback", built)
        frame = frame.drop("__missing")
    return frame.drop("__gid", "__variant", "__images"), next_state, findings


# ---- WooCommerce: variations inherit their parent ------------------------------------------------------------


def _woocommerce(
    frame: pl.DataFrame, dialect: Dialect, state: DialectState
) -> tuple[pl.DataFrame, DialectState, list[RawIssue]]:
    """A variation (Type variation) names its parent in Parent: ``id:44`` (the parent's ID) or the
    parent's SKU. Where the variation's own cell is empty, it takes the parent's value of the
    inherited columns. Only a parent on an earlier line counts (the file's order, whatever the
    batches): a variation whose parent comes later, or is not in the file, inherits nothing and is
    reported (``variation-parent-missing``). The state keeps each possible parent's key and values:
    one row per product of a type that can have variations."""
    cols = frame.columns

    def first(key: str) -> str | None:
        return next((c for c in (_column(cols, n) for n in _strings(dialect.setting(key, []))) if c), None)

    kind, parent, ident, sku = first("type"), first("parent"), first("id"), first("sku")
    inherit = [c for c in (_column(cols, n) for n in _strings(dialect.setting("inherit", []))) if c]
    if kind is None or parent is None or not inherit or not frame.height:
        return frame, state, []
    kind_text = source_column(kind).str.to_lowercase().fill_null("")
    variation = kind_text.str.contains(str(dialect.setting("variation")), literal=True)
    others = "|".join(re.escape(t) for t in _strings(dialect.setting("not_parents", [])))
    may_parent = ~kind_text.str.contains(others) if others else pl.lit(True)
    keys = []
    candidates = frame.filter(may_parent)
    if ident is not None:
        keys.append(candidates.select(("id:" + source_column(ident).str.strip_chars()).alias("__key"), LINE, *inherit))
    if sku is not None:
        keys.append(candidates.select(source_column(sku).str.strip_chars().alias("__key"), LINE, *inherit))
    known = [k.drop_nulls("__key") for k in keys]
    if state.parents is not None:
        known.insert(0, state.parents)
    parents = (
        pl.concat(known, how="vertical_relaxed").unique("__key", keep="first", maintain_order=True) if known else None
    )
    next_state = DialectState(state.categories, state.pending, parents)
    wanted = frame.with_columns(
        (variation & _filled(source_column(parent))).alias("__variation"),
        source_column(parent).str.strip_chars().alias("__key"),
    )
    if parents is None or not parents.height:
        found = wanted.with_columns(pl.lit(None, dtype=pl.Int64).alias("__line"))
    else:
        renamed = parents.rename({LINE: "__line", **{c: f"__p_{c}" for c in inherit}})
        found = wanted.join(renamed, on="__key", how="left", maintain_order="left")
    matched = pl.col("__variation") & (pl.col("__line") < pl.col(LINE)).fill_null(False)
    if parents is not None and parents.height:
        found = found.with_columns(
            pl.when(matched & ~_filled(source_column(c))).then(pl.col(f"__p_{c}")).otherwise(source_column(c)).alias(c)
            for c in inherit
        )
    lost = found.filter(pl.col("__variation") & ~matched).select(
        pl.col(LINE).alias("line"), pl.col("__key").alias("value")
    )
    return found.select(frame.columns), next_state, _finding("variation-parent-missing", lost)


def apply_dialect(
    recognised: Recognised | None, batch: pl.DataFrame, state: DialectState, *, final: bool = False
) -> tuple[pl.DataFrame, DialectState, list[RawIssue]]:
    """The dialect's rules on one batch of records as read (source columns and LINE), in file order:
    the format's codes rewritten, name/value pairs read into columns, titles composed, YML category ids
    resolved, then the row rules (Shopify, WooCommerce) with the ``state`` carried from the previous
    batch. ``final``: this is the last batch (Shopify's last product is written). Returns the records
    (each a product or variant, the same columns for every batch), the state for the next batch and the
    findings (:class:`RawIssue` with every line in ``rows``; :func:`merge_findings` sums those of all
    batches). Cost: linear in the batch, plus a join on the WooCommerce parents kept."""
    if recognised is None:
        return batch, state, []
    d = recognised.dialect
    frame = _rewrite_values(batch, d)
    frame = _read_pairs(frame, d)
    frame = _compose(frame, d)
    if d.categories == "yml":
        frame = _categories(frame, state)
    kind = d.setting("kind")
    if kind == "shopify":
        return _shopify(frame, d, state, final)
    if kind == "woocommerce":
        return _woocommerce(frame, d, state)
    return frame, state, []


__all__ = [
    "NONE",
    "Dialect",
    "DialectState",
    "Head",
    "Recognised",
    "apply_dialect",
    "check_dialect",
    "dialects",
    "merge_findings",
    "preset",
    "read_head",
    "recognise",
    "start",
]
