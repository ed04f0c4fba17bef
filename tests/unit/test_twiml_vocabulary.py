"""The TwiML checker (tests/twiml_vocabulary.py): valid Voice documents pass, and each
kind of fault is caught, named by its element path and attribute."""

from __future__ import annotations

import pytest
from twilio.twiml.voice_response import VoiceResponse

from tests.twiml_vocabulary import ATTRIBUTES, CHILDREN, VERBS, check, problems

BASE = "https://x.example"
HOLD = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say voice="Google.id-ID-Standard-A" language="id-ID">Mohon tunggu sebentar.</Say>'
    '<Pause length="10"/>'
    f'<Redirect method="POST">{BASE}/carrier/voice/hold?attempt=1</Redirect>'
    "</Response>"
)
AGENT_ROOM = (
    f'<Response><Dial action="{BASE}/carrier/voice/bridged?attempt=1" timeout="10">'
    '<Conference beep="false" startConferenceOnEnter="true" endConferenceOnExit="false"'
    f' waitUrl="" statusCallback="{BASE}/carrier/conference?agent=7"'
    ' statusCallbackEvent="start end join leave">agent-7</Conference>'
    "</Dial></Response>"
)
TRANSFER = (
    f'<Response><Dial><Number url="{BASE}/carrier/voice/answered?attempt=1">'
    "+622150001234</Number></Dial></Response>"
)


def _sdk_documents() -> list[str]:
    """Documents as the service builds them, through the twilio SDK."""
    empty = VoiceResponse()
    hangup = VoiceResponse()
    hangup.hangup()
    farewell = VoiceResponse()
    farewell.play(f"{BASE}/audio/farewell.mp3")
    farewell.hangup()
    bridge = VoiceResponse()
    bridge.dial(answer_on_bridge=True).client("agent-7")
    room = VoiceResponse()
    room.dial().conference(
        "agent-7",
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
        wait_url="",
        status_callback=f"{BASE}/carrier/conference",
        status_callback_method="POST",
        status_callback_event="start end join leave hold mute",
    )
    transfer = VoiceResponse()
    dial = transfer.dial(caller_id="+622150000000", action=f"{BASE}/a", method="POST", timeout=20)
    dial.number("+6281234567890", url=f"{BASE}/answered", method="POST")
    menu = VoiceResponse()
    gather = menu.gather(input="dtmf speech", num_digits=1, action=f"{BASE}/menu", timeout=5)
    gather.say("Tekan satu.", voice="Polly.Aditi", language="en-IN")
    gather.pause(length=2)
    ssml = VoiceResponse()
    say = ssml.say(voice="Google.id-ID-Wavenet-B")
    say.prosody("Terima kasih", rate="90%")
    say.break_(time="500ms")
    say.lang("thank you", xml_lang="en-US")
    return [str(doc) for doc in (empty, hangup, farewell, bridge, room, transfer, menu, ssml)]


