"""A campaign definition as a manager writes it (TOML file or JSON body).

Validated strictly: an unknown key, a window that ends before it starts, a penalty
schedule with a gap — each is an error that names the field, when the campaign is
applied, never later during a call.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialer.rules.penalty import Penalty
from dialer.rules.vocabulary import PRODUCTS, TIERS, OneOf
from dialer.rules.window import WEEKDAYS

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{2,79}$")
# How long an answered customer may wait for an agent, from the answer, by default.
MAX_HOLD_SECONDS = 20.0
# How long a person who answered may wait for an agent before the information message.
CONNECT_LIMIT_SECONDS = 2.0
# An example transfer destination's number starts so (no Indonesian number does) and
# its label says so.
PLACEHOLDER_PREFIX = "+620"
EXAMPLE_MARK = "(contoh)"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(text: str) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d12h"`` → timedelta."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a duration like 15m, 2h or 1d")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


class Window(Strict):
    """Calling hours of one weekday, in the customer's local time."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("calling hours are the customer's local time: no UTC offset")
        if self.end <= self.start:
            raise ValueError(f"ends at {self.end:%H:%M}, not after it starts at {self.start:%H:%M}")
        return self


class Retry(Strict):
    delay: str
    max_attempts: Annotated[int, Field(ge=0, le=50)]

    @field_validator("delay")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class RetryPolicy(Strict):
    """Per call result: wait this long, at most this many attempts of that result."""

    max_attempts: Annotated[int, Field(ge=1, le=50)] = 6
    busy_line: Retry = Retry(delay="15m", max_attempts=3)
    no_answer: Retry = Retry(delay="2h", max_attempts=3)
    failed: Retry = Retry(delay="1h", max_attempts=2)
    machine: Retry = Retry(delay="4h", max_attempts=2)
    abandoned: Retry = Retry(delay="72h", max_attempts=3)
    # A customer whose call was abandoned is not dialled again before this (Ofcom: 72 h):
    # the wait after an abandoned call is the longer of this and ``abandoned.delay``.
    abandon_retry_window: str = "72h"

    @field_validator("abandon_retry_window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value

    canceled: Retry = Retry(delay="30m", max_attempts=2)


class Voucher(Strict):
    quota: Annotated[int, Field(ge=0, le=10_000_000)]
    expires: datetime
    partner: str = "Bukalapak"
    # Where codes come from: the partner's file ("pool") or made here ("generated",
    # PREFIX + random letters and digits; the partner must accept them).
    codes: Literal["pool", "generated"] = "pool"
    code_prefix: str = Field("BL", pattern=r"^[A-Z0-9]{0,10}$")
    code_length: Annotated[int, Field(ge=8, le=32)] = 10
    # Optional hold: an unredeemed voucher lapses after this many days and its place
    # returns to the quota (off by default).
    hold_days: Annotated[int, Field(ge=1, le=365)] | None = None

    @field_validator("expires")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. 2022-09-30T23:59:59+07:00 (WIB)")
        return value


class WhatsApp(Strict):
    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    sender: str = Field(pattern=r"^whatsapp:\+[1-9]\d{6,14}$")
    variables: dict[str, str]

    @field_validator("variables")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {"customer_name", "voucher_code", "voucher_expiry", "bill_amount", "how_to_pay"}
        for key, name in value.items():
            if not key.isdigit():
                raise ValueError(f"template variable {key!r} must be a number, as in Twilio")
            if name not in allowed:
                raise ValueError(f"variable {key} = {name!r} is not one of {sorted(allowed)}")
        return value


class Voice(Strict):
    """What a customer hears from the service: on hold while an agent is found, and the
    apology when none can be. ``say_voice`` is named explicitly: Twilio's default voice
    does not speak Indonesian. ``hold_audio_url`` (an https MP3/WAV) replaces the spoken
    hold message when set."""

    say_voice: str = Field(
        default="Google.id-ID-Standard-A",
        pattern=r"^(Google\.[a-z]{2}-[A-Z]{2}-[A-Za-z0-9-]+|Polly\.[A-Za-z-]+)$",
    )
    language: str = Field(default="id-ID", pattern=r"^[a-z]{2}-[A-Z]{2}$")
    hold_message: str = Field(
        default="Mohon tunggu sebentar, Anda akan segera terhubung dengan petugas kami.",
        min_length=1,
        max_length=500,
    )
    hold_audio_url: str | None = Field(
        default=None, pattern=r"^https://[^\s<>\"]+$", max_length=500
    )
    # What a customer the agent put on hold hears (with the hold audio, if any).
    held_message: str = Field(
        default="Mohon tunggu sebentar, petugas kami akan segera kembali melayani Anda.",
        min_length=1,
        max_length=500,
    )
    # Between two hold messages; the hold is re-asked of the service after each.
    hold_pause_seconds: Annotated[int, Field(ge=2, le=60)] = 8
    # The information message: what a person who answered hears when no agent can take
    # them (abandoned) — who called and why, so the call is not a silent mystery
    # (Ofcom). ``{caller}`` and ``{purpose}`` are filled from the two fields below.
    apology_message: str = Field(
        default="Mohon maaf, semua petugas kami sedang sibuk. Panggilan ini dari {caller}"
        " mengenai {purpose}. Kami akan menghubungi Anda kembali. Terima kasih.",
        min_length=1,
        max_length=500,
    )
    caller: str = Field(default="PT Telkom Indonesia", min_length=1, max_length=100)
    purpose: str = Field(default="tagihan IndiHome Anda", min_length=1, max_length=150)
    # Record each customer's call from the moment they join their agent (off unless the
    # campaign says so); the opening of the script then says so with ``consent_line``.
    record: bool = False
    consent_line: str = Field(
        default="Sebagai informasi, panggilan ini direkam untuk menjaga kualitas layanan kami.",
        min_length=1,
        max_length=300,
    )
    # A customer not in their agent's conference this long after the bridge: failed.
    bridge_timeout_seconds: Annotated[int, Field(ge=5, le=60)] = 10

    def information(self) -> str:
        """The information message, filled in."""
        return self.apology_message.format(caller=self.caller, purpose=self.purpose)

    @field_validator("apology_message")
    @classmethod
    def _fillable(cls, value: str) -> str:
        try:
            value.format(caller="", purpose="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                "apology_message may fill in only caller and purpose (in braces)"
            ) from exc
        return value

    @model_validator(mode="after")
    def _voice_speaks_language(self) -> Voice:
        if self.say_voice.startswith("Google.") and not self.say_voice.startswith(
            f"Google.{self.language}-"
        ):
            raise ValueError(f"say_voice {self.say_voice} does not speak {self.language}")
        return self


class TransferDestination(Strict):
    """Another contact center a live call may be handed to (seed 003), for one category
    of the campaign's transfer guide. No seed gives a number: an ``example`` destination
    carries a placeholder (``+620…``: no Indonesian number starts with 0 after the
    country code) and says "(contoh)" in its label; a deployment that calls real phones
    refuses it."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")
    label: str = Field(min_length=1, max_length=100)
    number: str = Field(pattern=r"^\+[1-9]\d{3,14}$")  # E.164
    category: str = Field(min_length=1, max_length=100)  # a key of the transfer guide's
    example: bool = False

    @model_validator(mode="after")
    def _example_marked(self) -> TransferDestination:
        placeholder = self.number.startswith(PLACEHOLDER_PREFIX)
        if self.example and not placeholder:
            raise ValueError(
                f"example destination {self.key!r}: its number must be a placeholder"
                f" ({PLACEHOLDER_PREFIX}…), not {self.number} that might ring someone"
            )
        if self.example and EXAMPLE_MARK not in self.label:
            raise ValueError(f"example destination {self.key!r}: say {EXAMPLE_MARK} in its label")
        if placeholder and not self.example:
            raise ValueError(
                f"destination {self.key!r}: {self.number} is a placeholder; give the contact"
                " center's real number, or mark the destination example = true"
            )
        return self


class Period(Strict):
    starts: date
    ends: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.ends < self.starts:
            raise ValueError("the period ends before it starts")
        return self


class CampaignDefinition(Strict):
    """Everything a campaign is, apart from its state."""

    name: str
    title: str = ""
    product: Annotated[str, OneOf(PRODUCTS, "a product")]
    tiers: list[str]
    script: str
    period: Period
    calling_window: dict[str, Window]
    holidays: Literal["skip", "allow"] = "skip"
    retry: RetryPolicy = RetryPolicy()
    # How many calls the pacer keeps in flight (docs/pacing.md): ``progressive`` one per
    # free agent; ``power`` free agents × ``pacing_ratio``; ``predictive`` as many as
    # keep the expected abandon rate at ``target_abandon_percent``, from the campaign's
    # own answer odds and handle times. Left out: ``power`` when the ratio is above 1.
    pacing_mode: Literal["progressive", "power", "predictive"] = "progressive"
    pacing_ratio: Annotated[float, Field(ge=1.0, le=5.0)] = 1.0
    target_abandon_percent: Annotated[float, Field(ge=0.0, le=100.0)] = 3.0
    # The regulator's cap on abandoned over human-answered calls (Ofcom, the FCC: 3 %);
    # the abandon guard falls back to progressive above it.
    abandon_limit_percent: Annotated[float, Field(ge=0.0, le=100.0)] = 3.0
    # Virtual seats stand in for agents (tests, benchmarks); 0: the campaign's agents.
    virtual_seats: Annotated[int, Field(ge=0, le=10_000)] = 0
    # A person who answered is connected to an agent within this many seconds of the
    # service knowing a person answered (the answering-machine verdict), or hears the
    # information message (``voice.apology_message``: who called and why) and the call
    # counts abandoned (Ofcom: 2 s).
    connect_limit_seconds: Annotated[float, Field(ge=0.0, le=60.0)] = CONNECT_LIMIT_SECONDS
    # However it went (a bridge that failed and was retried), a call waits at most this
    # long for an agent, counted from the answer.
    max_hold_seconds: Annotated[float, Field(ge=0.0, le=300.0)] = MAX_HOLD_SECONDS
    # After the outcome, the agent's after-call work before the next call.
    wrap_up_seconds: Annotated[int, Field(ge=0, le=600)] = 15
    # A customer who says the service is cancelled but still owes or still has the
    # modem is followed up within this many hours (seed 004; 3 × 24 h by default).
    follow_up_hours: Annotated[int, Field(ge=1, le=24 * 31)] = 72
    voucher: Voucher
    penalty: Penalty
    whatsapp: WhatsApp
    # The procedure by category for problems of another contact center (seed 003):
    # scripts/*.yaml of kind transfer_guide; the destinations' categories are its.
    transfer_guide: str | None = None
    # Where an agent may transfer a live call (seed 003); none: no transfers.
    transfers: list[TransferDestination] = Field(default_factory=list)
    voice: Voice = Field(default_factory=Voice)

    @model_validator(mode="before")
    @classmethod
    def _mode_from_ratio(cls, value: Any) -> Any:
        """A definition from before pacing modes: a ratio above 1 was power dialling."""
        if isinstance(value, dict) and "pacing_mode" not in value:
            ratio = value.get("pacing_ratio", 1.0)
            if isinstance(ratio, int | float) and ratio > 1.0:
                return value | {"pacing_mode": "power"}
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "must be 3-80 characters of lowercase letters, digits and dashes,"
                " starting with a letter"
            )
        return value

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a campaign calls at least one tier")
        for tier in value:
            if tier not in TIERS:
                raise ValueError(f"{tier!r} is not a tier ({', '.join(TIERS)})")
        if len(set(value)) != len(value):
            raise ValueError("a tier is listed twice")
        return value

    @field_validator("calling_window")
    @classmethod
    def _weekdays(cls, value: dict[str, Window]) -> dict[str, Window]:
        for day in value:
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")
        if not value:
            raise ValueError("the calling window has no day")
        return {d: value[d] for d in WEEKDAYS if d in value}

    @model_validator(mode="after")
    def _schedule_for_product(self) -> CampaignDefinition:
        if not getattr(self.penalty, self.product):
            raise ValueError(f"penalty.{self.product} is empty: the campaign's product needs one")
        keys = [t.key for t in self.transfers]
        if len(set(keys)) != len(keys):
            raise ValueError("transfers: a destination key appears twice")
        if self.target_abandon_percent > self.abandon_limit_percent:
            raise ValueError(
                f"target_abandon_percent {self.target_abandon_percent:g} is above the"
                f" abandon limit {self.abandon_limit_percent:g}: the target must be within it"
            )
        if self.pacing_mode == "progressive" and self.pacing_ratio != 1.0:
            raise ValueError(
                f'pacing_ratio {self.pacing_ratio:g} is for pacing_mode "power";'
                " progressive places one call per free agent"
            )
        if self.transfers and self.transfer_guide is None:
            raise ValueError(
                "transfers need a transfer_guide (scripts/*.yaml, kind transfer_guide):"
                " the categories, the agent's lines and the log texts come from it"
            )
        return self
