"""Settings, read once at the entry point from ``DIALER_*`` environment variables.

Settings come in sections, one per part of the product, and each component is handed
only its section (the pacer its ``pacing``, the WhatsApp sender its ``whatsapp`` …).
A section's variable is ``DIALER_<SECTION>__<NAME>``: ``DIALER_TWILIO__ACCOUNT_SID``,
``DIALER_PACING__TICK_SECONDS``. ``DATABASE_URL`` (no prefix, the usual name) selects a
PostgreSQL server; when it is unset the command line starts a private server under
``DIALER_HOME`` (``.dialer/``).

:meth:`Settings.from_environment` refuses a ``DIALER_`` variable it does not know — a
misspelt or old-style name (``DIALER_TWILIO_ACCOUNT_SID``) would otherwise be ignored,
and a deployment meant for Twilio would quietly dial the simulator. ``dialer config``
prints every variable with its default and meaning (the README's list is that output).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PREFIX = "DIALER_"
NESTED = "__"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Section):
    """The PostgreSQL server every node shares."""

    url: str | None = Field(
        default=None, description="a PostgreSQL URL; unset: the command line starts its own server"
    )
    pool_min_size: int = Field(default=2, ge=1, description="connections each node keeps open")
    pool_max_size: int = Field(default=10, ge=1, description="connections each node opens at most")


class ServerSettings(Section):
    """The HTTP service of one node."""

    host: str = Field(default="127.0.0.1", description="the address `dialer serve` listens on")
    port: int = Field(default=8080, ge=1, le=65535, description="the port it listens on")
    workers: int = Field(
        default=1, ge=1, description="processes `dialer serve` runs on its port, each a node"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="the URL the providers reach this service at (callbacks are signed over it)",
    )
    node_name: str | None = Field(
        default=None, description="this node's name in the attempts it places (default: host:pid)"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: Literal["json", "console"] = Field(
        default="json", description="json (one object a line) or console; numbers always masked"
    )
    max_upload_bytes: int = Field(
        default=200 * 1024**2, ge=1, description="the largest upload taken (200 MiB)"
    )
    import_chunk_rows: int = Field(
        default=5000, ge=1, description="rows a target list is validated and stored in at a time"
    )
    session_ttl_hours: int = Field(default=12, ge=1, description="how long a login session lasts")
    api_token_ttl_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="how long an API token lasts at most (one may be minted with a shorter life)",
    )
    trusted_proxies: str = Field(
        default="",
        description="the reverse proxies (addresses or CIDR networks, comma-separated) whose"
        " X-Forwarded-For names the client; unset: the connection's peer is the client",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in _parts(value):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"{part!r} is not an address or network: {exc}") from exc
        return value

    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The trusted proxies' networks (an address is a network of one)."""
        return tuple(ipaddress.ip_network(p, strict=False) for p in _parts(self.trusted_proxies))


