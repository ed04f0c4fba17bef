"""A workbook sheet a manager can hand on, written in openpyxl's write-only mode (rows
go to the file as they come: a report of any length costs memory for a chunk, not
for the whole).

Each sheet has its header row in bold and frozen (it stays in view while scrolling),
its columns as wide as their heading and the values of a bounded *sample* of the rows
(the first chunk: widths must be set before the first row is written, and reading the
rest would hold it all in memory), capped at ``MAX_WIDTH``; and each value in its
kind's number format:

* money as a number in ``"Rp" #,##0``. A format code is stored in Excel's invariant
  form — ``,`` groups thousands, ``.`` is the decimal point — and every spreadsheet
  renders it with the *viewer's* locale separators: an Indonesian Excel or LibreOffice
  shows ``Rp 2.067.000``, an English one ``Rp 2,067,000``. Writing ``#.##0`` instead
  would mean "a decimal point and three decimals" to every spreadsheet, and a text
  ``"Rp 2.067.000"`` could not be summed;
* times as real dates (the caller converts them into the zone its heading names;
  a spreadsheet has no time zones) in ``dd/mm/yyyy hh:mm``, days in ``dd/mm/yyyy``;
* rates as fractions in ``0.0%`` (0.7241 shows 72.4%).

A text that would start a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is stored as
text: nothing in a download runs (the CSV-injection rule, for workbooks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dialer.uploads import FORMULA_STARTS

TEXT: Final = "text"
INTEGER: Final = "integer"
MONEY: Final = "money"
DATE: Final = "date"
DATETIME: Final = "datetime"
PERCENT: Final = "percent"
DECIMAL: Final = "decimal"
FORMATS: Final = {
    INTEGER: "#,##0",
    MONEY: '"Rp" #,##0',
    DATE: "dd/mm/yyyy",
    DATETIME: "dd/mm/yyyy hh:mm",
    PERCENT: "0.0%",
    DECIMAL: "#,##0.0",
}
# What a value of each fixed-width kind shows at most ("31/12/2022 23:59", "100.0%").
SHOWN: Final = {DATE: 10, DATETIME: 16, PERCENT: 6}
MIN_WIDTH: Final = 8
MAX_WIDTH: Final = 60
PADDING: Final = 2  # the filter arrow and a margin: Excel's width counts digits only
SAMPLE_ROWS: Final = 2000
BOLD: Final = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its heading (in the reader's language) and its kind."""

    heading: str
    kind: str = TEXT


def shown_length(value: Any, kind: str) -> int:
    """How many characters ``value`` shows as in a cell of ``kind``."""
    if value is None:
        return 0
    if isinstance(value, datetime | date) or kind in SHOWN:
        return SHOWN.get(kind, SHOWN[DATETIME])
    if isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        text = f"{value:,.1f}" if kind == DECIMAL else f"{round(value):,}"
        return len(text) + (3 if kind == MONEY else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def fitted_width(column: Column, sample: Iterable[Any]) -> float:
    """The width that shows ``column``'s heading and every sampled value whole (no
    ``#####``), within ``MIN_WIDTH`` and ``MAX_WIDTH``."""
    widest = max((shown_length(v, column.kind) for v in sample), default=0)
    return float(min(max(len(column.heading), widest, MIN_WIDTH - PADDING) + PADDING, MAX_WIDTH))


class Sheet:
    """A write-only sheet: the bold, frozen header row first, then the rows, each
    value in its column's format (or its own, for a sheet of label/value rows)."""

    def __init__(
        self,
        book: Workbook,
        title: str,
        columns: Sequence[Column],
        sample: Iterable[Sequence[Any]] = (),
    ) -> None:
        self.sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet's name
        self.columns = list(columns)
        # Both must be set before the first row: a write-only sheet writes its
        # properties and columns ahead of the rows.
        self.sheet.freeze_panes = "A2"
        rows = [list(r) for _, r in zip(range(SAMPLE_ROWS), sample, strict=False)]
        for i, column in enumerate(self.columns):
            values = (r[i] for r in rows if i < len(r))
            width = fitted_width(column, values)
            self.sheet.column_dimensions[get_column_letter(i + 1)].width = width
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self.sheet, value=column.heading)
            cell.data_type = "s"
            cell.font = BOLD
            header.append(cell)
        self.sheet.append(header)

    def append(self, values: Sequence[Any], kinds: Sequence[str] = ()) -> None:
        """A row; ``kinds`` overrides the columns' kinds cell by cell."""
        own = list(kinds) + [c.kind for c in self.columns[len(kinds) :]]
        self.sheet.append(
            [self._cell(v, own[i] if i < len(own) else TEXT) for i, v in enumerate(values)]
        )

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.append(row)

    def _cell(self, value: Any, kind: str) -> Any:
        if isinstance(value, str):
            if not value.startswith(FORMULA_STARTS):
                return value
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"  # text, though it starts like a formula: nothing runs
            return cell
        if value is None or isinstance(value, bool) or kind not in FORMATS:
            return value
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.number_format = FORMATS[kind]
        return cell
