"""Read a target list file as rows, streamed: CSV (comma or semicolon, UTF-8 with or
without BOM, CRLF or LF) and XLSX (the first sheet). Never loads the file whole."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dialer.errors import ValidationFailed
from dialer.targets.rows import cell_text

ZIP_MAGIC = b"PK\x03\x04"


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
    """A header and an iterator of ``(line number, cells)``; ``progress()`` is 0..1."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    format: str
    _progress: Any
    _close: Any

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


def _utf8_error(exc: UnicodeDecodeError, reader: Any) -> ValidationFailed:
    line = getattr(reader, "line_num", 0) + 1
    return ValidationFailed(
        f"the file is not valid UTF-8 near line {line}; save it as CSV UTF-8",
        details=[{"line": line, "field": None, "reason": str(exc)}],
    )


def open_csv(path: Path) -> RowSource:
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raw.close()
        raise _utf8_error(exc, None) from exc
    if not first.strip():
        raw.close()
        raise ValidationFailed("the file is empty: its first line should be the header")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for values in reader:
                if values and any(values):
                    yield reader.line_num + 1, values
        except UnicodeDecodeError as exc:
            raise _utf8_error(exc, reader) from exc
        except csv.Error as exc:
            line = reader.line_num + 1
            raise ValidationFailed(
                f"the file is not valid CSV at line {line}: {exc}",
                details=[{"line": line, "field": None, "reason": str(exc)}],
            ) from exc

    return RowSource(
        header=header,
        rows=rows(),
        format="csv",
        _progress=lambda: counter.count / size,
        _close=raw.close,
    )


def open_xlsx(path: Path) -> RowSource:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(f"the file is not a readable XLSX workbook: {exc}") from exc
    sheet = book.worksheets[0]
    total = max(sheet.max_row or 1, 1)
    it = sheet.iter_rows(values_only=True)
    state = {"line": 0}
    header: list[str] | None = None
    for values in it:
        state["line"] += 1
        if values and any(v not in (None, "") for v in values):
            header = ["" if v is None else str(v) for v in values]
            break
    if header is None:
        book.close()
        raise ValidationFailed("the workbook's first sheet is empty: it should start with a header")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for values in it:
                state["line"] += 1
                if values and any(v not in (None, "") for v in values):
                    yield state["line"], ["" if v is None else cell_text(v) for v in values]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationFailed(
                f"the workbook is damaged near row {state['line']}: {exc}"
            ) from exc

    return RowSource(
        header=header,
        rows=rows(),
        format="xlsx",
        _progress=lambda: state["line"] / total,
        _close=book.close,
    )


def open_rows(path: Path, filename: str | None = None) -> RowSource:
    """Open ``path`` as rows of its detected format."""
    fmt = detect_format(path, filename)
    return open_xlsx(path) if fmt == "xlsx" else open_csv(path)


def sha256_file(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
