"""Read a target list file as rows, streamed: CSV (comma or semicolon, UTF-8 with or
without BOM, CRLF or LF) and XLSX (the first sheet). Never loads the file whole.

A large CSV file can be read in two parts by two processes: :func:`find_split` picks a
record boundary near the middle, the first reader stops there (``stop_line``) and the
second starts there (``offset``); line numbers stay the file's physical line numbers.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from dialer.errors import ValidationFailed
from dialer.settings import ImportSettings
from dialer.targets.rows import cell_text
from dialer.targets.xlsx import Workbook

ZIP_MAGIC = b"PK\x03\x04"
_BLOCK = 1 << 22
_TEXT_BLOCK = 1 << 20


def detect_format(path: Path, filename: str | None = None) -> str:
    """``"xlsx"`` for a zip (what an XLSX is), ``"csv"`` otherwise."""
    with path.open("rb") as f:
        head = f.read(4)
    if head == ZIP_MAGIC:
        return "xlsx"
    name = (filename or path.name).lower()
    if name.endswith((".xlsx", ".xlsm")):
        raise ValidationFailed(f"{filename or path.name} is named .xlsx but is not an XLSX file")
    return "csv"


@dataclass
class RowSource:
    """A header and an iterator of ``(line number, cells)``; ``progress()`` is 0..1.

    ``state["split"]`` tells, for a CSV read with a ``stop_line``, whether the reading
    stopped there (``"ok"``) or found a record across it and went on (``"crossed"``).
    """

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    format: str
    _progress: Any
    _close: Any
    state: dict[str, Any] = field(default_factory=dict)

    def progress(self) -> float:
        return float(self._progress())

    def close(self) -> None:
        self._close()


class _CountingReader(io.RawIOBase):
    """Counts the bytes handed to the text decoder, for a progress bar."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _line_breaks(data: bytes) -> int:
    """Line breaks in ``data`` as a text reader with ``newline=""`` sees them."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _first_bad_utf8(path: Path, offset: int, line: int) -> tuple[int, str] | None:
    """``(line, reason)`` of the first invalid UTF-8 at or after ``offset`` (on ``line``)."""
    with path.open("rb") as f:
        f.seek(offset)
        carry = b""
        while True:
            block = f.read(_BLOCK)
            data = carry + block
            cut = len(data) if not block else data.rfind(b"\n") + 1
            part, carry = data[:cut], data[cut:]
            try:
                part.decode("utf-8")
            except UnicodeDecodeError as exc:
                before = part[: exc.start]
                start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
                bad = UnicodeDecodeError(
                    exc.encoding, part[start:], exc.start - start, exc.end - start, exc.reason
                )
                return line + _line_breaks(before), str(bad)
            if not block:
                return None
            line += _line_breaks(part)


def _utf8_error(
    exc: UnicodeDecodeError, path: Path, offset: int = 0, line: int = 1
) -> ValidationFailed:
    """The error for a file that is not UTF-8, on the line of its first bad byte."""
    found = _first_bad_utf8(path, offset, line)
    bad_line, reason = found if found is not None else (line, str(exc))
    return ValidationFailed(
        f"the file is not valid UTF-8 at line {bad_line}; save it as CSV UTF-8",
        details=[{"line": bad_line, "field": None, "reason": reason}],
    )


def _records(
    text: Any,
    delimiter: str,
    line: int,
    stop: int | None,
    state: dict[str, Any],
    path: Path,
    offset: int,
) -> Iterator[tuple[int, list[str]]]:
    """``(physical line, cells)`` of each non-blank record after physical line ``line``
    (read from byte ``offset`` of ``path``), up to a record ending on line ``stop``.

    While the text has no quote and no lone CR, a block of lines is split at once and
    each line at its delimiters (what ``csv.reader`` would make of it). From the first
    block that has either on, it goes line by line: a line with no quote is split as
    is, one with a quote goes to ``csv.reader``, which takes as many lines as its
    record spans.
    """
    limit = csv.field_size_limit()
    end = stop if stop is not None else -1
    first_line = line + 1
    try:
        carry = ""  # the start of a line whose end is in the next block
        while True:
            block = original = text.read(_TEXT_BLOCK)
            if not block:
                if carry:
                    line += 1
                    values = carry.split(delimiter)
                    if values[0] or any(values):
                        yield line, values
                    if line == end:
                        state["split"] = "ok"
                return
            if block[-1] == "\r":
                block = original = block + text.read(1)  # never cut a CRLF in two
            if '"' in block:
                break
            if "\r" in block:
                block = block.replace("\r\n", "\n")
                if "\r" in block:
                    break
            lines = block.split("\n")
            lines[0] = carry + lines[0]
            if max(map(len, lines)) > limit:
                break
            carry = lines.pop()
            for text_line in lines:
                line += 1
                values = text_line.split(delimiter)
                if values[0] or any(values):
                    yield line, values
                if line == end:
                    state["split"] = "ok"
                    return
        # The rest of the block's last line, so that the block ends at a line end.
        rest = chain(io.StringIO(carry + original + text.readline(), newline=""), text)
        for text_line in rest:
            line += 1
            if '"' not in text_line and len(text_line) <= limit:
                values = text_line.rstrip("\r\n").split(delimiter)
            else:
                base = line - 1
                records = csv.reader(chain((text_line,), rest), delimiter=delimiter)
                try:
                    values = next(records)
                except csv.Error as exc:
                    bad = base + records.line_num
                    raise ValidationFailed(
                        f"the file is not valid CSV at line {bad}: {exc}",
                        details=[{"line": bad, "field": None, "reason": str(exc)}],
                    ) from exc
                line = base + records.line_num
                if not values:
                    values = [""]
            if values[0] or any(values):
                yield line, values
            if line >= end > 0:
                if line == end:
                    state["split"] = "ok"
                    return
                state["split"] = "crossed"  # not a record boundary: read on to the end
                end = -1
    except UnicodeDecodeError as exc:
        raise _utf8_error(exc, path, offset, first_line if offset else 1) from exc


def open_csv(
    path: Path, *, offset: int = 0, lines_before: int = 0, stop_line: int | None = None
) -> RowSource:
    """Rows of a CSV file; from byte ``offset`` (a record boundary after ``lines_before``
    lines) when given, and up to ``stop_line`` when that ends a record."""
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raw.close()
        raise _utf8_error(exc, path) from exc
    if not first.strip():
        raw.close()
        raise ValidationFailed("the file is empty: its first line should be the header")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    start, line = 0, 1
    if offset:
        raw.seek(offset)
        counter = _CountingReader(raw)
        text = io.TextIOWrapper(
            io.BufferedReader(counter, buffer_size=1 << 20),
            encoding="utf-8",
            errors="strict",
            newline="",
        )
        start, line = offset, lines_before
    state: dict[str, Any] = {}
    return RowSource(
        header=header,
        rows=_records(text, delimiter, line, stop_line, state, path, start),
        format="csv",
        _progress=lambda: (start + counter.count) / size,
        _close=raw.close,
        state=state,
    )


def open_xlsx(
    path: Path, limits: ImportSettings | None = None, stop: threading.Event | None = None
) -> RowSource:
    """Rows of an XLSX file's first sheet, streamed and bounded (``xlsx.py``); its
    lines are the sheet's row numbers, its header the first row with a value."""
    book = Workbook(path, limits or ImportSettings(), stop)
    try:
        it = book.rows()
        header: list[str] | None = None
        for _, values in it:
            header = ["" if v is None else str(v) for v in values]
            break
    except BaseException:
        book.close()
        raise
    if header is None:
        book.close()
        raise ValidationFailed("the workbook's first sheet is empty: it should start with a header")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for line, values in it:
            yield line, ["" if v is None else cell_text(v) for v in values]

    return RowSource(
        header=header,
        rows=rows(),
        format="xlsx",
        _progress=book.progress,
        _close=book.close,
    )


