"""An XLSX workbook's first sheet read as rows, streamed, with bounds on what it costs.

An XLSX file is a zip of XML parts, and a small file can unpack to a great deal: a
126 KB file held 3 million shared strings (72 CPU-seconds and +280 MB through
openpyxl), and a 2 KB one whose ``dimension`` claimed 20,000 rows of 16,384 columns
kept openpyxl padding empty rows for 43 s. So the parts are read here with expat, block
by block, and nothing the file *claims* is trusted:

* every part read counts its unpacked bytes against ``xlsx_max_unpacked_bytes`` (and
  a part that declares more is refused before it is read);
* the shared strings (the workbook's texts) are counted as they are read, refused past
  ``xlsx_max_shared_strings`` — at once when the part declares more;
* the sheet's rows are the ``<row>`` elements there are, never the ``dimension``:
  empty rows cost nothing, a row past ``xlsx_max_rows`` is refused, and a value beyond
  column ``xlsx_max_columns`` is refused (a row is as wide as its last value);
* a document type declaration (entities, the "billion laughs") is refused: no part of
  a workbook has one;
* a reader running in a thread stops at its next block once ``stop`` is set (the
  import was cancelled: its client went away or its time ran out).

Cell values are what openpyxl's ``data_only`` reading gives: numbers as int or float,
numbers in a date format as datetime (1900 or 1904 epoch), booleans, texts (shared,
inline or a formula's cached result).
"""

from __future__ import annotations

import posixpath
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from dialer.errors import PayloadTooLarge, ValidationFailed
from dialer.settings import ImportSettings

BLOCK = 1 << 16
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    OverflowError,
)


class Stopped(Exception):
    """The reading was stopped from outside (``stop`` set): nobody waits for its rows."""


class _Budget:
    """The unpacked bytes every part read so far may still take."""

    def __init__(self, limit: int, stop: threading.Event | None) -> None:
        self.limit, self.left, self.stop = limit, limit, stop

    def open(self, book: zipfile.ZipFile, name: str) -> IO[bytes]:
        info = book.getinfo(name)
        if info.file_size > self.left:
            raise self.exceeded()
        return book.open(info)

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise self.exceeded()
        if self.stop is not None and self.stop.is_set():
            raise Stopped

    def exceeded(self) -> PayloadTooLarge:
        limit = self.limit
        return PayloadTooLarge(
            f"the workbook unpacks to more than {limit} bytes"
            " (DIALER_IMPORTS__XLSX_MAX_UNPACKED_BYTES); nothing was imported"
        )


def _parser(
    start: Callable[[str, dict[str, str]], None] | None = None,
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> Any:
    """An expat parser reporting local names (``row``, not ``{namespace}row``) that
    refuses a document type declaration."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = BLOCK

    def doctype(*_: Any) -> None:
        raise ValidationFailed(
            "the workbook's XML declares a document type, which no workbook does; nothing"
            " was imported"
        )

    parser.StartDoctypeDeclHandler = doctype
    local: dict[str, str] = {}  # "{namespace}row" → "row", learnt once per name

    def learn(name: str) -> str:
        local[name] = found = name[name.rfind("}") + 1 :]
        return found

    if start is not None:
        parser.StartElementHandler = lambda name, attrs: start(
            local.get(name) or learn(name), attrs
        )
    if end is not None:
        parser.EndElementHandler = lambda name: end(local.get(name) or learn(name))
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: Any, source: IO[bytes], budget: _Budget) -> Iterator[None]:
    """Parse ``source`` a block at a time; yields after each block."""
    while block := source.read(BLOCK):
        budget.take(len(block))
        parser.Parse(block, False)
        yield
    parser.Parse(b"", True)


def _elements(
    book: zipfile.ZipFile, name: str, budget: _Budget
) -> list[tuple[str, dict[str, str]]]:
    """Every element of a small part (relationships, the workbook, styles): ``(local
    name, attributes)`` in document order."""
    found: list[tuple[str, dict[str, str]]] = []
    with budget.open(book, name) as source:
        for _ in _feed(
            _parser(start=lambda tag, attrs: found.append((tag, _plain(attrs)))), source, budget
        ):
            pass
    return found


def _plain(attrs: dict[str, str]) -> dict[str, str]:
    """Attributes by their local names (``r:id`` → ``id``)."""
    return {key[key.rfind("}") + 1 :]: value for key, value in attrs.items()}


def _relationships(book: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """``{id: (type, part name)}`` of ``part``'s relationships (none when it has none)."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in book.NameToInfo:
        return {}
    found = {}
    for tag, attrs in _elements(book, rels, budget):
        if tag == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            name = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(name))
    return found


