"""Settings, read once at the entry point from ``DIALER_*`` environment variables.

``DATABASE_URL`` (no prefix, the usual name) selects a PostgreSQL server; when it is
unset the command line starts a private server under ``DIALER_HOME`` (``.dialer/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable; nothing else reads ``os.environ``."""

    model_config = SettingsConfigDict(env_prefix="DIALER_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DIALER_DATABASE_URL")
    )
    home: Path = Path(".dialer")
    host: str = "127.0.0.1"
    port: int = 8080
    # `dialer serve` runs this many processes on the port (SO_REUSEPORT), each a node
    # of its own: one event loop uses one core.
    workers: int = 1
    public_url: str = "http://127.0.0.1:8080"
    log_level: str = "INFO"
    log_format: str = "json"  # json | console
    pool_min_size: int = 2
    pool_max_size: int = 10
    # Upload limits: a list may be millions of rows, so the cap is generous.
    max_upload_bytes: int = 2 * 1024**3
    import_chunk_rows: int = 5000
    # Sessions issued by /api/auth/login live this long.
    session_ttl_hours: int = 12
    # Greeting hours (DOMAIN.md): pagi before 11:00, siang to 14:59, sore to 18:29.
    # The pages' language: Indonesian labels by default, or English.
    ui_language: Literal["id", "en"] = "id"
    greeting_siang_from: str = "11:00"
    greeting_sore_from: str = "15:00"
    greeting_malam_from: str = "18:30"
    # Bill figures: the list and the payments table, or this billing API when set
    # (GET {url}/bills/{indihome_number}?bill_month=YYYY-MM; see dialer/billing/source.py).
    billing_url: str | None = None
    billing_timeout_seconds: float = 1.0
    # How often a node expires vouchers past their expiry and lapses held ones.
    voucher_sweep_seconds: float = 60.0
    # WhatsApp: messages a second for the account (shared by every node), tries before a
    # send is given up, and when a send a node never reported back is tried again.
    messages_per_second: float = 20.0
    message_max_tries: int = 5
    message_stuck_seconds: float = 300.0
    # The partner's redemption callbacks: the shared secret they are signed with, and
    # how far their timestamp may be from now.
    partner_secret: SecretStr = SecretStr("partner-demo-secret")
    partner_tolerance_seconds: float = 300.0
    # make run / dialer demo: a simulated partner redeems this share of the vouchers
    # that reached WhatsApp (0: none).
    simulated_partner_odds: float = 0.0
    # Bot agents (make run, dialer demo): this many take the calls of bot_campaign,
    # recording outcomes by these odds ("pays_via_bukalapak=30,already_paid=12,...")
    # after talking a random time in this range (seconds of the node's clock).
    bot_agents: int = 0
    bot_campaign: str | None = None
    bot_outcomes: str | None = None
    bot_talk_seconds: tuple[float, float] = (40.0, 150.0)
    # Twilio: with both set, calls go through Twilio; otherwise through the simulator.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None  # the caller id, E.164
    twilio_api_base: str = "https://api.twilio.com"  # tests point it at a local fake
    twilio_timeout_seconds: float = 15.0  # one request to Twilio's REST API
    # A provider's 429/5xx is retried this many times, waiting base × 2^n (jittered).
    carrier_max_retries: int = 4
    carrier_backoff_seconds: float = 0.5
    carrier_backoff_max_seconds: float = 8.0
    # Calls per second for the whole account, shared by every node (token bucket in
    # PostgreSQL). Twilio's default is 1; raise it to match the account.
    calls_per_second: float = 1.0
    # The simulated carrier signs its callbacks with this token (no Twilio account).
    simulator_auth_token: SecretStr = SecretStr("simulator-auth-token")
    simulator_calls_per_second: float = 50.0
    # The simulator's odds ("human=45,machine=10,busy=15,no_answer=20,failed=10") and
    # how much faster than real time its calls run.
    simulator_odds: str | None = None
    simulator_speed: float = 1.0
    # The dialer's tick, and when a live attempt with no news is reconciled.
    tick_seconds: float = 1.0
    reconcile_seconds: float = 30.0
    stale_attempt_seconds: int = 180
    # The abandon guard looks at answered calls over this rolling window.
    abandon_window_minutes: int = 30
    # ... and judges the rate only once this many calls were answered in the window.
    abandon_min_answered: int = 20
    # This node's name in the attempts it places (default: host and process id).
    node_name: str | None = None
    # Calls placed at once by one node, and the caller id when Twilio has none set.
    place_concurrency: int = 10
    simulator_caller_id: str = "+622150000000"
    campaigns_dir: Path = Path("campaigns")
    scripts_dir: Path = Path("scripts")

    @property
    def embedded(self) -> bool:
        """True when no server was named, so the command line runs its own."""
        return not self.database_url