def open_rows(
    path: Path,
    filename: str | None = None,
    limits: ImportSettings | None = None,
    stop: threading.Event | None = None,
) -> RowSource:
    """Open ``path`` as rows of its detected format (an XLSX file within ``limits``,
    stopped once ``stop`` is set)."""
    fmt = detect_format(path, filename)
    return open_xlsx(path, limits, stop) if fmt == "xlsx" else open_csv(path)


def sha256_file(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def find_split(path: Path) -> tuple[int, int] | None:
    """A record boundary near the middle of a CSV file: ``(byte offset, lines before)``.

    Outside a quoted field the number of ``"`` before a position is even (a doubled
    quote keeps it even), so the first line end after the middle with an even count
    is taken. A file whose quotes do not pair up can mislead this; the first reader
    then finds a record across the boundary (``state["split"] == "crossed"``).
    """
    size = path.stat().st_size
    middle = size // 2
    quotes = lines = 0
    with path.open("rb") as f:
        pos, last = 0, b""
        while pos < middle:
            block = f.read(min(_BLOCK, middle - pos))
            if not block:
                return None
            quotes += block.count(b'"')
            lines += _line_breaks(block) - (last == b"\r" and block[:1] == b"\n")
            pos += len(block)
            last = block[-1:]
        limit = size - size // 4
        while pos < limit:
            block = f.read(_BLOCK)
            if not block:
                return None
            i = 0
            while (j := block.find(b"\n", i)) >= 0:
                quotes += block.count(b'"', i, j)
                if quotes % 2 == 0:
                    piece = block[: j + 1]
                    lines += _line_breaks(piece) - (last == b"\r" and piece[:1] == b"\n")
                    offset = pos + j + 1
                    return (offset, lines) if offset < size else None
                i = j + 1
            quotes += block.count(b'"', i)
            lines += _line_breaks(block) - (last == b"\r" and block[:1] == b"\n")
            pos += len(block)
            last = block[-1:]
    return None
