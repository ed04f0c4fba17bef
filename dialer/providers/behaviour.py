"""How simulated customers behave: the odds of each fate by the customer's local hour,
and how long things take, as distributions drawn from a seeded ``random.Random``.

A :class:`SimProfile` is what the simulated carrier asks when it places a call: which
fate (a person answers, a machine, busy, no answer, failed) by the odds of the hour it
is where the customer lives, and how long the ringing, the answering-machine detection,
a machine's message and the conversation last. A time is a distribution:

- ``Fixed(30)`` — always 30 s (a bare number in a profile file);
- ``Uniform(3, 15)`` — any value between (``[3, 15]`` in a file, a ``(low, high)``
  tuple in code, as before);
- ``LogNormal(median=120, spread=1.7)`` — right-skewed, as conversations and ringing
  are: half the draws below the median, about two thirds between median / spread and
  median × spread (``spread`` is the geometric standard deviation);
- ``Gamma(mean=8, shape=4)`` — another skewed shape, given by its mean.

Each may be bounded (``low``, ``high``): a draw outside is drawn again (a few times,
then clamped), so the bounds cut the tails without piling draws onto them.

A profile file (TOML; ``DIALER_SIMULATOR__PROFILE``, the pacing bench's ``--profile``)::

    zone = "WIB"                 # the zone of a number the simulator is not told about
    odds = { human = 35, machine = 12, busy = 8, no_answer = 35, failed = 10 }

    [hours]                      # the customer's local hour (or "9-11") → the odds then
    "8" = { human = 28, machine = 14, busy = 8, no_answer = 40, failed = 10 }
    "12-13" = "human=30,machine=13,busy=10,no_answer=37,failed=10"

    [seconds]
    ring = { kind = "lognormal", median = 8, spread = 1.6, low = 2, high = 40 }
    amd = { kind = "lognormal", median = 3.0, spread = 1.25, low = 1.5, high = 8 }
    talk = { kind = "lognormal", median = 120, spread = 1.7, low = 20, high = 900 }
    machine = [10, 25]
    no_answer = 30

Odds are relative weights; an hour not listed takes ``odds``. Everything left out keeps
the simulator's defaults. Every mistake is an error naming the key and what is wrong.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialer.rules.zones import ZONE_NAMES

FATES = ("human", "machine", "busy", "no_answer", "failed")
REDRAWS = 20  # draws outside a distribution's bounds are drawn again this often, then clamped


@dataclass(frozen=True)
class Fixed:
    """Always ``value`` seconds."""

    value: float

    def draw(self, rnd: random.Random) -> float:
        return self.value

    @property
    def median(self) -> float:
        return self.value


@dataclass(frozen=True)
class Uniform:
    """Any value between ``low`` and ``high``, evenly."""

    low: float
    high: float

    def draw(self, rnd: random.Random) -> float:
        return rnd.uniform(self.low, self.high)

    @property
    def median(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class LogNormal:
    """Right-skewed: ``median`` × ``spread`` ** Z, Z standard normal; optionally bounded."""

    median: float
    spread: float = 1.5  # the geometric standard deviation (≥ 1; 1: always the median)
    low: float = 0.0
    high: float = math.inf

    def draw(self, rnd: random.Random) -> float:
        return _bounded(
            lambda: rnd.lognormvariate(math.log(self.median), math.log(self.spread)),
            self.low,
            self.high,
        )


@dataclass(frozen=True)
class Gamma:
    """Skewed, with mean ``mean`` and shape ``shape`` (large: nearly symmetric)."""

    mean: float
    shape: float = 2.0
    low: float = 0.0
    high: float = math.inf

    def draw(self, rnd: random.Random) -> float:
        scale = self.mean / self.shape
        return _bounded(lambda: rnd.gammavariate(self.shape, scale), self.low, self.high)


Distribution = Fixed | Uniform | LogNormal | Gamma
# What a profile's time may be given as in code: a distribution, or as before a
# (low, high) tuple (uniform) or a number (fixed).
Spec = Distribution | tuple[float, float] | float


def draw(spec: Spec, rnd: random.Random) -> float:
    """One draw of ``spec`` (seconds)."""
    if isinstance(spec, tuple):
        return rnd.uniform(*spec)
    if isinstance(spec, int | float):
        return float(spec)
    return spec.draw(rnd)


def _bounded(sample: Any, low: float, high: float) -> float:
    value = float(sample())
    for _ in range(REDRAWS):
        if low <= value <= high:
            return value
        value = float(sample())
    return min(max(value, low), high)


KINDS = ("fixed", "uniform", "lognormal", "gamma")


def parse_distribution(value: Any, what: str) -> Distribution:
    """A time from a profile file: a number (fixed), ``[low, high]`` (uniform) or a table
    with ``kind`` and its parameters. ValueError names ``what`` and the mistake."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: {value!r} is not a time")
    if isinstance(value, int | float):
        return Fixed(_seconds(value, what))
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"{what}: a range is [low, high], not {value!r}")
        low, high = (_seconds(v, what) for v in value)
        if high < low:
            raise ValueError(f"{what}: low {low:g} is above high {high:g}")
        return Uniform(low, high)
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: {value!r} is not a time (a number, [low, high] or a table)")
    table = dict(value)
    kind = table.pop("kind", None)
    if kind not in KINDS:
        raise ValueError(f"{what}: kind {kind!r} is not one of {', '.join(KINDS)}")
    allowed = {
        "fixed": ("value",),
        "uniform": ("low", "high"),
        "lognormal": ("median", "spread", "low", "high"),
        "gamma": ("mean", "shape", "low", "high"),
    }[kind]
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"{what}: {kind} takes {', '.join(allowed)}, not {', '.join(unknown)}")
    numbers = {key: _seconds(v, f"{what}.{key}") for key, v in table.items()}
    required = {"fixed": ("value",), "uniform": ("low", "high"), "lognormal": ("median",)}
    missing = [key for key in required.get(kind, ("mean",)) if key not in numbers]
    if missing:
        raise ValueError(f"{what}: {kind} needs {', '.join(missing)}")
    low, high = numbers.get("low", 0.0), numbers.get("high", math.inf)
    if high < low:
        raise ValueError(f"{what}: low {low:g} is above high {high:g}")
    if kind == "fixed":
        return Fixed(numbers["value"])
    if kind == "uniform":
        return Uniform(low, high)
    if kind == "lognormal":
        spread = numbers.get("spread", 1.5)
        if numbers["median"] <= 0 or spread < 1:
            raise ValueError(f"{what}: lognormal needs median above 0 and spread of at least 1")
        return LogNormal(numbers["median"], spread, low, high)
    shape = numbers.get("shape", 2.0)
    if numbers["mean"] <= 0 or shape <= 0:
        raise ValueError(f"{what}: gamma needs mean and shape above 0")
    return Gamma(numbers["mean"], shape, low, high)


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: {value!r} is not a number of seconds")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what}: {value!r} seconds must be finite and not negative")
    return float(value)


