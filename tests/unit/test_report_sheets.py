"""A report sheet stays write-only (rows stream to the file): its widths come from a
bounded sample — a long report's rows past the sample are never read for them — and
are capped; every heading and code has words in both languages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

import openpyxl
from openpyxl import Workbook

from dialer.reports import labels
from dialer.reports.downloads import CUSTOMER_HEADER, FLAGGED_HEADER
from dialer.reports.vouchers import STEPS
from dialer.reports.workbook import DATETIME, MAX_WIDTH, MONEY, SAMPLE_ROWS, Column, Sheet
from dialer.rules.vocabulary import CALL_RESULTS, OUTCOMES


def test_widths_come_from_a_bounded_sample_and_are_capped() -> None:
    read = 0

    def rows() -> Iterator[list[object]]:
        nonlocal read
        for i in range(SAMPLE_ROWS * 10):
            read += 1
            yield ["x" * (5 if i < SAMPLE_ROWS else 500), 2_067_000, datetime(2022, 9, 5)]

    book = Workbook(write_only=True)
    columns = [Column("Nama"), Column("Jumlah bayar", MONEY), Column("Waktu (WIB)", DATETIME)]
    sheet = Sheet(book, "a sheet name longer than Excel's thirty-one", columns, rows())
    assert read == SAMPLE_ROWS  # the rest is never read for the widths
    sheet.append(["y" * 500, 1, None])
    out = io.BytesIO()
    book.save(out)
    written = openpyxl.load_workbook(out).worksheets[0]
    assert written.title == "a sheet name longer than Excel'"
    widths = [written.column_dimensions[c].width for c in "ABC"]
    # "Jumlah bayar" and "Rp 2.067.000" (12), "05/09/2022 00:00" (16): whole, plus margin.
    assert widths == [8, 14, 18]
    book = Workbook(write_only=True)
    long = Sheet(book, "s", [Column("Catatan")], [["z" * 500]])
    assert long.sheet.column_dimensions["A"].width == MAX_WIDTH
    book.save(io.BytesIO())


def test_every_heading_and_code_has_words_in_both_languages() -> None:
    keys = {*CUSTOMER_HEADER, *FLAGGED_HEADER, *STEPS, "day"}
    for language in ("id", "en"):
        for key in keys:
            words = labels.heading(key, language)
            assert words != key and "_" not in words, (language, key)
        for term in (*OUTCOMES, *CALL_RESULTS):
            assert labels.value(term.code, language) == term.label(language)
    assert labels.heading("issued_at", "id", "WIT") == "Waktu terbit (WIT)"
    assert labels.heading("issued", "en", "WIT") == "Vouchers issued"  # not a time
    assert labels.value("Siti", "id") == "Siti" and labels.value(None, "en") is None