def _parts(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class ImportSettings(Section):
    """What one uploaded file may cost: its size unpacked, its rows, its time."""

    max_seconds: float = Field(
        default=600.0,
        gt=0,
        description="an import (target list, DNC, payments, codes, redemptions) still running"
        " after this long is stopped, nothing kept",
    )
    xlsx_max_unpacked_bytes: int = Field(
        default=1024**3, ge=1, description="an XLSX workbook's parts read, unpacked, at most"
    )
    xlsx_max_shared_strings: int = Field(
        default=1_000_000, ge=1, description="the distinct texts an XLSX workbook may hold"
    )
    xlsx_max_rows: int = Field(
        default=1_048_576, ge=1, description="the rows an XLSX sheet may have (Excel's most)"
    )
    xlsx_max_columns: int = Field(
        default=1000, ge=1, description="the columns an XLSX sheet's values may reach"
    )


class LoginSettings(Section):
    """Login throttling: failures counted per username and per client address, shared by
    every node; past a limit, logins are refused (429) until the lockout ends."""

    max_failures_per_user: int = Field(
        default=5, ge=1, description="failed logins of one username within the window"
    )
    max_failures_per_address: int = Field(
        default=20, ge=1, description="failed logins from one client address within the window"
    )
    window_seconds: int = Field(default=900, ge=1, description="the window failures count in")
    lockout_seconds: int = Field(
        default=900, ge=1, description="how long a username or address past its limit is refused"
    )


class UiSettings(Section):
    """What people read: their language and the script's greeting hours."""

    language: Literal["id", "en"] = Field(
        default="id",
        description="the language of the pages, errors and command line, unless a request"
        " asks (?lang=): id (Indonesian) or en (English)",
    )
    greeting_siang_from: str = Field(
        default="11:00", description="the customer's local time 'Selamat siang' starts"
    )
    greeting_sore_from: str = Field(default="15:00", description="… 'Selamat sore' starts")
    greeting_malam_from: str = Field(default="18:30", description="… 'Selamat malam' starts")


class BillingSettings(Section):
    """Where the screen-pop's bill figures come from, and who says a bill is paid before
    it is dialled."""

    url: str | None = Field(
        default=None,
        description="a billing API (GET {url}/bills/{indihome}?bill_month=YYYY-MM), also"
        " asked before targets are dialled; unset: the list's bill columns and the"
        " payments billing reported",
    )
    timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how long a pop, or a claimed batch before dialling, waits for the"
        " billing API (then: the list's figures; dialled as before)",
    )


class PacingSettings(Section):
    """The dialer's tick, the abandon guard and the reconciler."""

    tick_seconds: float = Field(default=1.0, gt=0, description="how often each node paces")
    place_concurrency: int = Field(default=10, ge=1, description="calls one node places at once")
    reconcile_seconds: float = Field(
        default=30.0, gt=0, description="how often a node reconciles what a crash left behind"
    )
    stale_attempt_seconds: int = Field(
        default=180, ge=1, description="a live call with no news this long is asked about"
    )
    heartbeat_seconds: float = Field(
        default=1.0, gt=0, description="how often a node tells the others it is alive"
    )
    node_lock_grace_seconds: float = Field(
        default=2.0, ge=0, description="a node whose liveness lock is gone is dead this soon"
    )
    node_lease_seconds: float = Field(
        default=6.0, gt=0, description="a node silent this long (hung) is judged dead"
    )
    failover_seconds: float = Field(
        default=1.0, gt=0, description="how often a node looks for dead nodes' calls"
    )
    abandon_window_minutes: int = Field(
        default=60,
        ge=1,
        description="the abandon guard and predictive pacing look back this far (a rolling hour)",
    )
    abandon_min_answered: int = Field(
        default=20, ge=0, description="… and judges only once this many calls were answered"
    )


class TwilioSettings(Section):
    """A Twilio account: calls and WhatsApp go through it when both credentials are set."""

    account_sid: str | None = Field(default=None, description="the account's SID (AC…)")
    auth_token: SecretStr | None = Field(default=None, description="the account's auth token")
    from_number: str | None = Field(default=None, description="the caller id, E.164")
    api_base: str = Field(default="https://api.twilio.com", description="Twilio's REST API")
    timeout_seconds: float = Field(default=15.0, gt=0, description="one request to Twilio's API")
    max_retries: int = Field(
        default=4, ge=0, description="tries again after a 429/5xx/network error"
    )
    backoff_seconds: float = Field(
        default=0.5, gt=0, description="first wait between tries (doubles)"
    )
    backoff_max_seconds: float = Field(default=8.0, gt=0, description="longest wait between tries")
    calls_per_second: float = Field(
        default=1.0, gt=0, description="the account's calls per second, shared by every node"
    )
    softphones: bool = Field(
        default=True,
        description="agents may use the browser softphone (needs the API key and TwiML App)",
    )
    api_key: str | None = Field(
        default=None, description="an API key's SID (SK…), to sign the softphones' tokens"
    )
    api_secret: SecretStr | None = Field(default=None, description="that API key's secret")
    twiml_app_sid: str | None = Field(
        default=None,
        description="the TwiML App (AP…) whose voice URL is <public URL>/carrier/voice/agent",
    )
    token_seconds: int = Field(
        default=3600, ge=60, le=86400, description="a softphone's token lasts this long"
    )

    @property
    def configured(self) -> bool:
        """Whether calls and messages go through Twilio (else through the simulators)."""
        return bool(self.account_sid and self.auth_token)


