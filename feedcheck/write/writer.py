"""The interface every output shares: ``write(batch)`` any number of times, then ``close()``.

::

    writer = CsvWriter(open_sink("out.csv.gz"), multi={"additional_image_link"})
    try:
        for batch in batches:          # normalised frames (write.normalise.build_output)
            writer.write(batch)
        writer.close()                 # footer, then the temporary file renamed over out.csv.gz
    except BaseException:
        writer.abort()                 # temporary file deleted, out.csv.gz untouched
        raise

The header is written with the first batch (a writer may take facts from it, such as the
Google channel's link), the footer by :meth:`BatchWriter.finish`; :meth:`BatchWriter.close` is
``finish()`` then ``commit()`` (the rename). Several outputs of one run are all finished before any
is committed, so that a failure in one leaves every target as it was. Every batch must have the
same columns, in the same order; no writer keeps rows between batches.

**Fields no product fills** are left out of the outputs. Today ``convert`` writes one batch, built
by ``build_output`` over the whole feed, which drops those columns before writing. The batched
pipeline (#15) cannot know them before the last batch; the simplest correct design, which these
writers are ready for:

- every batch carries the same candidate columns: the profile fields that have a source column,
  then the ``extra_*`` columns (both known before the first batch), and ``build_output`` drops
  nothing per batch; the writer keeps one aggregate, the set of columns some row filled;
- the XML writers need nothing more: an empty field is already left out of its record;
- the CSV and TSV writers write the candidate columns to their temporary file and, at
  ``finish()``, when some candidate column was never filled, make one streaming pass over that
  file (``pl.scan_csv(...).select(filled).sink_csv(...)``, all columns as strings, the same
  quoting) into a second temporary file, compressed at that point, which ``commit()`` renames.
  The cost is one more read and write of the output, only when a mapped column is empty
  throughout; memory stays bounded.

Deciding the columns on the first sample (``limits.SAMPLE_ITEMS``) instead would be cheaper but
wrong: a column empty in the first 1,000 products and filled later would lose its values.
"""

from __future__ import annotations

from types import TracebackType

import polars as pl

from feedcheck.write.targets import Sink


class BatchWriter:
    """Base of every output writer; subclasses write ``_head``, ``_body`` and ``_tail``."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.columns: list[str] | None = None  # the columns of the first batch
        self.rows = 0

    def write(self, batch: pl.DataFrame) -> None:
        """Append the records of ``batch`` (one String column per output field)."""
        if self.columns is None:
            self.columns = batch.columns
            self._head(batch)
        elif batch.columns != self.columns:
            raise ValueError(f"A batch has the columns {batch.columns}, not {self.columns}.")
        if batch.height:
            self._body(batch)
            self.rows += batch.height

    def finish(self) -> None:
        """Write the footer and complete the bytes; the target is not replaced yet."""
        if self.columns is None:
            self.columns = []
            self._head(pl.DataFrame())
        self._tail()
        self.sink.finish()

    def commit(self) -> None:
        """Put the finished output in place (rename over the target)."""
        self.sink.commit()

    def close(self) -> None:
        self.finish()
        self.commit()

    def abort(self) -> None:
        """Give up: the target is left as it was and no temporary file remains."""
        self.sink.abort()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def _head(self, first: pl.DataFrame) -> None:
        pass

    def _body(self, batch: pl.DataFrame) -> None:
        raise NotImplementedError

    def _tail(self) -> None:
        pass


__all__ = ["BatchWriter"]
