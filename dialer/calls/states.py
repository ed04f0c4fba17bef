"""An attempt's state machine, as pure functions over provider callbacks.

Twilio reports a call's progress in callbacks that may arrive twice or out of order
(``completed`` before ``ringing``). Applying one is a *merge*: the state only moves
forward (by rank), timestamps and the answering-machine verdict are set once, from the
callback's own fields. So any order and any number of repeats of the same callbacks
reach the same attempt — and the first move into a final state is the one moment its
effects (the retry policy) run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime

LIVE = ("queued", "dialing", "ringing", "in-progress")
FINAL = ("completed", "busy", "no-answer", "failed", "canceled", "machine")
STATES = LIVE + FINAL
RANK = {"queued": 0, "dialing": 1, "ringing": 2, "in-progress": 3} | dict.fromkeys(FINAL, 4)
# Twilio's CallStatus → our state (its "queued" and "initiated" both mean: placed).
CALL_STATUS = {
    "queued": "dialing",
    "initiated": "dialing",
    "ringing": "ringing",
    "in-progress": "in-progress",
    "answered": "in-progress",
    "completed": "completed",
    "busy": "busy",
    "no-answer": "no-answer",
    "failed": "failed",
    "canceled": "canceled",
}
_RESULT = {
    "busy": "busy_line",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "canceled",
    "machine": "machine",
}


def is_machine(answered_by: str | None) -> bool:
    """Twilio's AMD verdicts: ``human``, ``unknown``, ``machine_start``,
    ``machine_end_beep``, ``machine_end_silence``, ``machine_end_other``, ``fax``."""
    return answered_by is not None and (answered_by.startswith("machine") or answered_by == "fax")


@dataclass(frozen=True)
class Progress:
    """The part of an attempt that callbacks change."""

    state: str = "queued"
    answered_by: str | None = None
    ringing_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    call_sid: str | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL


def event_time(params: dict[str, str], received_at: datetime) -> datetime:
    """The callback's own time (Twilio's RFC 2822 ``Timestamp``), else when it came."""
    stamp = params.get("Timestamp")
    if stamp:
        try:
            parsed = parsedate_to_datetime(stamp)
        except (TypeError, ValueError):
            return received_at
        if parsed.tzinfo is not None:
            return parsed
    return received_at


def merge(progress: Progress, kind: str, params: dict[str, str], received_at: datetime) -> Progress:
    """``progress`` with one callback applied. Commutative and idempotent."""
    at = event_time(params, received_at)
    answered_by = progress.answered_by or params.get("AnsweredBy") or None
    sid = progress.call_sid or params.get("CallSid") or None
    new = replace(progress, answered_by=answered_by, call_sid=sid)
    if kind == "amd":
        return _settle_machine(new)
    status = CALL_STATUS.get(params.get("CallStatus", ""))
    if kind == "answer" and status is None:
        status = "in-progress"
    if status is None:
        return _settle_machine(new)
    if status == "ringing" and new.ringing_at is None:
        new = replace(new, ringing_at=at)
    if status == "in-progress" and new.answered_at is None:
        new = replace(new, answered_at=at)
    if status in FINAL:
        if new.ended_at is None:
            new = replace(new, ended_at=at)
        duration = params.get("CallDuration")
        if (
            new.duration_seconds is None
            and duration
            and duration.isascii()
            and duration.isdigit()
            and len(duration) < 9
        ):
            new = replace(new, duration_seconds=int(duration))
    if RANK[status] > RANK[new.state]:
        new = replace(new, state=status)
    return _settle_machine(new)


def _settle_machine(progress: Progress) -> Progress:
    # A completed call that a machine answered ended as "machine", whichever callback
    # (the AMD result or the completed status carrying AnsweredBy) came first.
    if progress.state == "completed" and is_machine(progress.answered_by):
        return replace(progress, state="machine")
    return progress


def result_of(state: str, *, abandoned: bool) -> str:
    """The dialer's result for a final ``state``."""
    if state not in FINAL:
        raise ValueError(f"{state!r} is not a final state")
    if state == "completed":
        return "abandoned" if abandoned else "contacted"
    return _RESULT[state]
