"""The ``feedcheck`` command: a thin layer over the library.

Exit codes: 0 read and no error; 1 read and has errors; 2 usage error; 3 the input cannot be
used as a feed (one line on stderr); 4 an internal error (a bug: one line on stderr).
``feedcheck diff``: 0 no change, 1 changes found; 2, 3 and 4 the same (3 for either file).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click
import polars as pl

from feedcheck.codes import CODES, doc_page
from feedcheck.convert import convert
from feedcheck.diff import DEFAULT_LIMIT, diff
from feedcheck.errors import FeedError, FetchError, InternalError, UsageError
from feedcheck.limits import Limits
from feedcheck.map.dialects import dialects
from feedcheck.map.lexicon import load_lexicon
from feedcheck.profile import Tier, load_profile
from feedcheck.read.fetch import fetch, is_address
from feedcheck.report import Report
from feedcheck.report.html import capped_rows, render_html, rows_from
from feedcheck.report.issues_csv import IssuesCsv
from feedcheck.report.markdown import to_terminal
from feedcheck.report.progress import TerminalProgress
from feedcheck.report.text import summary, width
from feedcheck.validate import validate

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _fail(code: int, message: str, as_json: bool = False) -> None:
    """One line on stderr, then exit: ``feedcheck: MESSAGE``, or in JSON mode
    ``{"error": "MESSAGE", "exit_code": CODE}`` so that a program reading JSON never parses text."""
    if as_json:
        click.echo(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False), err=True)
    else:
        click.echo(f"feedcheck: {message}", err=True)
    sys.exit(code)


def refusal(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one line for an exception out of the library."""
    if isinstance(exc, InternalError):
        return EXIT_INTERNAL, exc.message
    if isinstance(exc, FetchError):
        return EXIT_UNUSABLE, f"cannot fetch this address: {exc.message}"
    if isinstance(exc, FeedError):
        return EXIT_UNUSABLE, f"cannot use this file: {exc.message}"
    if isinstance(exc, UsageError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return 130, "interrupted"
    if isinstance(exc, OSError):  # the machine's, not the feed's: a disk full, a file that vanished
        return EXIT_UNUSABLE, f"cannot read or write a file: {exc}"
    return EXIT_INTERNAL, f"internal error ({type(exc).__name__}: {exc}); please report it"


def _run(action: Callable[[], Any], as_json: bool = False) -> Any:
    try:
        return action()
    except UsageError as exc:
        if not as_json:
            raise click.UsageError(str(exc)) from None
        _fail(EXIT_USAGE, str(exc), as_json)
    except (Exception, KeyboardInterrupt) as exc:  # never a traceback for support staff
        _fail(*refusal(exc), as_json)
    return None  # pragma: no cover


PROFILE_OPTION = click.option(
    "--profile", default="default", show_default=True, help="Bundled profile name or a TOML file."
)
_READ_OPTIONS = (
    click.option("--input-format", type=click.Choice(["csv", "xml"]), default=None, help="Force the feed format."),
    click.option("--encoding", default=None, help="Force the text encoding (e.g. cp1252)."),
    click.option("--delimiter", default=None, help="Force the CSV delimiter: , ; | or tab."),
    click.option("--item-element", default=None, help="Force the XML record element (e.g. product)."),
    click.option(
        "--sheet", default=None, help="The sheet of a spreadsheet (.xlsx, .ods, .xls) to read (default: the first)."
    ),
    click.option(
        "--header-line",
        type=click.IntRange(min=1),
        default=None,
        help="CSV: the line of the header, when an export writes a title line above it.",
    ),
    click.option(
        "--dialect",
        default=None,
        metavar="ID",
        help="Force the published format the feed follows (feedcheck dialects lists them; none: no format's rules).",
    ),
    click.option(
        "--map", "maps", multiple=True, metavar="COLUMN=FIELD", help='Force a mapping, e.g. "Prix TTC=price".'
    ),
    click.option("--currency", default=None, help="Currency of prices that name none (ISO code, e.g. EUR)."),
    click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="The day sale windows are checked against, YYYY-MM-DD (default: today, UTC).",
    ),
    click.option("--max-bytes", type=click.IntRange(min=1), default=None, help="Refuse feeds larger than this."),
    click.option("--max-items", type=click.IntRange(min=1), default=None, help="Refuse feeds with more records."),
    click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=min(os.cpu_count() or 1, 2),
        show_default="2 on a machine of 2 cores or more",
        help="Processes reading a big XML file (2: two halves at once).",
    ),
    click.option(
        "--partial", is_flag=True, default=False, help="Past --max-items, check the first records instead of refusing."
    ),
)
F = TypeVar("F", bound=Callable[..., Any])


