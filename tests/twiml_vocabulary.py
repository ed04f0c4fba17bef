"""Twilio's Voice TwiML vocabulary, and a checker that a document keeps to it.

Tests call :func:`check` (or :func:`problems`) on every document the service returns, so
a document Twilio would refuse or misread fails a unit test instead of a live call.

The vocabulary below is plain data. Element names, their nesting and their attribute
names are those of the twilio SDK (``twilio/twiml/voice_response.py``, 9.x); allowed
values are those of Twilio's verb pages (https://www.twilio.com/docs/voice/twiml). The
elements the service writes (Say, Play, Pause, Redirect, Hangup, Reject, Dial, Number,
Client, Sip, Conference, Gather) have every value checked; the others have their
attribute names checked and little more.

One rule is stricter than Twilio: URLs (``action``, ``url``, ``statusCallback``,
``waitUrl`` unless empty, a ``<Redirect>``'s text, …) must be absolute http(s) URLs.
Twilio would resolve a relative one against the document's own URL; the service always
writes absolute URLs, the ones it signs callbacks against.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

Check = Callable[[str], str | None]
"""A value rule: None when the value is allowed, else what the value must be."""


def one_of(*allowed: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in allowed else "must be one of " + ", ".join(allowed)

    return check


def words_of(*allowed: str) -> Check:
    """Space-separated words, each one of ``allowed``."""

    def check(value: str) -> str | None:
        words = value.split()
        if words and all(word in allowed for word in words):
            return None
        return "must be space-separated words among " + " ".join(allowed)

    return check


def integer(low: int, high: int | None = None) -> Check:
    def check(value: str) -> str | None:
        if (
            re.fullmatch(r"[0-9]+", value)
            and low <= int(value)
            and (high is None or int(value) <= high)
        ):
            return None
        return f"must be an integer from {low}" + (f" to {high}" if high is not None else " up")

    return check


def matching(pattern: str, what: str) -> Check:
    def check(value: str) -> str | None:
        return None if re.fullmatch(pattern, value) else f"must be {what}"

    return check


def absolute_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and value.strip() == value:
        return None
    return "must be an absolute http(s) URL"


def absolute_url_or_empty(value: str) -> str | None:
    return None if value == "" else absolute_url(value)


def anything(value: str) -> str | None:
    return None


BOOLEAN = one_of("true", "false")
METHOD = one_of("GET", "POST")
URL = absolute_url
NON_EMPTY = matching(r"(?s).*\S.*", "non-empty")
DIGITS = matching(r"[0-9*#wW]+", "keys 0-9, *, # and w (a half-second pause)")
LANGUAGE = matching(r"[a-z]{2,3}(-[A-Z]{2})?", "a language tag such as id-ID")
CALL_EVENTS = words_of("initiated", "ringing", "answered", "completed")
RECORDING_EVENTS = words_of("in-progress", "completed", "absent")
MACHINE_DETECTION = one_of("Enable", "DetectMessageEnd")

# <Say voice>: the basic voices, Amazon Polly's and Google's; a Google voice names its
# language (Google.id-ID-Standard-A), which a <Say language> must not contradict.
BASIC_VOICES = ("man", "woman", "alice")
POLLY_VOICE = r"Polly\.[^\W\d_]+(-(Neural|Generative|LongForm))?"
GOOGLE_VOICE = r"Google\.(?P<language>[a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9]+(-HD)?-[A-Za-z0-9]+"
VOICE = matching(
    "|".join((*BASIC_VOICES, POLLY_VOICE, GOOGLE_VOICE)),
    "man, woman, alice, Polly.<Name>[-Neural|-Generative|-LongForm]"
    " or Google.<ll-CC>-<Model>-<Name>",
)


def tags(words: str) -> frozenset[str]:
    return frozenset(words.split())


# The verbs a <Response> may hold, the nouns of a <Dial>, the SSML of a <Say>.
VERBS = tags(
    "Say Play Pause Redirect Hangup Reject Dial Gather Record Enqueue Leave Connect Refer"
    " Pay Sms Start Stop Echo"
)
DIAL_NOUNS = tags("Number Client Sip Conference Queue Sim Application WhatsApp")
SSML = tags("break emphasis lang p phoneme prosody s say-as sub w")

# The elements each element may hold, by name; "Parent/Name" where a name means another
# element under that parent (Refer's <Sip> is not Dial's). Absent: no child elements.
CHILDREN: Mapping[str, frozenset[str]] = {
    "Response": VERBS,
    "Dial": DIAL_NOUNS,
    "Client": tags("Identity Parameter"),
    "Sip": tags("Uri Headers"),
    "Headers": tags("Header"),
    "Application": tags("ApplicationSid Parameter"),
    "Gather": tags("Say Play Pause"),
    "Say": SSML,
    "emphasis": SSML - {"p", "s"},
    "lang": SSML,
    "p": SSML - {"p"},
    "prosody": SSML,
    "s": SSML - {"p", "s"},
    "w": tags("break emphasis phoneme prosody say-as sub"),
    "Hangup": tags("Parameter"),
    "Reject": tags("Parameter"),
    "Pay": tags("Prompt Parameter"),
    "Prompt": tags("Say Play Pause"),
    "Enqueue": tags("Task"),
    "Refer": tags("Sip"),
    "Connect": tags(
        "Room Autopilot Stream VirtualAgent Conversation ConversationRelay AiSession"
        " ConversationRelaySession"
    ),
    "ConversationRelay": tags("Language Parameter"),
    "VirtualAgent": tags("Config Parameter"),
    "Start": tags("Stream Siprec Transcription Recording"),
    "Stop": tags("Stream Siprec Transcription"),
    "Stream": tags("Parameter"),
    "Siprec": tags("Parameter"),
    "Transcription": tags("Config Parameter"),
}

# The elements that may hold text (beside any children); NEEDS_TEXT, those that must.
# Any other (<Hangup>, <Pause>, <Response> itself…) holds no text, only whitespace.
HOLDS_TEXT = tags(
    "Say Play Redirect Dial Number Client Identity Sip Uri Conference Queue Sim"
    " Application ApplicationSid WhatsApp Sms Enqueue Task Room Autopilot Refer/Sip"
) | (SSML - {"break"})
NEEDS_TEXT = tags(
    "Redirect Number Identity Uri Conference Queue Sim ApplicationSid WhatsApp Sms Task"
    " Room Refer/Sip phoneme say-as sub"
)

# The statusCallback* trio of the dialled nouns, and answering-machine detection.
CALL_CALLBACKS: Mapping[str, Check] = {
    "url": URL,
    "method": METHOD,
    "statusCallback": URL,
    "statusCallbackMethod": METHOD,
    "statusCallbackEvent": CALL_EVENTS,
}
AMD: Mapping[str, Check] = {
    "machineDetection": MACHINE_DETECTION,
    "machineDetectionTimeout": integer(3, 60),
    "machineDetectionSpeechThreshold": integer(1000, 6000),
    "machineDetectionSpeechEndThreshold": integer(500, 5000),
    "machineDetectionSilenceTimeout": integer(2000, 10000),
    "amdStatusCallback": URL,
    "amdStatusCallbackMethod": METHOD,
}


def names(attributes: str) -> dict[str, Check]:
    """Attributes known by name only (space-separated): any value, but a ``…Method``
    is GET or POST."""
    return {name: METHOD if name.endswith("Method") else anything for name in attributes.split()}


# Every element's attributes (camelCase, as in the XML) and their allowed values.
ATTRIBUTES: Mapping[str, Mapping[str, Check]] = {
    "Response": {},
    "Say": {"voice": VOICE, "language": LANGUAGE, "loop": integer(0)},
    "Play": {"loop": integer(0), "digits": DIGITS},
    "Pause": {"length": integer(1)},
    "Redirect": {"method": METHOD},
    "Hangup": {},
    "Reject": {"reason": one_of("rejected", "busy")},
    "Dial": {
        "action": URL,
        "method": METHOD,
        "timeout": integer(5, 600),
        "timeLimit": integer(1),
        "hangupOnStar": BOOLEAN,
        "callerId": NON_EMPTY,
        "record": one_of(
            "do-not-record",
            "record-from-answer",
            "record-from-ringing",
            "record-from-answer-dual",
            "record-from-ringing-dual",
            "true",  # the old spelling of record-from-answer (error 13217)
            "false",  # of do-not-record
        ),
        "trim": one_of("trim-silence", "do-not-trim"),
        "recordingStatusCallback": URL,
        "recordingStatusCallbackMethod": METHOD,
        "recordingStatusCallbackEvent": RECORDING_EVENTS,
        "recordingConfigurationId": anything,
        "recordingTrack": one_of("both", "inbound", "outbound"),
        "answerOnBridge": BOOLEAN,
        "ringTone": matching(r"[a-z]{2}(-old)?", "a country code such as id or us-old"),
        "sequential": BOOLEAN,
        "referUrl": URL,
        "referMethod": METHOD,
        "events": anything,
        "passports": anything,
    },
    "Number": {
        "sendDigits": DIGITS,
        "byoc": matching(r"BY[0-9a-f]{32}", "a BYOC trunk SID (BY…)"),
        **CALL_CALLBACKS,
        **AMD,
    },
    "Client": dict(CALL_CALLBACKS),
    "Identity": {},
    "Sip": {"username": anything, "password": anything, **CALL_CALLBACKS, **AMD},
    "Uri": {"priority": integer(0), "weight": integer(0), **names("username password")},
    "Headers": {},
    "Header": names("name value"),
    "Conference": {
        "muted": BOOLEAN,
        "beep": one_of("true", "false", "onEnter", "onExit"),
        "startConferenceOnEnter": BOOLEAN,
        "endConferenceOnExit": BOOLEAN,
        "waitUrl": absolute_url_or_empty,  # empty: no hold music
        "waitMethod": METHOD,
        "maxParticipants": integer(2, 250),
        "record": one_of("do-not-record", "record-from-start"),
        "recordingConfigurationId": anything,
        "region": matching(r"[a-z]{2}[0-9]", "a region such as us1 or sg1"),
        "coach": matching(r"CA[0-9a-f]{32}", "the call SID (CA…) of the participant coached"),
        "trim": one_of("trim-silence", "do-not-trim", "true", "false"),  # error 13239
        "participantLabel": NON_EMPTY,
        "jitterBufferSize": one_of("large", "medium", "small", "off"),
        "eventCallbackUrl": URL,
        "statusCallback": URL,
        "statusCallbackMethod": METHOD,
        "statusCallbackEvent": words_of(
            "start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"
        ),
        "recordingStatusCallback": URL,
        "recordingStatusCallbackMethod": METHOD,
        "recordingStatusCallbackEvent": RECORDING_EVENTS,
    },
    "Queue": {"url": URL, "method": METHOD, **names("reservationSid postWorkActivitySid")},
    "Sim": {},
    "Application": {**CALL_CALLBACKS, **names("customerId copyParentTo")},
    "ApplicationSid": {},
    "WhatsApp": dict(CALL_CALLBACKS),
    "Parameter": names("name value"),
    "Gather": {
        "input": words_of("dtmf", "speech"),
        "action": URL,
        "method": METHOD,
        "timeout": integer(1),
        "speechTimeout": matching(r"auto|[0-9]+", "auto or a whole number of seconds"),
        "maxSpeechTime": integer(1),
        "profanityFilter": BOOLEAN,
        "finishOnKey": matching(r"[0-9#*]?", "one key (0-9, # or *) or empty"),
        "numDigits": integer(1),
        "partialResultCallback": URL,
        "partialResultCallbackMethod": METHOD,
        "language": LANGUAGE,
        "hints": anything,
        "bargeIn": BOOLEAN,
        "debug": BOOLEAN,
        "actionOnEmptyResult": BOOLEAN,
        "speechModel": anything,
        "enhanced": BOOLEAN,
    },
    # SSML inside <Say> (the text to speak is the element's text, not an attribute).
    "break": {
        "strength": one_of("none", "x-weak", "weak", "medium", "strong", "x-strong"),
        "time": matching(r"[0-9]+(\.[0-9]+)?m?s", "a duration such as 500ms or 2s"),
    },
    "emphasis": {"level": one_of("strong", "moderate", "reduced")},
    "lang": {"xml:lang": LANGUAGE},
    "p": {},
    "phoneme": names("alphabet ph"),
    "prosody": names("volume rate pitch"),
    "s": {},
    "say-as": names("interpret-as format"),
    "sub": names("alias"),
    "w": names("role"),
    # The verbs and nouns the service does not write: attribute names only.
    "Record": {
        "action": URL,
        "recordingStatusCallback": URL,
        "transcribeCallback": URL,
        **names(
            "method timeout finishOnKey maxLength playBeep trim recordingStatusCallbackMethod"
            " recordingStatusCallbackEvent transcribe recordingConfigurationId"
        ),
    },
    "Enqueue": {
        "action": URL,
        **names("maxQueueSize method waitUrl waitUrlMethod workflowSid"),
    },
    "Task": names("priority timeout"),
    "Leave": {},
    "Echo": {},
    "Sms": {"action": URL, "statusCallback": URL, **names("to from method")},
    "Refer": {"action": URL, "method": METHOD},
    "Refer/Sip": {},
    "Pay": names(
        "input action bankAccountType statusCallback statusCallbackMethod timeout"
        " maxAttempts securityCode postalCode minPostalCodeLength paymentConnector"
        " paymentMethod tokenType chargeAmount currency description validCardTypes"
        " language"
    ),
    "Prompt": names("for errorType cardType attempt requireMatchingInputs"),
    "Connect": {"action": URL, "method": METHOD},
    "Room": names("participantIdentity"),
    "Autopilot": {},
    "Stream": names(
        "name connectorName url track statusCallback statusCallbackMethod audioFormat sampleRate"
    ),
    "Siprec": names("name connectorName track statusCallback statusCallbackMethod"),
    "Transcription": names(
        "name track statusCallbackUrl statusCallbackMethod inboundTrackLabel"
        " outboundTrackLabel partialResults languageCode transcriptionEngine"
        " profanityFilter speechModel hints enableAutomaticPunctuation intelligenceService"
    ),
    "Recording": names(
        "recordingStatusCallback recordingStatusCallbackMethod"
        " recordingStatusCallbackEvent trim track channels recordingConfigurationId"
    ),
    "Config": names("name value"),
    "Start": {"action": URL, "method": METHOD},
    "Stop": {},
    "VirtualAgent": names(
        "connectorName language sentimentAnalysis statusCallback statusCallbackMethod"
    ),
    "Conversation": names(
        "serviceInstanceSid inboundAutocreation routingAssignmentTimeout inboundTimeout"
        " url method record trim recordingStatusCallback recordingStatusCallbackMethod"
        " recordingStatusCallbackEvent statusCallback statusCallbackMethod"
        " statusCallbackEvent"
    ),
    "ConversationRelay": names(
        "url language ttsLanguage transcriptionLanguage ttsProvider voice"
        " transcriptionProvider speechModel profanityFilter dtmfDetection welcomeGreeting"
        " partialPrompts welcomeGreetingInterruptible interruptible preemptible hints"
        " intelligenceService reportInputDuringAgentSpeech elevenlabsTextNormalization"
        " interruptSensitivity debug backgroundNoiseReduction speechTimeout"
        " deepgramSmartFormat ignoreBackchannel events partialPromptOnHangup"
        " eagerEotThreshold asrSmartFormat ttsTextNormalization"
        " ttsLanguageTextNormalization elevenlabsLanguageTextNormalization includeInPrompt"
        " customerName applicationReconnect echoPromptFiltering turnDetection"
    ),
    "Language": names(
        "code ttsProvider voice transcriptionProvider speechModel hints asrSmartFormat"
        " ttsTextNormalization ttsLanguageTextNormalization"
    ),
    "AiSession": names("aiConnector aiSessionConfiguration"),
    "ConversationRelaySession": names("connector sessionConfiguration"),
}

MAX_NUMBERS = 10  # <Number> nouns dialled at once by one <Dial>
XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def problems(document: str) -> list[str]:
    """Every way ``document`` breaks Twilio's Voice TwiML vocabulary, each as one
    sentence naming the element path and attribute; [] when valid."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        return [f"the document is not well-formed XML: {exc}"]
    if root.tag != "Response":
        return [f"the root element is <{root.tag}>, not <Response>"]
    found: list[str] = []
    _element(root, "Response", "Response", found)
    return found


