"""Validated chunks of a target list, produced beside the event loop.

Parsing and validating is the CPU-heavy half of an import. A small file is handled in a
worker thread; a large one in a worker *process*, so that on a 2-core machine Python's
half and PostgreSQL's half run on different cores instead of sharing one GIL. Both
transports run the same generator, :func:`chunks`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection as PipeEnd
from pathlib import Path
from typing import Any

from dialer.errors import DialerError, ValidationFailed
from dialer.targets.columns import map_header
from dialer.targets.reader import RowSource, open_rows
from dialer.targets.rows import RowValidator, Staged

Rejection = tuple[int, list[dict[str, str]], list[str]]


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
    for line, values in source.rows:
        rows += 1
        raw = list(values)
        row, reasons = validate(line, values)
        if row is None:
            rejections.append((line, [{"field": f, "reason": r} for f, r in reasons], raw))
        elif row[6] not in tiers:
            out_of_tier += 1
        else:
            staged.append(row)
        if rows == size:
            yield Chunk(staged, rejections, rows, out_of_tier, source.progress())
            staged, rejections, rows, out_of_tier = [], [], 0, 0
    yield Chunk(staged, rejections, rows, out_of_tier, 1.0)


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
    ) -> None:
        self.path, self.filename, self.mapping = path, filename, dict(mapping or {})
        self.tiers, self.size, self.use_process = tiers, size, use_process
        self.format = ""
        self.ignored: tuple[str, ...] = ()
        self.header: list[str] = []
        self._iter: Iterator[Chunk] | None = None
        self._source: RowSource | None = None
        self._proc: Any = None
        self._pipe: PipeEnd | None = None

    async def start(self) -> None:
        """Open the file and check its header; raises ValidationFailed before any row."""
        source = await asyncio.to_thread(open_rows, self.path, self.filename)
        self.format = source.format
        try:
            header = map_header(source.header, self.mapping)
        except DialerError:
            source.close()
            raise
        self.ignored = header.ignored
        self.header = list(source.header)
        if not self.use_process:
            self._source = source
            self._iter = chunks(source, RowValidator(header), self.tiers, self.size)
            return
        source.close()
        ctx = multiprocessing.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_worker,
            args=(str(self.path), self.filename, self.mapping, self.tiers, self.size, sender),
            daemon=True,
        )
        self._proc.start()
        sender.close()
        self._pipe = receiver

    async def next(self) -> Chunk | None:
        if self._iter is not None:
            return await asyncio.to_thread(next, self._iter, None)
        assert self._pipe is not None
        message = await asyncio.to_thread(_receive, self._pipe)
        kind = message[0]
        if kind == "chunk":
            chunk: Chunk = message[1]
            return chunk
        if kind == "done":
            return None
        _, cls_name, text, details = message
        raise (
            ValidationFailed(text, details=details)
            if cls_name == "ValidationFailed"
            else (RuntimeError(f"import worker failed: {text}"))
        )

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join(timeout=5)
        if self._pipe is not None:
            self._pipe.close()


def _receive(pipe: PipeEnd) -> tuple[Any, ...]:
    try:
        data = pipe.recv_bytes()
    except EOFError:
        return ("error", "RuntimeError", "the import worker exited unexpectedly", None)
    message: tuple[Any, ...] = pickle.loads(data)
    return message


def _worker(
    path: str,
    filename: str,
    mapping: dict[str, str],
    tiers: frozenset[str],
    size: int,
    pipe: PipeEnd,
) -> None:
    """The worker process: validate the file and send its chunks down the pipe."""
    try:
        source = open_rows(Path(path), filename)
        try:
            validator = RowValidator(map_header(source.header, mapping))
            for chunk in chunks(source, validator, tiers, size):
                pipe.send_bytes(pickle.dumps(("chunk", chunk), protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            source.close()
        pipe.send_bytes(pickle.dumps(("done",)))
    except DialerError as exc:
        pipe.send_bytes(pickle.dumps(("error", type(exc).__name__, exc.message, exc.details)))
    except Exception as exc:  # reported to the importing process, which fails the import
        pipe.send_bytes(pickle.dumps(("error", type(exc).__name__, str(exc), None)))
    finally:
        pipe.close()