class WhatsAppSettings(Section):
    """The voucher's WhatsApp messages."""

    messages_per_second: float = Field(
        default=20.0, gt=0, description="the account's messages per second, shared by every node"
    )
    max_tries: int = Field(default=5, ge=1, description="sends before a message is given up")
    backoff_seconds: float = Field(
        default=0.5, gt=0, description="first wait before a resend (doubles)"
    )
    stuck_seconds: float = Field(
        default=300.0, gt=0, description="a send no node reported back is tried again after this"
    )


class VoucherSettings(Section):
    sweep_seconds: float = Field(
        default=60.0, gt=0, description="how often vouchers past their expiry or hold are closed"
    )


class PartnerSettings(Section):
    """The voucher partner's redemption callbacks."""

    secret: SecretStr | None = Field(
        default=None,
        description="the shared secret they are signed with (`dialer serve` needs it;"
        " only `dialer run` and `dialer demo` have a demo one)",
    )
    tolerance_seconds: float = Field(
        default=300.0, gt=0, description="how far their timestamp may be from now"
    )


class SimulatorSettings(Section):
    """The simulated carrier, WhatsApp and partner (no Twilio credentials)."""

    auth_token: SecretStr | None = Field(
        default=None,
        description="what the simulators sign with; set, with no Twilio account, `dialer"
        " serve` runs on the simulators (only `dialer run` and `dialer demo` have a demo one)",
    )
    calls_per_second: float = Field(default=50.0, gt=0, description="the simulated account's limit")
    odds: str | None = Field(
        default=None,
        description="call fates, e.g. human=45,machine=10,busy=15,no_answer=20,failed=10",
    )
    profile: Path | None = Field(
        default=None,
        description="how simulated customers behave (TOML: odds by local hour, ring and talk"
        " times as distributions; docs/simulation.md); the odds setting, when set, replaces"
        " its odds at every hour",
    )
    seed: int | None = Field(
        default=None,
        description="seeds the simulated customers' draws (each call its own), so runs compare",
    )
    speed: float = Field(default=1.0, gt=0, description="how much faster than real time calls run")
    caller_id: str = Field(default="+622150000000", description="the simulated caller id")
    partner_odds: float = Field(
        default=0.0, ge=0, le=1, description="share of delivered vouchers the partner redeems"
    )


class PauseReason(Section):
    """A reason an agent gives for a break: its code (kept with the agent's state
    changes, reported) and its label in each language."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    id: str = Field(min_length=1, description="the label in Indonesian")
    en: str = Field(min_length=1, description="the label in English")


PAUSE_REASONS = (
    PauseReason(code="istirahat", id="Istirahat", en="Break"),
    PauseReason(code="makan", id="Makan", en="Meal"),
    PauseReason(code="rapat", id="Rapat", en="Meeting"),
    PauseReason(code="pelatihan", id="Pelatihan", en="Training"),
    PauseReason(code="toilet", id="Toilet", en="Restroom"),
)


class AgentSettings(Section):
    """The agents' console: the reasons they may give for a break."""

    pause_reasons: tuple[PauseReason, ...] = Field(
        default=PAUSE_REASONS,
        min_length=1,
        description='the not-ready reasons, JSON: [{"code": "makan", "id": "Makan",'
        ' "en": "Meal"}, …]',
    )

    def pause_words(self, language: str) -> dict[str, str]:
        """Each break reason's code to its words in ``language`` (Indonesian unless en)."""
        return {r.code: r.en if language == "en" else r.id for r in self.pause_reasons}