def read_options(command: F) -> F:
    """The options validate and convert share: how to read the feed, and its limits."""
    for option in reversed(_READ_OPTIONS):
        command = option(command)
    return command


def _read_arguments(read: dict[str, Any]) -> dict[str, Any]:
    """Command-line values -> keyword arguments of validate() and convert()."""
    return {
        "format": read["input_format"],
        "encoding": read["encoding"],
        "delimiter": read["delimiter"],
        "item_element": read["item_element"],
        "header_line": read["header_line"],
        "mapping": list(read["maps"]),
        "currency": read["currency"],
        "today": read["today"].date() if read["today"] is not None else None,
        "limits": _limits(read["max_bytes"], read["max_items"], read["partial"]),
        "workers": read["workers"],
        "sheet": read["sheet"],
        "dialect": read["dialect"],
    }


def _limits(max_bytes: int | None, max_items: int | None, partial: bool) -> Limits:
    defaults = Limits()
    return Limits(
        max_bytes=defaults.max_bytes if max_bytes is None else max_bytes,
        max_items=defaults.max_items if max_items is None else max_items,
        partial=partial,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="feedcheck")
def main() -> None:
    """Check product catalogue feeds (CSV or XML) for the fields publishers need."""


def _check_paths(files: tuple[str, ...]) -> None:
    """A path that does not exist is the caller's mistake (exit 2), before anything runs."""
    for file in files:
        if file != "-" and not is_address(file) and not os.path.isfile(file):
            what = "is a directory" if os.path.isdir(file) else "does not exist"
            raise click.BadParameter(f"File {file!r} {what}.", param_hint="'FILE'")


def _source(file: str, limits: Limits, progress: TerminalProgress) -> str | BinaryIO:
    """Standard input for -, the downloaded feed for an http(s) address, else the path."""
    if file == "-":
        return sys.stdin.buffer
    if is_address(file):
        return fetch(file, limits=limits, progress=progress)
    return file


def _tee(sinks: list[Callable[[pl.DataFrame], None]]) -> Callable[[pl.DataFrame], None]:
    def rows(frame: pl.DataFrame) -> None:
        for sink in sinks:
            sink(frame)

    return rows


def _validate_each(
    files: tuple[str, ...], arguments: dict[str, Any], csv: IssuesCsv | None, as_json: bool, html: bool
) -> list[tuple[str, Report | None, int, str]]:
    """(file, report or None, exit code, refusal line) for each file, in order. A file that
    cannot be used gets its line on stderr at once, and the next file runs. For the HTML view,
    each report keeps the first issue rows of each issue."""
    results: list[tuple[str, Report | None, int, str]] = []
    for file in files:
        progress = TerminalProgress(file if len(files) > 1 else "reading")
        kept, capped = capped_rows()
        sinks = [s for s in (csv.for_file(file) if csv and len(files) > 1 else csv, capped if html else None) if s]
        try:
            source = _source(file, arguments["limits"], progress)
            report = validate(source, progress=progress, issue_rows=_tee(sinks) if sinks else False, **arguments)
            if html:
                report.issue_rows = rows_from(kept)
            results.append((file, report, EXIT_OK if report.valid else EXIT_INVALID, ""))
        except UsageError as exc:  # the same mistake for every file: stop at once
            if not as_json:
                raise click.UsageError(str(exc)) from None
            _fail(EXIT_USAGE, str(exc), as_json)
        except (Exception, KeyboardInterrupt) as exc:  # never a traceback for support staff
            code, line = refusal(exc)
            if code == 130:
                _fail(code, line, as_json)
            line = f"{file}: {line}" if len(files) > 1 else line
            if as_json:
                click.echo(json.dumps({"file": file, "error": line, "exit_code": code}, ensure_ascii=False), err=True)
            else:
                click.echo(f"feedcheck: {line}", err=True)
            results.append((file, None, code, line))
        finally:
            progress.close()
    return results


