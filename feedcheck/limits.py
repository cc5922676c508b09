"""Resource limits applied while reading a feed."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from feedcheck.errors import CheckedModel


class Limits(CheckedModel):
    """Caps on what one feed may cost. Reaching one is a refusal (:class:`LimitExceededError`),
    never a silent cut; only the item limit can instead give a report marked partial, when
    ``partial`` is set.

    The defaults read the biggest catalogues merchants send: a 1 GiB upload, 2 GiB once
    decompressed, and at most 100 decompressed bytes per compressed byte past the first 16 MiB
    (real feeds compress 5 to 30 times; a decompression bomb, thousands of times), three million
    products, 2,000 columns, a million characters in one value, four million values in one batch
    (a feed is read and checked batch by batch: a wider feed is read in smaller batches, never
    refused for its width), XML records of 8 MiB.

    Memory follows from them (measured, docs/performance.md and docs/upload-handler.md): one
    batch (at most ``max_cells`` values, and at most 8 MiB of CSV or 20,000 XML records), plus
    what the feed-level checks keep per product (the keys of the duplicate checks, about 100
    bytes per product, ``max_items``); for XML, plus up to 35 bytes per byte of the record being
    read (``max_record_bytes``).
    """

    # Strict: a count given as a string or a float, or a flag as a number, is a caller mistake,
    # and so is a misspelt limit (raised as UsageError, naming it).
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    max_bytes: int = Field(1 << 30, gt=0, description="bytes read from the source as given")
    max_decompressed_bytes: int = Field(2 << 30, gt=0, description="bytes after decompression")
    max_compression_ratio: int = Field(
        100, gt=0, description="decompressed bytes per compressed byte, checked past the first 16 MiB"
    )
    max_items: int = Field(3_000_000, gt=0, description="product records")
    max_columns: int = Field(2_000, gt=0, description="distinct columns or XML paths")
    max_field_chars: int = Field(1_000_000, gt=0, description="characters in one value")
    max_cells: int = Field(
        4_000_000,
        gt=0,
        description="values in one batch: rows (blank lines included) times columns (CSV header columns, or "
        "distinct XML field paths so far); a wider feed is read in smaller batches, never refused for its width",
    )
    max_record_bytes: int = Field(
        8 << 20,
        gt=0,
        description="XML bytes read without the end of a record: one record, and what precedes it since the last",
    )
    partial: bool = Field(
        False, description="past max_items, report on the records read so far (marked partial) instead of refusing"
    )


RATIO_GRACE = 16 << 20  # bytes decompressed before the ratio is checked: small files may compress very well

# Decisions that look at values rather than names (which column feeds a field, the feed's
# currency) are taken on the first SAMPLE_ITEMS records, whatever the batch size, so that a
# result never depends on how a feed is cut into batches.
SAMPLE_ITEMS = 1_000
# ... and within their first SAMPLE_BYTES bytes of values: 1,000 records of 200 KB descriptions
# would hold 200 MB for the whole run.
SAMPLE_BYTES = 16 << 20
