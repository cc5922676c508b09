"""The ``feedcheck`` command: a thin layer over the library.

Exit codes: 0 read and no error; 1 read and has errors; 2 usage error; 3 the input cannot be
used as a feed (one line on stderr); 4 an internal error (a bug: one line on stderr).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

import click

from feedcheck.codes import CODES, doc_page
from feedcheck.convert import convert
from feedcheck.errors import FeedError, InternalError, UsageError
from feedcheck.limits import Limits
from feedcheck.profile import Tier, load_profile
from feedcheck.validate import validate

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _fail(code: int, message: str) -> None:
    click.echo(f"feedcheck: {message}", err=True)
    sys.exit(code)


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except InternalError as exc:
        _fail(EXIT_INTERNAL, exc.message)
    except FeedError as exc:
        _fail(EXIT_UNUSABLE, f"cannot use this file: {exc.message}")
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    except KeyboardInterrupt:
        _fail(130, "interrupted")
    except OSError as exc:  # the machine's, not the feed's: a disk full, a file that vanished
        _fail(EXIT_UNUSABLE, f"cannot read or write a file: {exc}")
    except Exception as exc:  # never a traceback for support staff
        _fail(EXIT_INTERNAL, f"internal error ({type(exc).__name__}: {exc}); please report it")
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
        "--map", "maps", multiple=True, metavar="COLUMN=FIELD", help='Force a mapping, e.g. "Prix TTC=price".'
    ),
    click.option("--currency", default=None, help="Currency of prices that name none (ISO code, e.g. EUR)."),
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
        "mapping": list(read["maps"]),
        "currency": read["currency"],
        "limits": _limits(read["max_bytes"], read["max_items"], read["partial"]),
        "workers": read["workers"],
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


@main.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report as text for people or JSON for programs.",
)
@PROFILE_OPTION
@read_options
def validate_command(
    file: str,
    output: str,
    profile: str,
    **read: Any,
) -> None:
    """Check FILE (a path, or - for standard input) and report what is missing or invalid."""
    source: str | BinaryIO = sys.stdin.buffer if file == "-" else file

    def action() -> Any:
        return validate(
            source,
            profile=profile,
            **_read_arguments(read),
        )

    report = _run(action)
    if output == "json":
        click.echo(report.model_dump_json(indent=2))
    else:
        click.echo(report.to_text(), nl=False)
    sys.exit(EXIT_OK if report.valid else EXIT_INVALID)


@main.command("convert")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the normalised CSV here (- for standard output).",
)
@click.option(
    "--xml",
    "xml_out",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the normalised XML here (- for standard output).",
)
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
@click.option("--keep-extra", is_flag=True, help="Keep unmapped columns, as extra_<name>.")
@read_options
def convert_command(
    file: str,
    csv_out: str | None,
    xml_out: str | None,
    output: str,
    profile: str,
    drop_invalid: bool,
    keep_extra: bool,
    **read: Any,
) -> None:
    """Write FILE as normalised CSV and/or XML for publishers (--csv OUT.csv --xml OUT.xml)."""
    if csv_out is None and xml_out is None:
        raise click.UsageError("Say where to write: --csv OUT.csv, --xml OUT.xml, or both.")
    if csv_out == "-" and xml_out == "-":
        raise click.UsageError("Only one of --csv and --xml can go to standard output.")
    source: str | BinaryIO = sys.stdin.buffer if file == "-" else file
    to_stdout = "-" in (csv_out, xml_out)

    def target(path: str | None) -> str | BinaryIO | None:
        return sys.stdout.buffer if path == "-" else path

    def action() -> Any:
        return convert(
            source,
            csv=target(csv_out),
            xml=target(xml_out),
            profile=profile,
            drop_invalid=drop_invalid,
            keep_extra=keep_extra,
            **_read_arguments(read),
        )

    result = _run(action)
    sys.stdout.flush()
    # When a feed goes to standard output, the summary goes to standard error.
    if output == "json":
        click.echo(result.model_dump_json(indent=2), err=to_stdout)
        return
    where = " and ".join("standard output" if p == "-" else p for p in (csv_out, xml_out) if p)
    lines = [f"{file}: wrote {result.written:,} of {result.items:,} products to {where}"]
    lines.append(f"  fields: {', '.join(result.fields)}")
    for gone in result.dropped[:20]:
        ident = f" id {gone.id}" if gone.id else ""
        lines.append(f"  dropped item {gone.item} (line {gone.line}{ident}): {'; '.join(gone.reasons)}")
    if len(result.dropped) > 20:
        lines.append(f"  ... and {len(result.dropped) - 20:,} more dropped (--format json lists them all)")
    for column, count in result.characters_removed.items():
        lines.append(f"  removed characters XML forbids from {count:,} {column} value(s)")
    errors = sum(1 for i in result.report.issues if i.severity.value == "error")
    if errors:
        lines.append(f"  the feed has {errors} error(s): run 'feedcheck validate {file}' for the details")
    click.echo("\n".join(lines), err=to_stdout)


@main.command("fields")
@PROFILE_OPTION
def fields_command(profile: str) -> None:
    """List the profile's canonical fields, their tier and the column names that map to them."""
    prof = _run(lambda: load_profile(profile))
    click.echo(f"Profile {prof.name}: {prof.description}")
    for tier in Tier:
        click.echo(f"\n{tier.value.replace('_', ' ')}:")
        for spec in prof.by_tier(tier):
            aliases = ", ".join(spec.aliases)
            click.echo(f"  {spec.name:<26} {aliases}")
    if prof.sale_price_aliases:
        click.echo(f"\nsale price (becomes price when filled): {', '.join(prof.sale_price_aliases)}")


@main.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print the documentation page of an issue CODE (e.g. price-unparseable)."""
    if code not in CODES:
        close = difflib.get_close_matches(code, list(CODES), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " 'feedcheck codes' lists them all."
        raise click.UsageError(f"Unknown issue code {code!r}.{hint}")
    click.echo(doc_page(code), nl=False)


@main.command("codes")
def codes_command() -> None:
    """List every issue code with its severity and message."""
    for spec in CODES.values():
        message = spec.message.format(field="FIELD", column="COLUMN", count="N", detail="...")
        click.echo(f"{spec.code:<32} {spec.severity.value:<8} {message}")


if __name__ == "__main__":  # pragma: no cover
    main()