class BotSettings(Section):
    """Bot agents (`make run`, `dialer demo`) that take calls beside people."""

    agents: int = Field(default=0, ge=0, description="how many")
    campaign: str | None = Field(default=None, description="the campaign they work")
    outcomes: str | None = Field(
        default=None, description="outcome odds, e.g. pays_via_bukalapak=30,already_paid=12"
    )
    talk_seconds: tuple[float, float] = Field(
        default=(40.0, 150.0), description="how long a bot talks, by the node's clock"
    )


class MetricsSettings(Section):
    """``/metrics``, for Prometheus."""

    token: SecretStr | None = Field(
        default=None,
        description="the bearer token a scraper sends to /metrics; unset: /metrics is refused",
    )
    directory: Path | None = Field(
        default=None,
        description="where the worker processes of `dialer serve --workers N` keep their"
        " latency histograms (emptied at start); unset: a temporary directory",
    )

    @field_validator("token")
    @classmethod
    def _empty_is_unset(cls, token: SecretStr | None) -> SecretStr | None:
        """An empty token (``DIALER_METRICS__TOKEN=``) is none: it would let anyone in."""
        return token if token is not None and token.get_secret_value() else None


SECTIONS: dict[str, type[Section]] = {
    "database": DatabaseSettings,
    "server": ServerSettings,
    "imports": ImportSettings,
    "login": LoginSettings,
    "ui": UiSettings,
    "billing": BillingSettings,
    "pacing": PacingSettings,
    "twilio": TwilioSettings,
    "whatsapp": WhatsAppSettings,
    "vouchers": VoucherSettings,
    "partner": PartnerSettings,
    "simulator": SimulatorSettings,
    "bots": BotSettings,
    "metrics": MetricsSettings,
    "agents": AgentSettings,
}


