"""The issue pages (``docs/issues/*.md``, shipped as ``feedcheck.issue_docs``) rendered for a
terminal (``feedcheck explain``) and as HTML (the HTML report embeds them).

Markdown is parsed by markdown-it-py, a CommonMark parser (https://spec.commonmark.org/), with raw
HTML turned off: a page can hold no markup of its own, and link targets are checked by the
parser (no ``javascript:``). The terminal view styles headings, bold, emphasis and code with ANSI
escapes (ECMA-48 SGR) when ``color`` is set, and is plain text otherwise; both keep no raw ``#`` or
``**`` and wrap paragraphs to the given width.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PAGE_LINK = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)+)\.md$")  # another issue page: price-zero.md

_BOLD, _ITALIC, _UNDERLINE, _CODE, _DIM, _RESET = "\x1b[1m", "\x1b[3m", "\x1b[4m", "\x1b[36m", "\x1b[2m", "\x1b[0m"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def issue_anchor(code: str) -> str:
    """The id of a code's explanation in the HTML report: ``explain-price-zero``."""
    return f"explain-{code}"


def to_html(text: str) -> str:
    """HTML for a Markdown page, safe to embed: raw HTML in the page is escaped, and a link to
    another issue page (``price-zero.md``) points to that page's anchor in the same report."""
    md = _parser()
    tokens = md.parse(text)
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                page = _PAGE_LINK.match(href)
                if page:
                    child.attrSet("href", "#" + issue_anchor(page.group(1)))
    return str(md.renderer.render(tokens, md.options, {}))


class _Spans:
    """Inline text as (text, style) spans, wrapped by visible width (escapes take none)."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.spans: list[tuple[str, str]] = []

    def add(self, text: str, style: str = "") -> None:
        self.spans.append((text, style if self.color else ""))

    def wrap(self, width: int, first: str, rest: str) -> list[str]:
        # Words as (visible, styled); "" stands for a space, "\n" for a hard break. Pieces of
        # several spans with no space between them ("`code`," ) make one word.
        words: list[tuple[str, str]] = []
        glued = False
        for text, style in self.spans:
            for piece in re.split(r"( +|\n)", text):
                if not piece:
                    continue
                if piece == "\n" or piece.isspace():
                    words.append((piece if piece == "\n" else "", piece if piece == "\n" else ""))
                    glued = False
                    continue
                styled = f"{style}{piece}{_RESET}" if style else piece
                if glued:
                    visible, before = words.pop()
                    words.append((visible + piece, before + styled))
                else:
                    words.append((piece, styled))
                glued = True
        lines: list[str] = []
        line, seen, start, pending_space = first, len(first), len(first), False
        for visible, styled in words:
            if visible == "\n":
                lines.append(line)
                line, seen, start, pending_space = rest, len(rest), len(rest), False
                continue
            if not visible:
                pending_space = seen > start
                continue
            gap = 1 if pending_space else 0
            if seen + gap + len(visible) > width and seen > start:
                lines.append(line)
                line, seen, start, gap = rest, len(rest), len(rest), 0
            line += " " * gap + styled
            seen += gap + len(visible)
            pending_space = False
        lines.append(line)
        return [ln.rstrip() for ln in lines]


def _inline(children: Sequence[Token], color: bool) -> _Spans:
    spans = _Spans(color)
    styles: list[str] = []
    links: list[str] = []
    for child in children:
        kind = child.type
        style = "".join(styles)
        if kind == "text":
            spans.add(child.content, style)
        elif kind == "code_inline":
            spans.add(child.content if color else f"`{child.content}`", style + _CODE)
        elif kind in ("softbreak",):
            spans.add(" ", style)
        elif kind == "hardbreak":
            spans.add("\n")
        elif kind == "strong_open":
            styles.append(_BOLD)
        elif kind == "em_open":
            styles.append(_ITALIC)
        elif kind in ("strong_close", "em_close") and styles:
            styles.pop()
        elif kind == "link_open":
            links.append(str(child.attrGet("href") or ""))
        elif kind == "link_close" and links:
            href = links.pop()
            page = _PAGE_LINK.match(href)
            target = f"feedcheck explain {page.group(1)}" if page else href
            spans.add(f" ({target})", _DIM)
    return spans


def _table(tokens: list[Token], start: int, color: bool) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline":
            cell = _inline(token.children or [], False).wrap(10**9, "", "")
            rows[-1].append(" ".join(cell))
        index += 1
    return rows, index


def to_terminal(text: str, *, color: bool, width: int = 80) -> str:
    """A Markdown page as terminal text: headings underlined (bold with ``color``), lists with
    bullets, code blocks indented, paragraphs wrapped to ``width`` columns."""
    tokens = _parser().parse(text)
    out: list[str] = []
    indent = ""
    bullets: list[str] = []
    numbers: list[int] = []
    heading = 0
    index = 0
    pending_item = False

    def blank() -> None:
        if out and out[-1] != "":
            out.append("")

    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1])
            blank()
        elif kind == "heading_close":
            heading = 0
            out.append("")
        elif kind in ("bullet_list_open", "ordered_list_open"):
            if not bullets:
                blank()
            bullets.append("ordered" if kind.startswith("ordered") else "bullet")
            numbers.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            bullets.pop()
            numbers.pop()
            if not bullets:
                out.append("")
        elif kind == "list_item_open":
            pending_item = True
        elif kind == "inline":
            spans = _inline(token.children or [], color)
            if heading:
                title = spans.wrap(width, "", "")
                if color:
                    out.extend(f"{_BOLD}{_UNDERLINE if heading == 1 else ''}{ln}{_RESET}" for ln in title)
                else:
                    out.extend(title)
                    out.append(("=" if heading == 1 else "-") * max(len(ln) for ln in title))
            elif pending_item:
                depth = "  " * (len(bullets) - 1)
                if bullets[-1] == "ordered":
                    mark = f"{numbers[-1]}. "
                    numbers[-1] += 1
                else:
                    mark = "• " if color else "- "
                first = indent + depth + mark
                out.extend(spans.wrap(width, first, " " * len(first)))
                pending_item = False
            else:
                depth = "  " * len(bullets) if bullets else ""
                out.extend(spans.wrap(width, indent + depth, indent + depth))
        elif kind == "paragraph_close" and not bullets:
            out.append("")
        elif kind in ("fence", "code_block"):
            blank()
            for line in token.content.rstrip("\n").split("\n"):
                shown = "    " + line
                out.append(f"{_DIM}{shown}{_RESET}" if color and line else shown.rstrip())
            out.append("")
        elif kind == "table_open":
            rows, index = _table(tokens, index, color)
            widths = [max(len(r[c]) for r in rows if c < len(r)) for c in range(max(map(len, rows)))]
            blank()
            for number, row in enumerate(rows):
                line = "  " + "  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row))
                out.append(f"{_BOLD}{line.rstrip()}{_RESET}" if color and number == 0 else line.rstrip())
            out.append("")
        elif kind == "hr":
            blank()
            out.append("-" * min(width, 40))
            out.append("")
        index += 1
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""