class Workbook:
    """The parts of an XLSX file the first sheet's values need, and its rows."""

    def __init__(
        self, path: Path, limits: ImportSettings, stop: threading.Event | None = None
    ) -> None:
        self.limits = limits
        self.line = 0  # the sheet row last read: where damage is reported
        self.read = 0  # the sheet's unpacked bytes read, for progress
        self.size = 1
        self._budget = _Budget(limits.xlsx_max_unpacked_bytes, stop)
        self._file = path.open("rb")
        try:
            self._book = zipfile.ZipFile(self._file)
            self._open_parts()
        except (ValidationFailed, PayloadTooLarge, Stopped):
            self.close()
            raise
        except (*_READ_ERRORS, expat.ExpatError) as exc:
            self.close()
            raise ValidationFailed(f"the file is not a readable XLSX workbook: {exc}") from exc

    def _open_parts(self) -> None:
        book, budget = self._book, self._budget
        office = [
            name
            for kind, name in _relationships(book, "", budget).values()
            if kind.endswith("/officeDocument")
        ]
        workbook = office[0] if office else "xl/workbook.xml"
        sheets: list[str] = []
        self.epoch = CALENDAR_WINDOWS_1900
        for tag, attrs in _elements(book, workbook, budget):
            if tag == "sheet":
                sheets.append(attrs.get("id", ""))
            elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
        parts = _relationships(book, workbook, budget)
        # The first worksheet (a chart sheet before it has no rows), as openpyxl's.
        worksheets = [
            parts[ref][1] for ref in sheets if parts.get(ref, ("", ""))[0].endswith("/worksheet")
        ]
        if not worksheets:
            raise ValidationFailed("the file is not a readable XLSX workbook: it has no sheet")
        self.sheet = worksheets[0]
        self.size = max(book.getinfo(self.sheet).file_size, 1)
        by_kind = {kind.rsplit("/", 1)[-1]: name for kind, name in parts.values()}
        self.dates: dict[int, bool] = {}  # style index → timedelta format?
        if "styles" in by_kind and by_kind["styles"] in book.NameToInfo:
            self._read_styles(by_kind["styles"])
        self.strings: list[str] = []
        if "sharedStrings" in by_kind and by_kind["sharedStrings"] in book.NameToInfo:
            self._read_strings(by_kind["sharedStrings"])

    def _read_styles(self, name: str) -> None:
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        in_xfs = False
        index = 0
        for tag, attrs in _elements(self._book, name, self._budget):
            if tag == "numFmt":
                formats[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                in_xfs = True
            elif tag == "xf" and in_xfs:
                fmt = formats.get(_int(attrs.get("numFmtId")), "")
                if fmt and is_date_format(fmt):
                    self.dates[index] = is_timedelta_format(fmt)
                index += 1
            elif tag in ("cellStyleXfs", "cellStyles", "dxfs"):
                in_xfs = False

    def _read_strings(self, name: str) -> None:
        limit = self.limits.xlsx_max_shared_strings
        strings = self.strings
        parts: list[str] = []
        state = {"t": False, "rph": 0}

        def too_many() -> PayloadTooLarge:
            return PayloadTooLarge(
                f"the workbook holds more than {limit} distinct texts"
                " (DIALER_IMPORTS__XLSX_MAX_SHARED_STRINGS); nothing was imported"
            )

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "t":
                state["t"] = not state["rph"]
            elif tag == "si":
                parts.clear()
            elif tag == "rPh":
                state["rph"] += 1
            elif tag == "sst" and _int(attrs.get("uniqueCount")) > limit:
                raise too_many()  # as it says of itself: refused before it is read

        def end(tag: str) -> None:
            if tag == "si":
                if len(strings) >= limit:
                    raise too_many()
                strings.append("".join(parts))
            elif tag == "t":
                state["t"] = False
            elif tag == "rPh":
                state["rph"] -= 1

        def text(data: str) -> None:
            if state["t"]:
                parts.append(data)

        if _count_texts(self._budget.open(self._book, name), self._budget.stop) > limit:
            raise too_many()  # counted at the speed of bytes.count, before any is parsed
        with self._budget.open(self._book, name) as source:
            for _ in _feed(_parser(start, end, text), source, self._budget):
                pass

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(sheet row number, values)`` of each row that has a value, in sheet order;
        a row's values run to its last value (missing cells are None)."""
        limits, strings, dates, epoch = self.limits, self.strings, self.dates, self.epoch
        max_rows, max_columns = limits.xlsx_max_rows, limits.xlsx_max_columns
        done: list[tuple[int, list[Any]]] = []
        cells: dict[int, Any] = {}
        cell: dict[str, Any] = {"col": 0, "type": "n", "style": -1, "text": None, "ref": ""}
        collect: list[str] = []
        state = {"v": False, "t": False, "rph": 0, "is": False, "count": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "c":
                ref = attrs.get("r")
                cell["col"] = _column(ref) if ref else cell["col"] + 1
                cell["ref"] = ref or ""
                cell["type"] = attrs.get("t", "n")
                cell["style"] = _int(attrs.get("s"), -1)
                cell["text"] = None
            elif tag == "v":
                state["v"] = True
                collect.clear()
            elif tag == "is":
                state["is"] = True
                collect.clear()
            elif tag == "t":
                state["t"] = state["is"] and not state["rph"]
            elif tag == "rPh":
                state["rph"] += 1
            elif tag == "row":
                ref = attrs.get("r")
                self.line = _int(ref, -1) if ref else self.line + 1
                state["count"] += 1
                if self.line < 1:
                    raise ValueError(f"row number {ref!r} is not a number")
                if self.line > max_rows or state["count"] > max_rows:
                    raise PayloadTooLarge(
                        f"the sheet has more than {max_rows} rows"
                        " (DIALER_IMPORTS__XLSX_MAX_ROWS); nothing was imported"
                    )
                cells.clear()
                cell["col"] = 0

        def end(tag: str) -> None:
            if tag == "c":
                value = _value(cell["type"], cell["text"], cell["style"], strings, dates, epoch)
                if value is not None and value != "":
                    column = cell["col"]
                    if column > max_columns:
                        ref = cell["ref"] or f"column {column}"
                        raise PayloadTooLarge(
                            f"the sheet has a value in {ref}, beyond its first {max_columns}"
                            " columns (DIALER_IMPORTS__XLSX_MAX_COLUMNS); nothing was imported"
                        )
                    cells[column] = value
            elif tag == "v":
                state["v"] = False
                cell["text"] = "".join(collect)
            elif tag == "is":
                state["is"] = False
                cell["text"] = "".join(collect)
            elif tag == "t":
                state["t"] = False
            elif tag == "rPh":
                state["rph"] -= 1
            elif tag == "row" and cells:
                values: list[Any] = [None] * max(cells)
                for column, value in cells.items():
                    values[column - 1] = value
                done.append((self.line, values))

        def text(data: str) -> None:
            if state["v"] or state["t"]:
                collect.append(data)

        try:
            with self._budget.open(self._book, self.sheet) as source:
                before = self._budget.left
                for _ in _feed(_parser(start, end, text), source, self._budget):
                    self.read = before - self._budget.left
                    if done:
                        yield from done
                        done.clear()
            yield from done
        except (ValidationFailed, PayloadTooLarge, Stopped):
            raise
        except (*_READ_ERRORS, expat.ExpatError) as exc:
            raise ValidationFailed(f"the workbook is damaged near row {self.line}: {exc}") from exc

    def progress(self) -> float:
        return min(self.read / self.size, 1.0)

    def close(self) -> None:
        self._file.close()


def _count_texts(source: IO[bytes], stop: threading.Event | None) -> int:
    """How many ``<si>`` elements (texts) the shared strings part has at most: its
    element tags counted in the bytes, so that 3 million texts packed in 126 KB are
    refused in a fraction of a second (a tag inside a comment counts too: never less)."""
    count = 0
    tail = b""
    with source:
        while block := source.read(BLOCK * 16):
            data = tail + block
            count += sum(data.count(tag) for tag in _TEXT_TAGS)
            # A tag cut by the block is whole in the next; these 3 bytes hold none.
            tail = data[-3:]
            if stop is not None and stop.is_set():
                raise Stopped
    return count


_TEXT_TAGS = (b"<si>", b"<si ", b"<si/", b":si>", b":si ", b":si/")


def _int(text: str | None, default: int = 0) -> int:
    if text is None or not text.isascii() or not text.strip().isdigit():
        return default
    return int(text)


def _column(ref: str) -> int:
    """``"AB12"`` → 28."""
    column = 0
    for char in ref:
        if "A" <= char <= "Z":
            column = column * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            column = column * 26 + ord(char) - 96
        else:
            break
        if column > 1 << 20:
            break
    if column == 0:
        raise ValueError(f"cell reference {ref!r} names no column")
    return column


def _value(
    kind: str,
    text: str | None,
    style: int,
    strings: list[str],
    dates: dict[int, bool],
    epoch: Any,
) -> Any:
    """A cell's value as openpyxl's ``data_only`` reading gives it."""
    if text is None:
        return None
    if kind == "s":
        index = _int(text, -1)
        if not 0 <= index < len(strings):
            count = len(strings)
            raise ValueError(f"a cell refers to text number {index}, of {count}")
        return strings[index]
    if kind in ("str", "inlineStr", "e"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    number: int | float
    stripped = text.strip()
    if not stripped:
        return None
    if not stripped.isascii():
        raise ValueError(f"{stripped!r} is not a number")
    number = float(stripped) if any(c in stripped for c in ".eEnN") else int(stripped)
    if style in dates:
        return from_excel(number, epoch, timedelta=dates[style])
    return number