class _DatabaseUrl(PydanticBaseSettingsSource):
    """``DATABASE_URL``, the name every PostgreSQL tool uses, as ``database.url``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        url = os.environ.get("DATABASE_URL")
        return {"database": {"url": url}} if url else {}


class Settings(BaseSettings):
    """Everything configurable; nothing else reads ``os.environ``."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_nested_delimiter=NESTED, extra="forbid", frozen=True
    )

    home: Path = Field(
        default=Path(".dialer"), description="the embedded server's and demo's files"
    )
    campaigns_dir: Path = Field(
        default=Path("campaigns"), description="campaign definitions (TOML)"
    )
    scripts_dir: Path = Field(default=Path("scripts"), description="call scripts and guides (YAML)")
    new_password: SecretStr | None = Field(
        default=None, description="the password `dialer users create` gives (asked when unset)"
    )
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()
    imports: ImportSettings = ImportSettings()
    login: LoginSettings = LoginSettings()
    ui: UiSettings = UiSettings()
    billing: BillingSettings = BillingSettings()
    pacing: PacingSettings = PacingSettings()
    twilio: TwilioSettings = TwilioSettings()
    whatsapp: WhatsAppSettings = WhatsAppSettings()
    vouchers: VoucherSettings = VoucherSettings()
    partner: PartnerSettings = PartnerSettings()
    simulator: SimulatorSettings = SimulatorSettings()
    bots: BotSettings = BotSettings()
    metrics: MetricsSettings = MetricsSettings()
    agents: AgentSettings = AgentSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _DatabaseUrl(settings_cls)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of this process; a ``DIALER_`` variable it does not know is an
        error that names it (and the variable meant, when it can tell)."""
        names = os.environ if environ is None else environ
        unknown = sorted(n for n in names if n.startswith(PREFIX) and n not in KNOWN)
        if unknown:
            raise ValueError("; ".join(_unknown(name) for name in unknown))
        try:
            return cls()
        except ValidationError as exc:
            # One line naming each variable at fault (pydantic's own report is several).
            raise ValueError("; ".join(_invalid(error) for error in exc.errors())) from None

    @property
    def embedded(self) -> bool:
        """True when no server was named, so the command line runs its own."""
        return not self.database.url

    def missing_secrets(self) -> list[str]:
        """The secrets ``dialer serve`` will not do without (there are no defaults: a
        default secret is public, being in the source): the partner's, and either a
        Twilio account or the simulators' token."""
        missing = []
        if not self.partner.secret:  # unset or empty (compose passes "" for unset)
            missing.append("DIALER_PARTNER__SECRET (the voucher partner's signing secret)")
        twilio = self.twilio
        if not (twilio.account_sid or twilio.auth_token) and not self.simulator.auth_token:
            missing.append(
                "DIALER_TWILIO__ACCOUNT_SID and DIALER_TWILIO__AUTH_TOKEN (or, to run on the"
                " simulators, DIALER_SIMULATOR__AUTH_TOKEN)"
            )
        return missing

    def deployment_problems(self) -> list[str]:
        """What keeps this configuration from working with a real provider, each said
        plainly (``dialer serve`` and ``dialer run`` refuse to start on any): half a
        Twilio account, no caller id, a public URL Twilio cannot call back."""
        twilio, problems = self.twilio, []
        if bool(twilio.account_sid) != bool(twilio.auth_token):
            given, missing = (
                ("ACCOUNT_SID", "AUTH_TOKEN")
                if twilio.account_sid
                else ("AUTH_TOKEN", "ACCOUNT_SID")
            )
            problems.append(
                f"DIALER_TWILIO__{given} is set but DIALER_TWILIO__{missing} is not: set both"
                " to call through Twilio, or neither for the simulator"
            )
        if not twilio.configured:
            return problems
        if not twilio.from_number:
            problems.append(
                "DIALER_TWILIO__FROM_NUMBER is unset: Twilio calls need the account's number"
                " as their caller id (E.164, +62…)"
            )
        elif not _E164.match(twilio.from_number):
            problems.append(
                f"DIALER_TWILIO__FROM_NUMBER {twilio.from_number!r} is not an E.164 number"
                " (+ and 8 to 15 digits)"
            )
        if twilio.softphones:
            unset = [
                f"DIALER_TWILIO__{name.upper()}"
                for name in ("api_key", "api_secret", "twiml_app_sid")
                if not getattr(twilio, name)
            ]
            if unset:
                problems.append(
                    f"{', '.join(unset)} unset: the agents' browser softphones need an API"
                    " key and secret (to sign their tokens) and a TwiML App whose voice URL is"
                    " <public URL>/carrier/voice/agent; or set DIALER_TWILIO__SOFTPHONES=false"
                    " when every agent uses a SIP address or a phone number"
                )
            if twilio.api_key and not re.match(r"^SK[0-9a-fA-F]{32}$", twilio.api_key):
                problems.append(
                    f"DIALER_TWILIO__API_KEY {twilio.api_key!r} is not an API key SID (SK…)"
                )
            if twilio.twiml_app_sid and not re.match(r"^AP[0-9a-fA-F]{32}$", twilio.twiml_app_sid):
                problems.append(
                    f"DIALER_TWILIO__TWIML_APP_SID {twilio.twiml_app_sid!r} is not a TwiML App SID (AP…)"
                )
        url = urlsplit(self.server.public_url)
        if url.scheme != "https":
            problems.append(
                f"DIALER_SERVER__PUBLIC_URL {self.server.public_url!r} is not https://: Twilio"
                " calls this service back there, and its callbacks must be encrypted"
            )
        if _unreachable(url.hostname or ""):
            problems.append(
                f"DIALER_SERVER__PUBLIC_URL {self.server.public_url!r} names this machine or a"
                " private address: Twilio cannot reach it (give the public name, e.g. behind"
                " the load balancer)"
            )
        return problems

    def amend(self, **sections: Mapping[str, Any]) -> Settings:
        """A copy with some fields of some sections changed:
        ``settings.amend(server={"port": 8081}, simulator={"speed": 10})``."""
        update: dict[str, Any] = {}
        for name, fields in sections.items():
            current = getattr(self, name)
            update[name] = current.model_copy(update=dict(fields))
        return self.model_copy(update=update)