@pytest.mark.parametrize(
    "document",
    [
        HOLD,
        AGENT_ROOM,
        TRANSFER,
        "<Response><Hangup/></Response>",
        "<Response />",
        "<Response><Reject reason='busy'/></Response>",
        "<Response><Say voice='Google.en-US-Chirp3-HD-Aoede'>Hi</Say></Response>",
        "<Response><Say voice='Polly.Lea-Neural' language='fr-FR'>Salut</Say></Response>",
        "<Response><Play digits='ww1234#'/></Response>",
        "<Response><Dial callerId='+6221000'>+6281234567890</Dial></Response>",
        "<Response><Dial><Client><Identity>agent-7</Identity>"
        "<Parameter name='campaign' value='3'/></Client></Dial></Response>",
        *_sdk_documents(),
    ],
)
def test_a_valid_document_passes(document: str) -> None:
    assert problems(document) == []
    check(document)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("<Response><Say>hi", "not well-formed XML"),
        ("<Speak>hi</Speak>", "the root element is <Speak>"),
        ("<Response><Speak>hi</Speak></Response>", "Response/Speak: <Speak> is not a TwiML"),
        (
            "<Response><Say speed='2'>hi</Say></Response>",
            "Response/Say: speed is not an attribute of <Say>",
        ),
        (
            "<Response><Dial hangupOnStar='yes'>+6281</Dial></Response>",
            "Response/Dial: hangupOnStar='yes' must be one of true, false",
        ),
        ("<Response><Pause length='0'/></Response>", "Response/Pause: length='0'"),
        (
            "<Response><Dial timeout='2'>+6281</Dial></Response>",
            "Response/Dial: timeout='2' must be an integer from 5 to 600",
        ),
        (
            "<Response><Dial action='/carrier/voice/bridged'>+6281</Dial></Response>",
            "Response/Dial: action='/carrier/voice/bridged' must be an absolute",
        ),
        (
            "<Response><Say>hi <Conference>agent-7</Conference></Say></Response>",
            "Response/Say/Conference: <Conference> is not allowed inside <Say>",
        ),
        (
            "<Response><Dial><Conference>a</Conference><Conference>b</Conference></Dial>"
            "</Response>",
            "Response/Dial: holds 2 <Conference>/<Queue> nouns",
        ),
        ("<Response><Hangup>bye</Hangup></Response>", "Response/Hangup: must not hold text"),
        (
            "<Response><Dial><Conference statusCallbackEvent='start finish'>a</Conference>"
            "</Dial></Response>",
            "Response/Dial/Conference: statusCallbackEvent='start finish' must be",
        ),
        (
            "<Response><Dial><Number statusCallbackEvent='answered busy'>+6281</Number>"
            "</Dial></Response>",
            "Response/Dial/Number: statusCallbackEvent='answered busy'",
        ),
        (
            "<Response><Say voice='Google.en-US-Standard-A' language='id-ID'>hi</Say></Response>",
            "Response/Say: voice='Google.en-US-Standard-A' speaks en-US, not language='id-ID'",
        ),
        ("<Response><Say voice='robot'>hi</Say></Response>", "Response/Say: voice='robot'"),
        ("<Response><Say language='indonesian'>hi</Say></Response>", "language='indonesian'"),
        ("<Response><Say loop='-1'>hi</Say></Response>", "Response/Say: loop='-1'"),
        ("<Response><Say/></Response>", "Response/Say: says nothing"),
        ("<Response><Play loop='2'/></Response>", "Response/Play: plays nothing"),
        ("<Response><Redirect/></Response>", "Response/Redirect: must hold text"),
        (
            "<Response><Redirect>carrier/voice/hold</Redirect></Response>",
            "Response/Redirect: its URL 'carrier/voice/hold' must be an absolute",
        ),
        (
            "<Response><Redirect method='PUT'>https://x.example/h</Redirect></Response>",
            "Response/Redirect: method='PUT' must be one of GET, POST",
        ),
        ("<Response><Dial/></Response>", "Response/Dial: dials no one"),
        (
            "<Response><Dial>+6281<Number>+6282</Number></Dial></Response>",
            "Response/Dial: holds both a number",
        ),
        (
            "<Response><Dial record='yes'>+6281</Dial></Response>",
            "Response/Dial: record='yes'",
        ),
        (
            "<Response><Dial><Conference waitUrl='hold.mp3'>a</Conference></Dial></Response>",
            "Response/Dial/Conference: waitUrl='hold.mp3' must be an absolute",
        ),
        (
            "<Response><Dial><Conference beep='always'>a</Conference></Dial></Response>",
            "beep='always' must be one of true, false, onEnter, onExit",
        ),
        (
            "<Response><Dial><Conference maxParticipants='251'>a</Conference></Dial></Response>",
            "maxParticipants='251' must be an integer from 2 to 250",
        ),
        ("<Response><Dial><Conference/></Dial></Response>", "Conference: must hold text"),
        (
            "<Response><Dial><Number url='answered'>+6281</Number></Dial></Response>",
            "Response/Dial/Number: url='answered' must be an absolute",
        ),
        (
            "<Response><Dial><Client>a<Identity>b</Identity></Client></Dial></Response>",
            "Response/Dial/Client: must name one identity",
        ),
        (
            "<Response><Gather><Dial>+6281</Dial></Gather></Response>",
            "Response/Gather/Dial: <Dial> is not allowed inside <Gather>",
        ),
        (
            "<Response><Gather numDigits='0'><Say>x</Say></Gather></Response>",
            "Response/Gather: numDigits='0'",
        ),
        ("<Response>hello</Response>", "Response: must not hold text"),
        ("<Response><Pause/><Pause length='x'/></Response>", "Response/Pause[2]: length='x'"),
        (
            "<Response><Dial><Sip>sip:a@b.example</Sip></Dial><Refer><Sip>sip:c@d.example</Sip>"
            "</Refer><Refer><Sip url='x'>sip:e@f.example</Sip></Refer></Response>",
            "Response/Refer[2]/Sip: url is not an attribute of <Sip>",
        ),
    ],
)
def test_each_fault_is_named(document: str, expected: str) -> None:
    found = problems(document)
    assert len(found) == 1, found
    assert expected in found[0]
    with pytest.raises(AssertionError, match="not valid TwiML"):
        check(document)


def test_every_fault_of_a_document_is_reported() -> None:
    document = (
        "<Response><Say speed='2'>hi</Say><Pause length='0'/>"
        "<Dial timeout='2' action='/a'>+6281</Dial><Hangup>x</Hangup></Response>"
    )
    assert len(problems(document)) == 5


def test_the_vocabulary_names_every_element_it_nests() -> None:
    nested = set().union(*CHILDREN.values()) | VERBS
    assert nested <= set(ATTRIBUTES), nested - set(ATTRIBUTES)
    assert set(CHILDREN) <= set(ATTRIBUTES)
