"""Where an output goes, and how it is written without ever destroying anything.

A target is a path (``str`` or ``os.PathLike``) or a binary stream the caller opened.

A **path** is written to a temporary file in the same directory (``.<name>.<random>.tmp``, created
with the permissions a new file gets, or those of the file it replaces), then renamed over the
target by :meth:`Sink.commit` once complete: a failure at any point (an exception in a writer, a
full disk, Ctrl-C) leaves the previous file as it was and removes the temporary one
(:meth:`Sink.abort`). The rename replaces the directory entry: a target that is a symbolic link
becomes a regular file, and the file the link pointed to is left alone.

The path's extension chooses a compression (:data:`COMPRESSIONS`): ``.gz`` (gzip), ``.zip`` (an
archive holding one file named after the archive without ``.zip``), ``.bz2`` and ``.xz`` -- the
forms :mod:`feedcheck.read.source` opens.

A **stream** receives the bytes as they are written, uncompressed; it is flushed, never closed.
A failure leaves whatever was written so far in it: write to a path for all-or-nothing.

:func:`check_targets` refuses, before anything is read or written, an output that is the input
(the same file through its path, a symbolic link or a hard link: same ``st_dev``/``st_ino``, or
the same resolved path) and two outputs on one file or one stream (:class:`UsageError`).
"""

from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import lzma
import os
import secrets
import stat
import time
import zipfile
from pathlib import Path
from typing import IO, TypeGuard, cast

from feedcheck.errors import UsageError

Target = str | os.PathLike[str] | IO[bytes]

COMPRESSIONS = {".gz": "gzip", ".zip": "zip", ".bz2": "bz2", ".xz": "xz"}
TEMP_SUFFIX = ".tmp"


def is_path(target: object) -> TypeGuard[str | os.PathLike[str]]:
    return isinstance(target, str | os.PathLike)


def compression_of(target: Target) -> str | None:
    """``"gzip"``, ``"zip"``, ``"bz2"``, ``"xz"`` or ``None``, from a path's extension (any case);
    ``None`` for a stream."""
    if not is_path(target):
        return None
    return COMPRESSIONS.get(Path(os.fspath(target)).suffix.lower())