def check(document: str) -> None:
    """Raise AssertionError listing every problem of ``document``, if it has any."""
    found = problems(document)
    if found:
        raise AssertionError("not valid TwiML:\n" + "\n".join(found))


def _element(element: ET.Element, key: str, path: str, found: list[str]) -> None:
    spec = ATTRIBUTES[key]
    for raw_name, value in element.attrib.items():
        name = raw_name.replace(XML_NS, "xml:")
        rule = spec.get(name)
        if rule is None:
            found.append(f"{path}: {name} is not an attribute of <{element.tag}>")
        elif (wrong := rule(value)) is not None:
            found.append(f"{path}: {name}={value!r} {wrong}")
    text = _text(element)
    if text and key not in HOLDS_TEXT:
        found.append(f"{path}: must not hold text (it holds {text!r})")
    if not text and key in NEEDS_TEXT:
        found.append(f"{path}: must hold text")
    if (rule_of_element := RULES.get(key)) is not None:
        found.extend(f"{path}: {sentence}" for sentence in rule_of_element(element, text))
    allowed = CHILDREN.get(key, frozenset())
    for child in element:
        child_path = f"{path}/{_step(child, element)}"
        if child.tag not in allowed:
            if child.tag in ATTRIBUTES:
                found.append(f"{child_path}: <{child.tag}> is not allowed inside <{element.tag}>")
            else:
                found.append(f"{child_path}: <{child.tag}> is not a TwiML element")
            continue
        child_key = f"{key}/{child.tag}" if f"{key}/{child.tag}" in ATTRIBUTES else child.tag
        _element(child, child_key, child_path, found)