def parse_odds(value: Any, what: str = "odds") -> dict[str, float]:
    """Odds as a table (``{human = 45, …}``) or text (``"human=45,machine=10,…"``):
    every fate named, a fate left out is 0; they must not all be 0."""
    if isinstance(value, str):
        pairs: list[tuple[str, Any]] = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            name, equals, number = part.partition("=")
            if not equals:
                raise ValueError(f"{what}: {part!r} is not fate=weight")
            try:
                pairs.append((name.strip(), float(number)))
            except ValueError:
                raise ValueError(
                    f"{what}: {name.strip()} weight {number!r} is not a number"
                ) from None
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise ValueError(f"{what}: {value!r} is not odds (a table or fate=weight,…)")
    odds: dict[str, float] = dict.fromkeys(FATES, 0.0)
    for name, weight in pairs:
        if name not in odds:
            raise ValueError(f"{what}: unknown simulated fate {name!r}; one of {FATES}")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValueError(f"{what}: {name} weight {weight!r} is not a number")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{what}: {name} weight {weight!r} must be finite, not negative")
        odds[name] = float(weight)
    if sum(odds.values()) <= 0:
        raise ValueError(f"{what}: simulated odds must not all be zero")
    return odds


def parse_hours(value: Any) -> dict[int, dict[str, float]]:
    """``{"8" = odds, "9-11" = odds}`` → odds per local hour (0–23), each hour once."""
    if not isinstance(value, Mapping):
        raise ValueError(f"hours: {value!r} is not a table of hour = odds")
    hours: dict[int, dict[str, float]] = {}
    for key, odds in value.items():
        first, dash, last = str(key).partition("-")
        try:
            span = range(int(first), int(last if dash else first) + 1)
        except ValueError:
            raise ValueError(f"hours: {key!r} is not an hour (0-23) or hours (9-11)") from None
        if not span or span.start < 0 or span.stop > 24:
            raise ValueError(f"hours: {key!r} is not an hour (0-23) or hours (9-11)")
        parsed = parse_odds(odds, f"hours.{key}")
        for hour in span:
            if hour in hours:
                raise ValueError(f"hours: hour {hour} is given twice")
            hours[hour] = parsed
    return hours


