"""Resource limits applied while reading a feed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """Caps on what one feed may cost. Reaching one is a refusal, never a silent cut.

    The defaults suit an upload handler on a modest worker: a 1 GiB upload, 4 GiB once
    decompressed, five million products, 5,000 columns.
    """

    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(1 << 30, gt=0, description="bytes read from the source as given")
    max_decompressed_bytes: int = Field(4 << 30, gt=0, description="bytes after decompression")
    max_items: int = Field(5_000_000, gt=0, description="product records")
    max_columns: int = Field(5_000, gt=0, description="distinct columns or XML paths")
    max_field_chars: int = Field(1_000_000, gt=0, description="characters in one value")
