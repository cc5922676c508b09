"""Free text: lengths publishers accept, HTML in titles, broken accents, shouting, control and
invisible characters, values a spreadsheet would run as a formula. Every rule here is per item."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule, helper, on_rows

TITLE_MAX = 150  # Google; Meta allows 200, Kelkoo 80
DESCRIPTION_MAX = 5000  # Google
_HTML = r"(?i)</?[a-z][a-z0-9]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9a-f]+|[a-z]{2,8});"
# UTF-8 read as Windows-1252 or Latin-1: Ã© Ã¨ Ã  â€™ â€œ Â° ...
_MOJIBAKE = r"Ã[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€[\u0080-\u00bf™œ¦¢“”˜]|Â[\u00a0-\u00bf]"
# C0 controls but tab, LF, CR; DEL; C1 controls (U+0080-U+009F, usually a code page mix-up).
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
# Characters that show nothing and are not spaces (Unicode Cf / Default_Ignorable_Code_Point,
# https://www.unicode.org/reports/tr44/): zero-width space, word joiner and invisible operators,
# a byte-order mark inside text, the Mongolian vowel separator, and the bidirectional marks and
# embeddings. Zero-width (non-)joiners are left out: emoji sequences and Persian or Indic words need them.
INVISIBLE = (
    "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_INVISIBLE = f"[{INVISIBLE}]"
_EITHER = f"{_MOJIBAKE}|{_CONTROL}|{_INVISIBLE}"

TEXT_KINDS = ("title", "description", "text", "category", "enum_text", "id")

# OWASP "CSV injection" (https://owasp.org/www-community/attacks/CSV_Injection): a cell starting
# with =, +, -, @, a tab or a carriage return may be run as a formula by a spreadsheet. A cell that
# is only a number, optionally followed by a currency code (-5.00, +3, -5.00 EUR), is read as a
# number or shows an error: it runs nothing, and is left alone.
FORMULA_START = r"^[=+\-@\t\r]"
NOT_A_FORMULA = r"^[+-]?[0-9]+(\.[0-9]+)?( [A-Z]{3})?$"


def formula_like(value: pl.Expr) -> pl.Expr:
    """True where a spreadsheet opening the value as a cell may run it as a formula."""
    return value.str.contains(FORMULA_START) & ~value.str.contains(NOT_A_FORMULA)


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def derive_frame(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Per text field, whether each value shows broken accents, control or invisible characters:
    one pass with the three patterns over the column, then each on the few values that matched."""
    flags: list[pl.Series] = []
    for spec in ctx.fields_of(*TEXT_KINDS):
        value = pl.col(spec.name)
        rows = frame.select(value.str.contains(_EITHER).fill_null(False)).to_series().arg_true()
        mojibake, control = helper(spec.name, "mojibake"), helper(spec.name, "control")
        invisible = helper(spec.name, "invisible")
        no = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
        base = pl.DataFrame([no.alias(mojibake), no.alias(control), no.alias(invisible)])
        found = [
            value.str.contains(_MOJIBAKE).alias(mojibake),
            value.str.contains(_CONTROL).alias(control),
            value.str.contains(_INVISIBLE).alias(invisible),
        ]
        flags += on_rows(frame, rows, found, base).get_columns()
    return frame.hstack(flags) if flags else frame


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    if "title" in ctx.present:
        title = pl.col("title")
        out += [
            Rule("title-too-long", "title", title.str.len_chars() > TITLE_MAX, invalidates=False),
            Rule("title-has-html", "title", title.str.contains(_HTML), invalidates=False),
            Rule(
                "title-all-caps",
                "title",
                # no lower-case letter, and at least 8 capitals
                ~title.str.contains(r"\p{Ll}") & (title.str.count_matches(r"\p{Lu}") >= 8),
                invalidates=False,
            ),
        ]
    if "description" in ctx.present:
        out.append(
            Rule(
                "description-too-long",
                "description",
                pl.col("description").str.len_chars() > DESCRIPTION_MAX,
                value=pl.col("description").str.len_chars().cast(pl.String) + " characters",
                invalidates=False,
            )
        )
    for spec in ctx.fields_of(*TEXT_KINDS):
        col = pl.col(spec.name)
        out.append(Rule("text-mojibake", spec.name, pl.col(helper(spec.name, "mojibake")), invalidates=False))
        shown = col.str.replace_all(_CONTROL, "\ufffd")
        control = pl.col(helper(spec.name, "control"))
        out.append(Rule("text-control-characters", spec.name, control, value=shown, invalidates=False))
        named = col.str.replace_many(list(INVISIBLE), [f"<U+{ord(c):04X}>" for c in INVISIBLE])
        invisible = pl.col(helper(spec.name, "invisible"))
        out.append(Rule("text-invisible-characters", spec.name, invisible, value=named, invalidates=False))
        # Per item, on the trimmed value: trimming turns "\t=1" into a live "=1". Only the fields
        # written as given; the others are rewritten (prices, GTINs, vocabularies) or fail a check.
        out.append(Rule("text-formula-like", spec.name, formula_like(col), invalidates=False))
    return out