def _text(element: ET.Element) -> str:
    """The element's own text, its children's excluded (their tails included)."""
    pieces = [element.text or "", *(child.tail or "" for child in element)]
    return "".join(pieces).strip()


def _step(child: ET.Element, parent: ET.Element) -> str:
    """``child``'s step in a path: its name, and its place among siblings of that name."""
    same = [sibling for sibling in parent if sibling.tag == child.tag]
    return child.tag if len(same) == 1 else f"{child.tag}[{same.index(child) + 1}]"


# Rules about an element as a whole: (element, its own text) -> sentences.
def _say(element: ET.Element, text: str) -> list[str]:
    found = [] if text or len(element) else ["says nothing (no text, no SSML)"]
    voice = re.fullmatch(GOOGLE_VOICE, element.get("voice", ""))
    language = element.get("language")
    if voice and language and voice["language"].lower() != language.lower():
        found.append(
            f"voice={element.get('voice')!r} speaks {voice['language']}, not language={language!r}"
        )
    return found


def _play(element: ET.Element, text: str) -> list[str]:
    if text or element.get("digits"):
        return []
    return ["plays nothing (no media URL as text, no digits)"]


def _redirect(element: ET.Element, text: str) -> list[str]:
    wrong = absolute_url(text) if text else None
    return [] if wrong is None else [f"its URL {text!r} {wrong}"]


def _dial(element: ET.Element, text: str) -> list[str]:
    nouns = [child.tag for child in element]
    found = []
    if text and nouns:
        found.append(f"holds both a number ({text!r}) and nouns ({', '.join(nouns)})")
    if not text and not nouns:
        found.append("dials no one (no number as text, no noun)")
    rooms = sum(tag in ("Conference", "Queue") for tag in nouns)
    if rooms > 1:
        found.append(f"holds {rooms} <Conference>/<Queue> nouns; at most one")
    if nouns.count("Number") > MAX_NUMBERS:
        found.append(f"holds {nouns.count('Number')} <Number> nouns; at most {MAX_NUMBERS}")
    return found


def _client(element: ET.Element, text: str) -> list[str]:
    identities = sum(child.tag == "Identity" for child in element)
    if (1 if text else 0) + identities != 1:
        return ["must name one identity: as its text or as one <Identity>, not both"]
    return []


RULES: Mapping[str, Callable[[ET.Element, str], list[str]]] = {
    "Say": _say,
    "Play": _play,
    "Redirect": _redirect,
    "Dial": _dial,
    "Client": _client,
}
