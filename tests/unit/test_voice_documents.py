"""Every TwiML document of the voice path keeps to Twilio's vocabulary, says what the
campaign configured, and never leaves a customer in silence."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import jwt
import pytest
from pydantic import ValidationError

from dialer.agents.legs import Endpoint, agent_of_client
from dialer.calls import voice
from dialer.campaigns.schemas import Voice
from dialer.providers import twiml
from dialer.providers.twilio import voice_token
from dialer.settings import TwilioSettings
from tests.twiml_vocabulary import check

BASE = "https://dialer.example.co.id"
SECRET = "an API key secret of 32 bytes or more"
SPOKEN = twiml.Spoken("Mohon tunggu sebentar & terima kasih", "Google.id-ID-Standard-A", "id-ID")


def documents() -> dict[str, str]:
    audio = twiml.Spoken("x", "Google.id-ID-Standard-A", "id-ID", "https://cdn.example/hold.mp3")
    return {
        "hold": twiml.hold(SPOKEN, 8, twiml.url(BASE, "/carrier/voice/hold", attempt=41)),
        "hold with audio": twiml.hold(audio, 8, twiml.url(BASE, "/carrier/voice/hold", attempt=4)),
        "wait": twiml.wait(30, twiml.url(BASE, "/carrier/voice/hold", attempt=41)),
        "agent room": twiml.agent_room("agent-7", twiml.url(BASE, "/carrier/voice/conference")),
        "to agent": twiml.to_agent(BASE, 41, 7),
        "farewell": twiml.farewell(SPOKEN),
        "apology": voice.apology(None),
        "transfer": twiml.transfer_to(BASE, 3, "+62807147147", "+622150000000"),
        "empty": twiml.EMPTY,
        "hang up": twiml.HANGUP,
    }


@pytest.mark.parametrize("name", list(documents()))
def test_every_document_is_twiml_twilio_runs(name: str) -> None:
    check(documents()[name])


def test_the_hold_speaks_indonesian_with_a_named_voice_and_asks_again() -> None:
    root = ET.fromstring(documents()["hold"])
    say, pause, redirect = list(root)
    assert (say.get("voice"), say.get("language")) == ("Google.id-ID-Standard-A", "id-ID")
    assert say.text == "Mohon tunggu sebentar & terima kasih"  # escaped in, text out
    assert pause.get("length") == "8"
    assert redirect.text == f"{BASE}/carrier/voice/hold?attempt=41"
    # With a campaign's audio, the file plays instead.
    assert ET.fromstring(documents()["hold with audio"])[0].tag == "Play"


def test_a_customer_joins_the_agents_conference_and_the_service_hears_how_it_ends() -> None:
    dial = ET.fromstring(documents()["to agent"]).find("Dial")
    assert dial is not None
    assert dial.get("action") == f"{BASE}/carrier/voice/bridged?attempt=41&agent=7"
    conference = dial.find("Conference")
    assert conference is not None and conference.text == "agent-7"
    # The customer leaving does not end it: the agent stays for the next one.
    assert conference.get("endConferenceOnExit") == "false" and conference.get("beep") == "false"
    room = ET.fromstring(documents()["agent room"]).find("Dial/Conference")
    assert room is not None and room.get("endConferenceOnExit") == "true"
    assert {"join", "leave", "end"} <= set((room.get("statusCallbackEvent") or "").split())


def test_a_transfer_is_confirmed_by_the_destination_answering() -> None:
    dial = ET.fromstring(documents()["transfer"]).find("Dial")
    assert dial is not None and dial.get("action") == f"{BASE}/carrier/voice/transfer?transfer=3"
    number = dial.find("Number")
    assert number is not None and number.text == "+62807147147"
    assert number.get("url") == f"{BASE}/carrier/voice/transfer-answered?transfer=3"


def test_the_apology_ends_the_call_after_saying_so() -> None:
    verbs = [e.tag for e in ET.fromstring(documents()["apology"])]
    assert verbs == ["Say", "Hangup"]


def test_a_campaign_voice_must_speak_its_language() -> None:
    assert Voice().say_voice == "Google.id-ID-Standard-A"
    with pytest.raises(ValidationError, match="does not speak id-ID"):
        Voice(say_voice="Google.en-US-Standard-C")
    with pytest.raises(ValidationError):
        Voice(hold_audio_url="http://insecure.example/hold.mp3")


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({}, True),
        ({"endpoint": "softphone", "address": ""}, True),  # found by schemathesis: was a 500
        ({"endpoint": "softphone", "address": "sip:a@b"}, False),
        ({"endpoint": "sip", "address": "sip:desk7@pbx.example.com"}, True),
        ({"endpoint": "sip", "address": "desk7@pbx"}, False),
        ({"endpoint": "phone", "address": "+6281234567890"}, True),
        ({"endpoint": "phone", "address": "081234567890"}, False),
        ({"endpoint": "pigeon"}, False),
    ],
)
def test_an_agents_endpoint_is_parsed_strictly(body: dict[str, str], ok: bool) -> None:
    if ok:
        endpoint = Endpoint.model_validate(body)
        assert (endpoint.endpoint == "softphone") == (endpoint.address is None)
    else:
        with pytest.raises(ValidationError):
            Endpoint.model_validate(body)


def test_a_softphone_names_its_agent() -> None:
    assert agent_of_client("client:agent-7") == 7
    assert agent_of_client("client:agent-07") is None
    assert agent_of_client("+6281200000001") is None
    assert agent_of_client("client:agent-7x") is None


def test_a_softphone_token_is_short_lived_and_bound_to_the_agent() -> None:
    settings = TwilioSettings(
        account_sid="AC" + "1" * 32,
        auth_token="token",
        api_key="SK" + "2" * 32,
        api_secret=SECRET,
        twiml_app_sid="AP" + "3" * 32,
        token_seconds=600,
    )
    token = voice_token(settings, "agent-7")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["iss"] == "SK" + "2" * 32 and claims["sub"] == "AC" + "1" * 32
    assert claims["exp"] - claims.get("nbf", claims.get("iat", 0)) <= 600
    grants = claims["grants"]
    assert grants["identity"] == "agent-7"
    # It may only dial the TwiML App (the agent's own conference), never be rung.
    assert grants["voice"]["outgoing"]["application_sid"] == "AP" + "3" * 32
    assert not grants["voice"].get("incoming", {}).get("allow")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET[::-1], algorithms=["HS256"])