_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def _unreachable(host: str) -> bool:
    """Whether ``host`` is one the internet cannot reach: this machine or a private
    network's address (a name other than localhost is taken as public)."""
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def variables() -> Iterator[tuple[str, str, str]]:
    """Every environment variable: (name, default, what it is), in the model's order."""
    yield "DATABASE_URL", "", "a PostgreSQL URL (same as DIALER_DATABASE__URL)"
    for name, field in Settings.model_fields.items():
        section = SECTIONS.get(name)
        if section is None:
            yield PREFIX + name.upper(), _default(field), field.description or ""
            continue
        for inner, spec in section.model_fields.items():
            env = f"{PREFIX}{name.upper()}{NESTED}{inner.upper()}"
            yield env, _default(spec), spec.description or ""


def _item(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, PauseReason):
        return value.code
    return str(value)


def _default(field: FieldInfo) -> str:
    value = field.default
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, tuple):
        return "[" + ", ".join(_item(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


KNOWN = frozenset(name for name, _, _ in variables() if name.startswith(PREFIX))


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with ``overrides``: for a worker process of its own
    (``dialer serve --workers N``), which reads its settings from it."""
    return dict(os.environ) | overrides


# The flat names of earlier versions, and where each setting went.
RENAMED: dict[str, str] = {
    "DIALER_DATABASE_URL": "DATABASE_URL",
    "DIALER_HOST": "DIALER_SERVER__HOST",
    "DIALER_PORT": "DIALER_SERVER__PORT",
    "DIALER_WORKERS": "DIALER_SERVER__WORKERS",
    "DIALER_PUBLIC_URL": "DIALER_SERVER__PUBLIC_URL",
    "DIALER_LOG_LEVEL": "DIALER_SERVER__LOG_LEVEL",
    "DIALER_LOG_FORMAT": "DIALER_SERVER__LOG_FORMAT",
    "DIALER_POOL_MIN_SIZE": "DIALER_DATABASE__POOL_MIN_SIZE",
    "DIALER_POOL_MAX_SIZE": "DIALER_DATABASE__POOL_MAX_SIZE",
    "DIALER_MAX_UPLOAD_BYTES": "DIALER_SERVER__MAX_UPLOAD_BYTES",
    "DIALER_IMPORT_CHUNK_ROWS": "DIALER_SERVER__IMPORT_CHUNK_ROWS",
    "DIALER_SESSION_TTL_HOURS": "DIALER_SERVER__SESSION_TTL_HOURS",
    "DIALER_UI_LANGUAGE": "DIALER_UI__LANGUAGE",
    "DIALER_GREETING_SIANG_FROM": "DIALER_UI__GREETING_SIANG_FROM",
    "DIALER_GREETING_SORE_FROM": "DIALER_UI__GREETING_SORE_FROM",
    "DIALER_GREETING_MALAM_FROM": "DIALER_UI__GREETING_MALAM_FROM",
    "DIALER_BILLING_URL": "DIALER_BILLING__URL",
    "DIALER_BILLING_TIMEOUT_SECONDS": "DIALER_BILLING__TIMEOUT_SECONDS",
    "DIALER_VOUCHER_SWEEP_SECONDS": "DIALER_VOUCHERS__SWEEP_SECONDS",
    "DIALER_MESSAGES_PER_SECOND": "DIALER_WHATSAPP__MESSAGES_PER_SECOND",
    "DIALER_MESSAGE_MAX_TRIES": "DIALER_WHATSAPP__MAX_TRIES",
    "DIALER_MESSAGE_STUCK_SECONDS": "DIALER_WHATSAPP__STUCK_SECONDS",
    "DIALER_PARTNER_SECRET": "DIALER_PARTNER__SECRET",
    "DIALER_PARTNER_TOLERANCE_SECONDS": "DIALER_PARTNER__TOLERANCE_SECONDS",
    "DIALER_SIMULATED_PARTNER_ODDS": "DIALER_SIMULATOR__PARTNER_ODDS",
    "DIALER_BOT_AGENTS": "DIALER_BOTS__AGENTS",
    "DIALER_BOT_CAMPAIGN": "DIALER_BOTS__CAMPAIGN",
    "DIALER_BOT_OUTCOMES": "DIALER_BOTS__OUTCOMES",
    "DIALER_BOT_TALK_SECONDS": "DIALER_BOTS__TALK_SECONDS",
    "DIALER_TWILIO_ACCOUNT_SID": "DIALER_TWILIO__ACCOUNT_SID",
    "DIALER_TWILIO_AUTH_TOKEN": "DIALER_TWILIO__AUTH_TOKEN",
    "DIALER_TWILIO_FROM_NUMBER": "DIALER_TWILIO__FROM_NUMBER",
    "DIALER_TWILIO_API_BASE": "DIALER_TWILIO__API_BASE",
    "DIALER_TWILIO_TIMEOUT_SECONDS": "DIALER_TWILIO__TIMEOUT_SECONDS",
    "DIALER_CARRIER_MAX_RETRIES": "DIALER_TWILIO__MAX_RETRIES",
    "DIALER_CARRIER_BACKOFF_SECONDS": "DIALER_TWILIO__BACKOFF_SECONDS",
    "DIALER_CARRIER_BACKOFF_MAX_SECONDS": "DIALER_TWILIO__BACKOFF_MAX_SECONDS",
    "DIALER_CALLS_PER_SECOND": "DIALER_TWILIO__CALLS_PER_SECOND",
    "DIALER_SIMULATOR_AUTH_TOKEN": "DIALER_SIMULATOR__AUTH_TOKEN",
    "DIALER_SIMULATOR_CALLS_PER_SECOND": "DIALER_SIMULATOR__CALLS_PER_SECOND",
    "DIALER_SIMULATOR_ODDS": "DIALER_SIMULATOR__ODDS",
    "DIALER_SIMULATOR_SPEED": "DIALER_SIMULATOR__SPEED",
    "DIALER_SIMULATOR_CALLER_ID": "DIALER_SIMULATOR__CALLER_ID",
    "DIALER_TICK_SECONDS": "DIALER_PACING__TICK_SECONDS",
    "DIALER_RECONCILE_SECONDS": "DIALER_PACING__RECONCILE_SECONDS",
    "DIALER_STALE_ATTEMPT_SECONDS": "DIALER_PACING__STALE_ATTEMPT_SECONDS",
    "DIALER_ABANDON_WINDOW_MINUTES": "DIALER_PACING__ABANDON_WINDOW_MINUTES",
    "DIALER_ABANDON_MIN_ANSWERED": "DIALER_PACING__ABANDON_MIN_ANSWERED",
    "DIALER_NODE_NAME": "DIALER_SERVER__NODE_NAME",
    "DIALER_PLACE_CONCURRENCY": "DIALER_PACING__PLACE_CONCURRENCY",
}


def _invalid(error: Any) -> str:
    """``DIALER_SERVER__PORT 'abc': Input should be a valid integer…``"""
    loc = [str(part) for part in error.get("loc", ())]
    if loc[:2] == ["database", "url"]:
        name = "DATABASE_URL"
    else:
        name = PREFIX + NESTED.join(part.upper() for part in loc[:2])
    secret = any(word in name for word in ("SECRET", "TOKEN", "PASSWORD"))
    given = "(hidden)" if secret else repr(error.get("input"))
    return f"{name} {given}: {error.get('msg')}"


def _unknown(name: str) -> str:
    renamed = RENAMED.get(name)
    if renamed is not None:
        return f"{name} is now {renamed}"
    return f"{name} is not a setting (`dialer config` lists them)"
