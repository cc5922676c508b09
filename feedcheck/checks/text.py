"""Free text: lengths publishers accept, HTML in titles, broken accents, shouting, control characters."""

from __future__ import annotations

import polars as pl

from feedcheck.checks.base import Context, Rule

TITLE_MAX = 150  # Google; Meta allows 200, Kelkoo 80
DESCRIPTION_MAX = 5000  # Google
_HTML = r"(?i)</?[a-z][a-z0-9]*(\s[^<>]*)?/?>|&(#\d+|#x[0-9a-f]+|[a-z]{2,8});"
# UTF-8 read as Windows-1252 or Latin-1: Ã© Ã¨ Ã  â€™ â€œ Â° ...
_MOJIBAKE = r"Ã[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€[\u0080-\u00bf™œ¦¢“”˜]|Â[\u00a0-\u00bf]"
# C0 controls but tab, LF, CR; DEL; C1 controls (U+0080-U+009F, usually a code page mix-up).
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"

TEXT_KINDS = ("title", "description", "text", "category", "enum_text", "id")


def derive(ctx: Context) -> list[pl.Expr]:
    return []


def rules(ctx: Context) -> list[Rule]:
    out: list[Rule] = []
    if "title" in ctx.present:
        title = pl.col("title")
        letters = title.str.replace_all(r"[^\p{L}]", "")
        out += [
            Rule("title-too-long", "title", title.str.len_chars() > TITLE_MAX, invalidates=False),
            Rule("title-has-html", "title", title.str.contains(_HTML), invalidates=False),
            Rule(
                "title-all-caps",
                "title",
                (letters.str.len_chars() >= 8)
                & (letters == letters.str.to_uppercase())
                & letters.str.contains(r"\p{Lu}"),
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
        out.append(Rule("text-mojibake", spec.name, col.str.contains(_MOJIBAKE), invalidates=False))
        shown = col.str.replace_all(_CONTROL, "\ufffd")
        out.append(
            Rule("text-control-characters", spec.name, col.str.contains(_CONTROL), value=shown, invalidates=False)
        )
    return out
