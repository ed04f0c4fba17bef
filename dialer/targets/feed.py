"""Validated chunks of a target list, produced beside the event loop.

Parsing and validating is the CPU-heavy half of an import. A small file is handled in a
worker thread; a large one in worker *processes*, so that Python's half and
PostgreSQL's half run on different cores instead of sharing one GIL. A large CSV file
is cut at a record boundary near its middle (``reader.find_split``) and its two halves
are read by two processes at once: the first sends its chunks down a pipe, the second
runs ahead into a spill file that is read once the first half is done, so chunks still
arrive in line order and the importing process holds one chunk at a time. Every
transport runs the same generator, :func:`chunks`.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import pickle
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection as PipeEnd
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, BinaryIO

from dialer.errors import DialerError, PayloadTooLarge, ValidationFailed
from dialer.settings import ImportSettings
from dialer.targets.columns import map_header
from dialer.targets.reader import RowSource, find_split, open_csv, open_rows
from dialer.targets.rows import RowValidator, Staged

Rejection = tuple[int, list[dict[str, str]], list[str]]
# A CSV file at least this big is read by two processes; a smaller one is not worth
# the second process's start-up.
SPLIT_MIN_BYTES = 16 * 1024 * 1024
PIPE_BYTES = 1 << 20
_EXITED = ("error", "RuntimeError", "the import worker exited unexpectedly", None)
# The errors a worker process reports that the importing process raises again as such
# (the caller's 422 or 413); any other is the worker's failure.
_REPORTED: dict[str, type[DialerError]] = {
    kind.__name__: kind for kind in (ValidationFailed, PayloadTooLarge)
}


@dataclass
class Chunk:
    staged: list[Staged]
    rejections: list[Rejection]
    rows: int
    out_of_tier: int
    progress: float


def chunks(
    source: RowSource, validator: RowValidator, tiers: frozenset[str], size: int
) -> Iterator[Chunk]:
    """Validate the rows of ``source`` in chunks of ``size`` rows."""
    staged: list[Staged] = []
    rejections: list[Rejection] = []
    rows = out_of_tier = 0
    validate = validator.validate
    width = validator.header.width
    keep = staged.append
    for line, values in source.rows:
        rows += 1
        cells = len(values)
        raw = values[:] if cells > width else None  # validate trims the extra cells
        row, reasons = validate(line, values)
        if row is None:
            raw = values[:cells] if raw is None else raw
            rejections.append((line, [{"field": f, "reason": r} for f, r in reasons], raw))
        elif row[6] in tiers:
            keep(row)
        else:
            out_of_tier += 1
        if rows == size:
            yield Chunk(staged, rejections, rows, out_of_tier, source.progress())
            staged, rejections, rows, out_of_tier = [], [], 0, 0
            keep = staged.append
    # The first half of a split file ends at its boundary, not at the end of the file.
    done = source.progress() if source.state.get("split") == "ok" else 1.0
    yield Chunk(staged, rejections, rows, out_of_tier, done)


class Feed:
    """Async access to the chunks of one file; ``await feed.next()`` → Chunk or None."""

    def __init__(
        self,
        path: Path,
        filename: str,
        mapping: Mapping[str, str] | None,
        tiers: frozenset[str],
        size: int,
        *,
        use_process: bool,
        limits: ImportSettings | None = None,
    ) -> None:
        self.path, self.filename, self.mapping = path, filename, dict(mapping or {})
        self.tiers, self.size, self.use_process = tiers, size, use_process
        self.limits = limits or ImportSettings()
        # Set when the feed is closed: a reader still running in a thread (the import
        # was cancelled under it) stops at its next block instead of reading on.
        self._stop = threading.Event()
        self.format = ""
        self.ignored: tuple[str, ...] = ()
        self.header: list[str] = []
        self.columns: dict[str, str] = {}
        self._iter: Iterator[Chunk] | None = None
        self._source: RowSource | None = None
        self._first: Any = None  # the worker process of the whole file or its first half
        self._second: Any = None  # the worker process of the second half
        self._pipe: PipeEnd | None = None
        self._spill: _Spill | None = None
        self._in_second = False
        self._finished = False
        self._completed = False  # every worker said "done": they are exiting by themselves
        self._ahead: asyncio.Future[Chunk | None] | None = None

    async def start(self) -> None:
        """Open the file and check its header; raises ValidationFailed before any row."""
        try:
            source = await asyncio.to_thread(
                open_rows, self.path, self.filename, self.limits, self._stop
            )
        except BaseException:
            self._stop.set()
            raise
        self.format = source.format
        try:
            header = map_header(source.header, self.mapping)
        except DialerError:
            source.close()
            raise
        self.ignored = header.ignored
        self.header = list(source.header)
        # The file's own header of each field, for the rejected rows' reports.
        self.columns = {
            field: str(source.header[position]).strip() for field, position in header.index.items()
        }
        if not self.use_process:
            self._source = source
            self._iter = chunks(source, RowValidator(header), self.tiers, self.size)
            return
        source.close()
        try:
            split = None
            if self.format == "csv" and self.path.stat().st_size >= SPLIT_MIN_BYTES:
                split = await asyncio.to_thread(find_split, self.path)
            self._spawn(split)
        except BaseException:
            self.close()
            raise

    def _spawn(self, split: tuple[int, int] | None) -> None:
        ctx = multiprocessing.get_context("spawn")
        common = (
            str(self.path),
            self.filename,
            self.mapping,
            self.tiers,
            self.size,
            self.limits,
        )
        if split is not None and split[1] < 2:
            split = None  # the boundary would be the header's end: nothing to share
        receiver, sender = ctx.Pipe(duplex=False)
        self._pipe = receiver
        _widen(receiver)
        stop_line = split[1] if split is not None else None
        self._first = ctx.Process(
            target=_first_worker, args=(*common, stop_line, sender), daemon=True
        )
        self._first.start()
        sender.close()
        if split is not None:
            offset, lines = split
            fd, spill_path = tempfile.mkstemp(prefix="dialer-import-", suffix=".chunks")
            os.close(fd)
            self._spill = _Spill(Path(spill_path))
            self._second = self._spill.proc = ctx.Process(
                target=_second_worker,
                args=(*common, offset, lines, spill_path),
                daemon=True,
            )
            self._second.start()

    async def next(self) -> Chunk | None:
        if self._iter is not None:
            return await asyncio.to_thread(next, self._iter, None)
        # The next chunk is received while the caller stores this one.
        ahead = self._ahead if self._ahead is not None else asyncio.ensure_future(self._fetch())
        self._ahead = None
        chunk = await ahead
        if chunk is not None:
            self._ahead = asyncio.ensure_future(self._fetch())
        return chunk

    async def _fetch(self) -> Chunk | None:
        while not self._finished:
            if self._in_second:
                assert self._spill is not None
                message = await asyncio.to_thread(self._spill.receive)
            else:
                assert self._pipe is not None
                message = await asyncio.to_thread(_receive, self._pipe)
            kind = message[0]
            if kind == "chunk":
                chunk: Chunk = message[1]
                return chunk
            if kind == "alone":  # the first worker reads the whole file after all
                self._stop_second()
            elif kind == "done":
                if self._in_second or not message[1]:
                    self._finished = self._completed = True
                    self._stop_second(EXIT_GRACE_SECONDS)
                else:
                    self._in_second = True
            else:
                self._finished = True
                _, cls_name, text, details = message
                kind = _REPORTED.get(cls_name)
                raise (
                    kind(text, details=details)
                    if kind is not None
                    else RuntimeError(f"import worker failed: {text}")
                )
        return None

    def _stop_second(self, grace: float = 0.0) -> None:
        if self._second is not None:
            _stop(self._second, grace)
        if self._spill is not None:
            self._spill.close()

    def close(self) -> None:
        """Stop the workers and remove what they left; safe to call more than once."""
        self._finished = True
        self._stop.set()
        if self._ahead is not None:
            if not self._ahead.done():
                self._ahead.cancel()
            elif not self._ahead.cancelled():
                self._ahead.exception()  # retrieved: nobody is waiting for it any more
            self._ahead = None
        if self._source is not None:
            self._source.close()
        grace = EXIT_GRACE_SECONDS if self._completed else 0.0
        for proc in (self._first, self._second):
            if proc is not None:
                _stop(proc, grace)
        if self._pipe is not None:
            self._pipe.close()
        if self._spill is not None:
            self._spill.close()


# A worker that has said its last word ("done") is let exit by itself for up to this
# long before it is stopped: stopped while exiting, it may leave its files half written
# (found with coverage's data, lost now and then when the second worker was terminated
# at its "done"). A worker stopped mid-work (the client gone) gets no grace.
EXIT_GRACE_SECONDS = 2.0


def _stop(proc: Any, grace: float = 0.0) -> None:
    if grace:
        proc.join(timeout=grace)
    if proc.is_alive():
        proc.terminate()
    proc.join(timeout=5)
    if proc.is_alive():
        proc.kill()
        proc.join(timeout=5)


def _receive(pipe: PipeEnd) -> tuple[Any, ...]:
    try:
        data = pipe.recv_bytes()
    except (EOFError, OSError):
        return _EXITED
    message: tuple[Any, ...] = pickle.loads(data)
    return message


class _Spill:
    """The second worker's messages, read from its file as it writes them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.proc: Any = None  # the process writing it
        self.file: BinaryIO | None = path.open("rb")
        self.closed = False

    def receive(self) -> tuple[Any, ...]:
        try:
            size = int.from_bytes(self._read(8), "little")
            message: tuple[Any, ...] = pickle.loads(self._read(size))
            return message
        except (EOFError, OSError, ValueError):
            return _EXITED

    def _read(self, size: int) -> bytes:
        parts: list[bytes] = []
        missing = size
        exited = False
        while missing:
            if self.closed or self.file is None:
                raise EOFError
            data = self.file.read(missing)
            if data:
                parts.append(data)
                missing -= len(data)
            elif exited:
                raise EOFError
            else:
                # Nothing written yet: wait a little, or until the worker has exited
                # (then whatever it wrote is there to be read).
                exited = bool(wait([self.proc.sentinel], timeout=0.005))
        return b"".join(parts)

    def close(self) -> None:
        self.closed = True
        if self.file is not None:
            self.file.close()
            self.file = None
        self.path.unlink(missing_ok=True)


