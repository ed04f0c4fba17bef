"""Files in and out: an uploaded file (streamed from the multipart body to a temporary
file) and its import run within a time budget and only while its client waits, the header of a CSV file read as every import reads it (a target list, the DNC
list, payments, voucher codes, redemption reports), and CSV written in chunks as every
export writes it (attempts, vouchers, the CRM, rejected rows)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from dialer.errors import BadRequest, PayloadTooLarge

CHUNK = 1 << 16
# What a multipart body may carry besides its file (boundaries, part headers, the
# mapping field): a body longer than the file's limit and this is refused unread.
FORM_OVERHEAD = 1 << 20
# How often an import looks whether its client is still there.
CLIENT_CHECK_SECONDS = 0.25
log = logging.getLogger(__name__)
T = TypeVar("T")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def header_key(name: str) -> str:
    """``" No. IndiHome "`` → ``"no_indihome"``: headers compare case- and
    space-insensitively; a BOM or odd spacing is ignored."""
    return _NON_WORD.sub("_", name.replace("\ufeff", "").strip().lower()).strip("_")


# A text cell a spreadsheet would read as a formula (OWASP's CSV-injection rule): it
# starts with one of these — unless it is a plain number, such as a phone number in
# E.164 (+62…) or a negative amount, which no spreadsheet runs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*")


def formula_safe(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs: a text that would start a formula is
    written with a leading apostrophe (shown as text); anything else as it is."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


async def csv_chunks(
    header: Sequence[str],
    rows: AsyncIterable[Iterable[Any]],
    *,
    chunk_bytes: int,
    line_end: str = "\n",
) -> AsyncIterator[str]:
    """``header`` and then ``rows`` as CSV text, in chunks of about ``chunk_bytes`` (a
    campaign's million rows never sit in memory at once), every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow([formula_safe(h) for h in header])
    async for row in rows:
        writer.writerow([formula_safe(v) for v in row])
        if buffer.tell() > chunk_bytes:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def read_head(f: TextIO) -> tuple[str, str, list[str]]:
    """The first line of an open CSV file, its delimiter (``;`` when it has more
    semicolons than commas, else ``,``) and that line's cells as header keys."""
    first = f.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [header_key(h) for h in next(csv.reader([first], delimiter=delimiter), [])]
    return first, delimiter, header


@dataclass
class Upload:
    path: Path
    filename: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)

    def json_field(self, name: str) -> dict[str, str] | None:
        raw = self.fields.get(name)
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"form field {name!r} is not valid JSON: {exc}") from exc
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise BadRequest(f'form field {name!r} must be an object like {{"Header": "field"}}')
        return value


@asynccontextmanager
async def receive_upload(request: web.Request, *, max_bytes: int) -> AsyncIterator[Upload]:
    """Spool the ``file`` part of a multipart upload to disk; other parts become fields.

    The body is never held in memory whole; the file is deleted on exit, whatever
    happens. A body over ``max_bytes`` is refused with 413 and nothing is kept.
    """
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("upload the list as multipart/form-data with a part named 'file'")
    declared = request.content_length
    if declared is not None and declared > max_bytes + FORM_OVERHEAD:
        raise _too_large(max_bytes)  # said before a byte of it is read
    fd, name = tempfile.mkstemp(prefix="dialer-upload-")
    path = Path(name)
    try:
        upload: Upload | None = None
        fields: dict[str, str] = {}
        try:
            reader = await request.multipart()
        except ValueError as exc:  # no boundary
            raise BadRequest(f"the upload is not valid multipart/form-data: {exc}") from exc
        while (part := await _next_part(reader)) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file":
                if upload is not None:
                    raise BadRequest("the upload has two parts named 'file'; send one file")
                size = 0
                with os.fdopen(fd, "wb", closefd=False) as out:
                    while chunk := await part.read_chunk(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise _too_large(max_bytes)
                        out.write(chunk)
                upload = Upload(path, part.filename or "upload", size)
            elif part.name:
                try:
                    raw = await part.read(decode=True)
                except (RuntimeError, ValueError) as exc:  # an encoding aiohttp cannot undo
                    raise BadRequest(f"form field {part.name!r} cannot be read: {exc}") from exc
                fields[part.name] = raw.decode("utf-8", "replace")
        if upload is None:
            raise BadRequest("the upload has no part named 'file'")
        upload.fields = fields
        yield upload
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than {max_bytes // (1024 * 1024)} MB; nothing was imported"
    )


async def _next_part(reader: MultipartReader) -> object | None:
    """The next part, or a 400 when the body is not the multipart it claims to be."""
    try:
        return await reader.next()
    except (ValueError, HttpProcessingError) as exc:
        raise BadRequest(f"the upload is not valid multipart/form-data: {exc}") from exc


class Problems:
    """The problems found in a file: all of them counted, the first ``keep`` kept (what
    the caller is shown) — a 200 MB file of bad lines must not become ten million
    dicts in memory."""

    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self.kept: list[dict[str, Any]] = []
        self.count = 0

    def append(self, problem: dict[str, Any]) -> None:
        self.count += 1
        if len(self.kept) < self.keep:
            self.kept.append(problem)

    def extend(self, problems: Iterable[dict[str, Any]]) -> None:
        for problem in problems:
            self.append(problem)

    def __len__(self) -> int:
        return self.count


class ClientGone(asyncio.CancelledError):
    """The client of an import went away and the import was stopped: the handler ends
    as aiohttp ends one whose client disconnected (cancelled, nothing answered)."""


async def run_import(request: web.Request, work: Awaitable[T], *, max_seconds: float) -> T:
    """``work`` (an upload's import), stopped — cancelled, so its transaction rolls back
    and nothing is kept — when it runs past ``max_seconds`` (a 413 that names
    ``DIALER_IMPORTS__MAX_SECONDS``) or when its client goes away (nobody would read
    the answer; a manager who gave up must not leave a node busy for minutes)."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    try:
        while True:
            left = deadline - loop.time()
            if left > 0:
                await asyncio.wait({task}, timeout=min(left, CLIENT_CHECK_SECONDS))
            if task.done():
                return task.result()
            if _client_gone(request):
                log.warning("import stopped: its client went away", extra={"path": request.path})
                await _cancel(task)
                raise ClientGone
            if loop.time() >= deadline:
                log.warning(
                    "import stopped: over its time budget",
                    extra={"path": request.path, "max_seconds": max_seconds},
                )
                await _cancel(task)
                raise PayloadTooLarge(
                    f"the import took longer than {max_seconds:g} seconds"
                    " (DIALER_IMPORTS__MAX_SECONDS) and was stopped; nothing was imported"
                )
    finally:
        if not task.done():  # this handler was cancelled itself
            await _cancel(task)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _cancel(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait until it has undone what it did (its rollback)."""
    task.cancel()
    try:
        await asyncio.shield(asyncio.wait({task}))
    finally:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: it failed while being stopped
