"""The TwiML documents of the voice path, built with the twilio SDK (``VoiceResponse``).

Every document the service gives a call comes from here, the same for Twilio and the
simulated carrier (which executes them):

- :func:`hold`: what an answered customer hears until an agent takes them — the
  campaign's message (``<Say>`` with an explicit voice) or audio (``<Play>``), a pause,
  then ``<Redirect>`` back to the service, which decides again (hold, bridge, apology).
- :func:`agent_room`: an agent's own leg joins their conference and stays there while
  they work (a *nailed-up* leg); the conference ends when the agent leaves.
- :func:`bridge`: the customer joins the agent's conference — heard at once, no ringing;
  the ``<Dial action>`` tells the service when the customer leaves it.
- :func:`farewell`: a last message, then hang up (never silence).
- :func:`transfer`: the customer is dialled through to another number; the destination
  answering is reported (``<Number url>``), and the ``action`` says how it ended.

Built documents are cached: ElementTree is slow on every callback.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

# The conference events the service follows (join/leave of every participant, its end).
CONFERENCE_EVENTS = "start end join leave hold mute"
DIAL_TIMEOUT = 10  # a <Dial> into a conference: the join is immediate
TRANSFER_TIMEOUT = 25  # ring a transfer's destination this long
XML = "text/xml"


@dataclass(frozen=True)
class Spoken:
    """What the customer hears: ``audio`` (an https file) when set, else ``text`` said
    by ``voice`` in ``language``."""

    text: str
    voice: str
    language: str
    audio: str | None = None


def room(agent_id: int) -> str:
    """The name of an agent's conference (their leg waits there for customers)."""
    return f"agent-{agent_id}"


def url(base: str, path: str, **query: int | str) -> str:
    """An absolute URL of the service (Twilio signs and fetches absolute URLs)."""
    return f"{base.rstrip('/')}{path}" + (f"?{urlencode(query)}" if query else "")


def _speak(response: VoiceResponse, spoken: Spoken) -> None:
    if spoken.audio:
        response.play(spoken.audio)
    else:
        response.say(spoken.text, voice=spoken.voice, language=spoken.language)


@functools.lru_cache(maxsize=4096)
def hold(spoken: Spoken, pause: int, redirect: str) -> str:
    """Say (or play) the hold message, wait ``pause`` seconds, ask ``redirect`` again."""
    response = VoiceResponse()
    _speak(response, spoken)
    response.pause(length=max(1, pause))
    response.redirect(redirect, method="POST")
    return str(response)


@functools.lru_cache(maxsize=4096)
def wait(pause: int, redirect: str) -> str:
    """Silence for ``pause`` seconds (the message was said already), then ask again."""
    response = VoiceResponse()
    response.pause(length=max(1, pause))
    response.redirect(redirect, method="POST")
    return str(response)


@functools.lru_cache(maxsize=4096)
def agent_room(name: str, status_callback: str) -> str:
    """An agent's leg: into their conference, which starts with them and ends when they
    leave; every participant's join and leave reported to ``status_callback``."""
    response = VoiceResponse()
    dial = response.dial()
    dial.conference(
        name,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
        wait_url="",
        status_callback=status_callback,
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )
    return str(response)


@functools.lru_cache(maxsize=4096)
def bridge(name: str, action: str, timeout: int, status_callback: str) -> str:
    """The customer into the agent's conference ``name``. Leaving it does not end it
    (the agent stays for the next customer); ``action`` is told when the customer's
    part ended, and decides what they hear next. The conference's events go to
    ``status_callback`` even if the customer finds it empty (the agent's leg gone) and
    starts it themselves: the service then knows at once that the bridge failed."""
    response = VoiceResponse()
    dial = response.dial(action=action, method="POST", timeout=timeout)
    dial.conference(
        name,
        start_conference_on_enter=True,
        end_conference_on_exit=False,
        beep=False,
        wait_url="",
        status_callback=status_callback,
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )
    return str(response)


def to_agent(base: str, attempt_id: int, agent_id: int) -> str:
    """The customer of ``attempt_id`` into agent ``agent_id``'s conference; the
    service's ``/carrier/voice/bridged`` is told when their part ends."""
    action = url(base, "/carrier/voice/bridged", attempt=attempt_id, agent=agent_id)
    return bridge(room(agent_id), action, DIAL_TIMEOUT, url(base, "/carrier/voice/conference"))


@functools.lru_cache(maxsize=1024)
def farewell(spoken: Spoken) -> str:
    """A last message, then the call ends."""
    response = VoiceResponse()
    _speak(response, spoken)
    response.hangup()
    return str(response)


def transfer_to(base: str, transfer_id: int, number: str, caller_id: str) -> str:
    """The customer dialled through to ``number`` for transfer ``transfer_id``."""
    action = url(base, "/carrier/voice/transfer", transfer=transfer_id)
    answered = url(base, "/carrier/voice/transfer-answered", transfer=transfer_id)
    return transfer(number, caller_id, action, answered, TRANSFER_TIMEOUT)


@functools.lru_cache(maxsize=1024)
def transfer(number: str, caller_id: str, action: str, answered: str, timeout: int) -> str:
    """Dial ``number`` for the customer: ``answered`` is fetched when it answers (the
    transfer is done), ``action`` when the dial ends (busy, no answer: back to the
    agent)."""
    response = VoiceResponse()
    options: dict[str, str | int] = {"action": action, "method": "POST", "timeout": timeout}
    if caller_id:
        options["caller_id"] = caller_id
    dial = response.dial(**options)
    dial.number(number, url=answered, method="POST")
    return str(response)


@functools.lru_cache(maxsize=1024)
def together(name: str) -> str:
    """Into conference ``name`` with one other party (a warm transfer's customer and
    destination): when either leaves, it ends."""
    response = VoiceResponse()
    dial = response.dial()
    dial.conference(
        name, start_conference_on_enter=True, end_conference_on_exit=True, beep=False, wait_url=""
    )
    return str(response)


def _hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


EMPTY = str(VoiceResponse())
HANGUP = _hangup()