class Sink:
    """An open output: write bytes to :attr:`stream`, then :meth:`finish` and :meth:`commit`, or
    :meth:`abort`. :meth:`abort` is safe to call at any time, also after a failed commit."""

    def __init__(self, stream: IO[bytes], *, path: Path | None = None, temp: Path | None = None) -> None:
        self.stream = stream
        self.path = path  # the target, for a path
        self.temp = temp  # the temporary file being written, for a path
        self._layers: list[IO[bytes] | zipfile.ZipFile] = []  # compressors, innermost first
        self._raw: IO[bytes] | None = None
        self._done = False

    def finish(self) -> None:
        """Complete the bytes: close the compressors, flush and sync the temporary file."""
        for layer in self._layers:
            layer.close()
        self._layers = []
        if self._raw is not None:
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()
            self._raw = None
        else:
            flush = getattr(self.stream, "flush", None)
            if flush is not None:
                flush()

    def commit(self) -> None:
        """Rename the complete temporary file over the target (nothing to do for a stream)."""
        if self.temp is not None and self.path is not None:
            os.replace(self.temp, self.path)
            self.temp = None
        self._done = True

    def abort(self) -> None:
        """Give up: close everything and delete the temporary file; the target is untouched."""
        for layer in [*self._layers, self._raw]:
            if layer is not None:
                with contextlib.suppress(Exception):
                    layer.close()
        self._layers, self._raw = [], None
        if self.temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temp)
            self.temp = None


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new file beside ``path``, opened for writing; mode 0o666 less the umask (as ``open``
    gives a new file), or the mode of the file it will replace."""
    for _ in range(100):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        try:
            existing = os.stat(path)
        except OSError:
            return fd, temp
        if stat.S_ISREG(existing.st_mode):
            with contextlib.suppress(OSError):
                os.chmod(temp, stat.S_IMODE(existing.st_mode))
        return fd, temp
    raise FileExistsError(f"Could not create a temporary file beside {path}.")


def open_sink(target: Target) -> Sink:
    """Open ``target`` for writing (see the module's docstring). Raises ``OSError`` when the
    temporary file cannot be created (no such directory, no permission)."""
    if not is_path(target):
        return Sink(cast(IO[bytes], target))
    path = Path(os.fspath(target))
    if os.path.lexists(path) and not os.path.islink(path) and not os.access(path, os.W_OK):
        # A rename could replace it, but a file its owner made read-only is not to be overwritten.
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    fd, temp = _create_temp(path)
    raw: IO[bytes] = os.fdopen(fd, "wb")
    sink = Sink(raw, path=path, temp=temp)
    sink._raw = raw
    try:
        kind = compression_of(target)
        inner = path.name[: -len(path.suffix)] if kind else path.name
        if kind == "gzip":
            # mtime 0 and the inner name (not the temporary one): the same data gives the same bytes.
            sink.stream = cast(
                IO[bytes], gzip.GzipFile(filename=inner, mode="wb", fileobj=raw, compresslevel=6, mtime=0)
            )
            sink._layers = [sink.stream]
        elif kind == "bz2":
            sink.stream = cast(IO[bytes], bz2.BZ2File(raw, "wb"))
            sink._layers = [sink.stream]
        elif kind == "xz":
            sink.stream = cast(IO[bytes], lzma.LZMAFile(raw, "wb"))
            sink._layers = [sink.stream]
        elif kind == "zip":
            archive = zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
            info = zipfile.ZipInfo(inner, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            member = archive.open(info, "w", force_zip64=True)  # the size is not known in advance
            sink.stream = member
            sink._layers = [member, archive]
    except BaseException:
        sink.abort()
        raise
    return sink


def _identity(path: Path) -> tuple[Path, tuple[int, int] | None]:
    """The resolved path, and (st_dev, st_ino) of the file it names once links are followed."""
    try:
        found = os.stat(path)
        inode: tuple[int, int] | None = (found.st_dev, found.st_ino)
    except (OSError, ValueError):  # ValueError: a NUL in the path (the source check names it)
        inode = None
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symbolic link loop
        resolved = Path(os.path.abspath(path))
    return resolved, inode


def _stream_inode(stream: object) -> tuple[int, int] | None:
    """(st_dev, st_ino) of a stream backed by a regular file (standard input redirected from one)."""
    try:
        fileno = stream.fileno()  # type: ignore[attr-defined]
        found = os.fstat(fileno)
    except (AttributeError, OSError, ValueError, TypeError):
        return None
    return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else None


def check_targets(source: object, targets: dict[str, Target | None]) -> None:
    """Refuse an output that is the input, or two outputs on one file or stream.

    ``targets`` maps an option name (``"--csv"``) to its target (``None``: not asked).
    Raises :class:`UsageError` naming the options; nothing has been read or written then.
    """
    if is_path(source):
        source_id: tuple[Path | None, tuple[int, int] | None] = _identity(Path(os.fspath(source)))
    else:
        source_id = (None, _stream_inode(source))
    seen: list[tuple[str, Path | None, tuple[int, int] | None, object]] = []
    for option, target in targets.items():
        if target is None:
            continue
        if is_path(target):
            path = Path(os.fspath(target))
            if path.is_dir():
                raise UsageError(f"{option} names a directory ({path}); give a file name.")
            resolved, inode = _identity(path)
            shown: object = path
            stream: object = None
        else:
            resolved, inode, shown, stream = None, _stream_inode(target), "a stream", target
        same_path = resolved is not None and resolved == source_id[0]
        same_inode = inode is not None and inode == source_id[1]
        if same_path or same_inode:
            raise UsageError(
                f"{option} names the input feed itself ({shown}); writing it would destroy the feed. "
                "Write the output to another file."
            )
        for other, other_path, other_inode, other_stream in seen:
            if (
                (resolved is not None and resolved == other_path)
                or (inode is not None and inode == other_inode)
                or (stream is not None and stream is other_stream)
            ):
                raise UsageError(f"{other} and {option} name the same output ({shown}); give each its own file.")
        seen.append((option, resolved, inode, stream))


__all__ = ["COMPRESSIONS", "Sink", "Target", "check_targets", "compression_of", "is_path", "open_sink"]