def _default_odds() -> dict[str, float]:
    return {"human": 45.0, "machine": 10.0, "busy": 15.0, "no_answer": 20.0, "failed": 10.0}


@dataclass(frozen=True)
class SimProfile:
    """How simulated calls go: odds per fate (relative weights) — by the customer's local
    hour where ``hourly_odds`` gives that hour — and delays in seconds."""

    odds: dict[str, float] = field(default_factory=_default_odds)
    ring_seconds: Spec = (3.0, 15.0)
    talk_seconds: Spec = (30.0, 180.0)
    amd_seconds: Spec = (2.0, 5.0)
    machine_seconds: Spec = (10.0, 25.0)
    no_answer_seconds: Spec = 30.0
    # The customer's local hour (0-23) → the odds then; an hour not here takes ``odds``.
    hourly_odds: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    # The zone of a number whose zone the simulator is not told (WIB, WITA, WIT).
    zone: str = "WIB"

    def odds_at(self, hour: int) -> Mapping[str, float]:
        """The odds of each fate for a call placed at the customer's local ``hour``."""
        return self.hourly_odds.get(hour, self.odds)

    @classmethod
    def parse_odds(cls, text: str) -> dict[str, float]:
        """``"human=45,machine=10,busy=15,no_answer=20,failed=10"`` → weights."""
        return parse_odds(text)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SimProfile:
        """A profile from a parsed file (see the module doc); ValueError says what is
        wrong, naming the key."""
        unknown = sorted(set(data) - {"zone", "odds", "hours", "seconds"})
        if unknown:
            raise ValueError(
                f"unknown profile keys {', '.join(unknown)}: zone, odds, hours, seconds"
            )
        fields: dict[str, Any] = {}
        zone = data.get("zone", "WIB")
        if zone not in ZONE_NAMES:
            raise ValueError(f"zone: {zone!r} is not one of {', '.join(ZONE_NAMES)}")
        fields["zone"] = zone
        if "odds" in data:
            fields["odds"] = parse_odds(data["odds"])
        if "hours" in data:
            fields["hourly_odds"] = parse_hours(data["hours"])
        seconds = data.get("seconds", {})
        if not isinstance(seconds, Mapping):
            raise ValueError(f"seconds: {seconds!r} is not a table")
        names = ("ring", "talk", "amd", "machine", "no_answer")
        unknown = sorted(set(seconds) - set(names))
        if unknown:
            raise ValueError(f"seconds: unknown {', '.join(unknown)}; one of {', '.join(names)}")
        for name, value in seconds.items():
            fields[f"{name}_seconds"] = parse_distribution(value, f"seconds.{name}")
        return cls(**fields)

    @classmethod
    def load(cls, path: Path) -> SimProfile:
        """A profile file (TOML); ValueError names the file and the mistake."""
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
            return cls.from_mapping(data)
        except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
            raise ValueError(f"simulator profile {path}: {exc}") from exc