def _widen(pipe: PipeEnd) -> None:
    """Let the first worker run a few chunks ahead of the importing process."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # the system's default size: slower, not wrong


def _worker_setup() -> None:
    # Rows make no reference cycles; collecting while a chunk is built only costs time.
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def _error(exc: Exception) -> tuple[Any, ...]:
    if isinstance(exc, DialerError):
        return ("error", type(exc).__name__, exc.message, exc.details)
    return ("error", type(exc).__name__, str(exc), None)


def _first_worker(
    path: str,
    filename: str,
    mapping: dict[str, str],
    tiers: frozenset[str],
    size: int,
    limits: ImportSettings,
    stop_line: int | None,
    pipe: PipeEnd,
) -> None:
    """The worker process of a whole file, or of the first half up to ``stop_line``."""
    _worker_setup()

    def send(message: tuple[Any, ...]) -> None:
        pipe.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    try:
        if stop_line is None:
            source = open_rows(Path(path), filename, limits)
        else:
            source = open_csv(Path(path), stop_line=stop_line)
        try:
            validator = RowValidator(map_header(source.header, mapping))
            alone = False
            for chunk in chunks(source, validator, tiers, size):
                send(("chunk", chunk))
                if not alone and source.state.get("split") == "crossed":
                    alone = True
                    send(("alone",))
            split_ok = source.state.get("split") == "ok"
        finally:
            source.close()
        send(("done", split_ok))
    except Exception as exc:  # reported to the importing process, which fails the import
        send(_error(exc))
    finally:
        pipe.close()


def _second_worker(
    path: str,
    filename: str,
    mapping: dict[str, str],
    tiers: frozenset[str],
    size: int,
    limits: ImportSettings,
    offset: int,
    lines_before: int,
    spill_path: str,
) -> None:
    """The worker process of the second half of a CSV file, from byte ``offset``."""
    _worker_setup()
    with open(spill_path, "wb") as out:

        def send(message: tuple[Any, ...]) -> None:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(len(data).to_bytes(8, "little"))
            out.write(data)
            out.flush()  # the importing process may be waiting for it

        try:
            source = open_csv(Path(path), offset=offset, lines_before=lines_before)
            try:
                validator = RowValidator(map_header(source.header, mapping))
                for chunk in chunks(source, validator, tiers, size):
                    send(("chunk", chunk))
            finally:
                source.close()
            send(("done", True))
        except Exception as exc:  # reported once the first half is through
            send(_error(exc))