@main.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="Report as text for people, JSON for programs, or one HTML page to send the merchant.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--issues-csv",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every affected line to this CSV: item, line, id, field, code, severity, value.",
)
@click.option("-v", "--verbose", is_flag=True, help="Name every missing useful field.")
@PROFILE_OPTION
@click.option(
    "--show-mapping",
    is_flag=True,
    default=False,
    help="Also say which column feeds each field, and how it was matched.",
)
@read_options
def validate_command(
    files: tuple[str, ...],
    fmt: str,
    out: str | None,
    issues_csv: str | None,
    verbose: bool,
    profile: str,
    show_mapping: bool,
    **read: Any,
) -> None:
    """Check each FILE (a path, an http(s) address, or - for standard input) and report what is
    missing or invalid. With several files, one summary line each; exit with the worst code."""
    _check_paths(files)
    as_json = fmt == "json"
    arguments = {"profile": profile, **_read_arguments(read)}
    sink = _run(lambda: IssuesCsv(issues_csv, file="" if len(files) > 1 else None), as_json) if issues_csv else None
    try:
        results = _validate_each(files, arguments, sink, as_json, fmt == "html")
    finally:
        if sink is not None:
            sink.close()
    reports = [(file, report) for file, report, _, _ in results if report is not None]
    if fmt == "json":
        dumped = [r.model_dump(mode="json") if r else {"file": f, "error": e, "exit_code": c} for f, r, c, e in results]
        text = json.dumps(dumped[0] if len(files) == 1 else dumped, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        text = render_html([(f, r, e) for f, r, _, e in results])
    elif len(files) == 1:
        text = reports[0][1].to_text(width=width() if out is None else 80, verbose=verbose) if reports else ""
        if reports and show_mapping:
            text += reports[0][1].mapping_text()
    else:
        text = "".join(summary(r) + "\n" for _, r in reports)
    if len(files) == 1 and not reports and fmt != "html":
        text = ""  # the refusal line on stderr says it all
    if out is not None:
        _run(lambda: Path(out).write_text(text, encoding="utf-8"), as_json)
    elif text:
        click.echo(text, nl=False)
    sys.exit(max(code for _, _, code, _ in results))


OUTPUTS = (
    ("csv_out", "--csv", "feedcheck's normalised CSV"),
    ("xml_out", "--xml", "feedcheck's normalised XML"),
    ("google_xml_out", "--google-xml", "Google's RSS 2.0 feed (g: namespace)"),
    ("google_tsv_out", "--google-tsv", "Google's tab-separated feed"),
)


def output_options(command: F) -> F:
    """Where convert writes: one option per output kind, each a path or - (standard output)."""
    for dest, flag, what in reversed(OUTPUTS):
        command = click.option(
            flag,
            dest,
            type=click.Path(dir_okay=False, readable=False, allow_dash=True),
            help=f"Write {what} here (- for standard output; .gz, .zip, .bz2, .xz compress).",
        )(command)
    return command


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@main.command("convert")
@click.argument("file")
@output_options
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Summary as text for people or JSON for programs.",
)
@PROFILE_OPTION
@click.option("--drop-invalid", is_flag=True, help="Leave out records whose mandatory values are missing or invalid.")
@click.option("--keep-extra", is_flag=True, help="Keep the other source columns, as extra_<name>.")
@click.option(
    "--raw-cells",
    is_flag=True,
    help="Write CSV/TSV cells starting with = + - @ as they are (default: a leading ' so spreadsheets run nothing).",
)
@read_options
def convert_command(
    file: str,
    output: str,
    profile: str,
    drop_invalid: bool,
    keep_extra: bool,
    raw_cells: bool,
    **options: Any,
) -> None:
    """Write FILE (a path, an http(s) address, or - for standard input) for publishers: normalised
    CSV/XML, Google RSS/TSV (--csv OUT.csv --google-xml OUT.xml ...).

    Exits like validate once the files are written: 0 no error, 1 the feed has errors."""
    paths = {flag: options.pop(dest) for dest, flag, _ in OUTPUTS}
    read = options
    if not any(paths.values()):
        raise click.UsageError(
            "Say where to write: --csv OUT.csv, --xml OUT.xml, --google-xml OUT.xml or --google-tsv OUT.tsv."
        )
    if list(paths.values()).count("-") > 1:
        raise click.UsageError("Only one output can go to standard output (-).")
    _check_paths((file,))
    arguments = _read_arguments(read)
    progress = TerminalProgress("reading")
    source = _run(lambda: _source(file, arguments["limits"], progress), output == "json")
    to_stdout = "-" in paths.values()

    def target(path: str | None) -> str | BinaryIO | None:
        return sys.stdout.buffer if path == "-" else path

    def action() -> Any:
        return convert(
            source,
            csv=target(paths["--csv"]),
            xml=target(paths["--xml"]),
            google_xml=target(paths["--google-xml"]),
            google_tsv=target(paths["--google-tsv"]),
            profile=profile,
            drop_invalid=drop_invalid,
            keep_extra=keep_extra,
            raw_cells=raw_cells,
            **arguments,
        )

    result = _run(action, output == "json")
    progress.close()
    sys.stdout.flush()
    # When a feed goes to standard output, the summary goes to standard error.
    if output == "json":
        click.echo(result.model_dump_json(indent=2), err=to_stdout)
    else:
        click.echo("\n".join(_summary(file, paths, result)), err=to_stdout)
    sys.exit(EXIT_OK if result.valid else EXIT_INVALID)


