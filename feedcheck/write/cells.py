"""Cells safe to open in a spreadsheet: the CSV and TSV outputs neutralise formula triggers.

OWASP's advice against "CSV injection" (https://owasp.org/www-community/attacks/CSV_Injection):
a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading ``'``, so that a spreadsheet shows it as text instead of running it. The test is the one
``validate`` reports as ``text-formula-like`` (:func:`feedcheck.checks.text.formula_like`), made
on the final cell (after trimming, after the values of a multi-valued field are joined). A cell
that is only a number, optionally followed by a currency code (``-5.00``, ``-5.00 EUR``), is left
alone: the prices feedcheck writes are such numbers, and a spreadsheet runs nothing in them.

A per-item rule: each cell is decided on its own value.
"""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import columns_matching
from feedcheck.checks.text import FORMULA_START, formula_like

QUOTE = "'"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a ``'`` before every formula-like cell of its String columns. One anchored
    pattern finds the columns holding a trigger; only those are rewritten."""
    names = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    hit = columns_matching(frame, dict.fromkeys(names, FORMULA_START))
    if not hit:
        return frame
    return frame.with_columns(
        pl.when(formula_like(pl.col(c))).then(QUOTE + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in frame.columns
        if c in hit
    )


def neutralised_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Per column, the cells :func:`neutralise` changes (columns with none left out)."""
    names = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    matching = columns_matching(frame, dict.fromkeys(names, FORMULA_START))  # one pass, not one per column
    hit = [c for c in names if c in matching]
    if not hit:
        return {}
    counts = frame.select(formula_like(pl.col(c)).sum().alias(c) for c in hit).row(0, named=True)
    return {c: int(n) for c, n in counts.items() if n}


__all__ = ["QUOTE", "neutralise", "neutralised_counts"]