def _summary(file: str, paths: dict[str, str | None], result: Any) -> list[str]:
    """The text summary of convert (docs/cli.md, "The summary")."""
    if result.written:
        where = _and(["standard output" if p == "-" else p for p in paths.values() if p])
        lines = [f"{file}: wrote {result.written:,} of {result.items:,} products to {where}"]
        lines.append(f"  fields: {', '.join(result.fields)}")
    else:
        why = (
            f"--drop-invalid left out all {result.items:,} products" if result.dropped else "the feed holds no product"
        )
        lines = [f"{file}: wrote nothing: {why}; no output file was created or changed"]
    for gone in result.dropped[:20]:
        ident = f" id {gone.id}" if gone.id else ""
        lines.append(f"  dropped item {gone.item} (line {gone.line}{ident}): {'; '.join(gone.reasons)}")
    if len(result.dropped) > 20:
        lines.append(f"  ... and {len(result.dropped) - 20:,} more dropped (--format json lists them all)")
    if result.written:
        for column, count in result.characters_removed.items():
            lines.append(f"  removed characters XML forbids from {count:,} {column} value(s)")
        if result.cells_neutralised:
            cells = ", ".join(f"{column} {count:,}" for column, count in result.cells_neutralised.items())
            lines.append(
                f"  put a ' before cells a spreadsheet would run as a formula: {cells} (--raw-cells: as they are)"
            )
        if result.google_left_out:
            gone = ", ".join(f"{g.field} {g.values:,} ({g.reason})" for g in result.google_left_out)
            lines.append(f"  left out of the Google files: {gone}")
    if result.errors:
        lines.append(f"  the feed has {result.errors} error(s): run 'feedcheck validate {file}' for the details")
    return lines


@main.command("diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="Text for people, JSON for programs, or a self-contained HTML page.",
)
@click.option(
    "--changes",
    "changes_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every change as CSV here (id, field, old, new, percent, lines).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Ids and changes listed in JSON and HTML at most (0: all); the counts are always complete.",
)
@PROFILE_OPTION
@read_options
def diff_command(
    old: str,
    new: str,
    output: str,
    changes_out: str | None,
    limit: int,
    profile: str,
    **read: Any,
) -> None:
    """Compare OLD and NEW, two versions of a feed: products added, removed and changed, issues
    new and resolved. Exit 0 when nothing changed, 1 when something did."""

    def action() -> Any:
        return diff(old, new, profile=profile, limit=limit or None, changes=changes_out, **_read_arguments(read))

    result = _run(action, output == "json")
    if output == "json":
        click.echo(result.model_dump_json(indent=2))
    elif output == "html":
        click.echo(result.to_html(), nl=False)
    else:
        click.echo(result.to_text(), nl=False)
    sys.exit(EXIT_INVALID if result.has_changes else EXIT_OK)


@main.command("fields")
@PROFILE_OPTION
@click.option(
    "--language",
    default="en",
    show_default=True,
    metavar="CODE|PLATFORM|all",
    help="Names of this language (de, fr, ...) or network / platform (Awin, Shopify, ...), or all of them.",
)
def fields_command(profile: str, language: str) -> None:
    """List the profile's canonical fields, their tier and the column names that map to them."""
    prof = _run(lambda: load_profile(profile))
    lexicon = load_lexicon()
    known = lexicon.languages()
    if language != "all" and language not in known:
        close = difflib.get_close_matches(language, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise click.UsageError(f"Unknown language or platform {language!r}.{hint} Known: {', '.join(known)}.")
    chosen = known if language == "all" else [language]
    click.echo(f"Profile {prof.name}: {prof.description}")
    click.echo(
        f"Column names ({'all languages' if language == 'all' else language}); the field's own name always counts."
    )

    def listed(names: Iterable[str]) -> str:
        return ", ".join(f'"{n}"' if "," in n else n for n in names)

    def lines(name: str, aliases: tuple[str, ...]) -> list[str]:
        out = [f"profile: {listed(aliases)}"] if aliases else []
        for lang in chosen:
            names = [s for s, _ in lexicon.names_of(name, lang)]
            if names:
                out.append((f"{lang}: " if language == "all" else "") + listed(names))
        return out

    for tier in Tier:
        click.echo(f"\n{tier.value.replace('_', ' ')}:")
        for spec in prof.by_tier(tier):
            found = lines(spec.name, spec.aliases) or ["-"]
            click.echo(f"  {spec.name:<26} {found[0]}")
            for more in found[1:]:
                click.echo(f"  {'':<26} {more}")
    sale = lines("sale_price", prof.sale_price_aliases)
    if sale:
        click.echo(f"\nsale price (becomes price when filled): {'; '.join(sale)}")
    if language != "all":
        isos = [k for k in known if len(k) == 2 and k.islower()]
        platforms = [k for k in known if k not in isos]
        click.echo(f"\nOther names: feedcheck fields --language CODE, one of {', '.join(isos)},")
        click.echo(f"or a network / platform: {', '.join(platforms)}; or --language all.")


@main.command("dialects")
def dialects_command() -> None:
    """List the published formats feedcheck recognises (--dialect ID forces one), with what each
    is and where its rules come from."""
    for dialect in dialects().values():
        click.echo(f"{dialect.id:<18} {dialect.name}")
        for line in textwrap.wrap(dialect.description, width=max(width() - 19, 40)):
            click.echo(f"{'':<18} {line}")
        source = textwrap.wrap("source: " + dialect.source, width=max(width() - 19, 40), break_on_hyphens=False)
        for line in source:
            click.echo(f"{'':<18} {line}")
    click.echo("\nA feed following none of them is read by its column names alone (--dialect none forces that).")


@main.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print the documentation page of an issue CODE (e.g. price-unparseable, in any case)."""
    name = code.strip().lower()
    if name not in CODES:
        close = difflib.get_close_matches(name, list(CODES), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " 'feedcheck codes' lists them all."
        raise click.UsageError(f"Unknown issue code {code!r}.{hint}")
    tty = sys.stdout.isatty()
    click.echo(to_terminal(doc_page(name), color=tty and not os.environ.get("NO_COLOR"), width=width()), nl=False)


@main.command("codes")
def codes_command() -> None:
    """List every issue code with its severity and message."""
    for spec in CODES.values():
        message = spec.message.format(field="FIELD", column="COLUMN", count="N", detail="...")
        click.echo(f"{spec.code:<32} {spec.severity.value:<8} {message}")


if __name__ == "__main__":  # pragma: no cover
    main()
