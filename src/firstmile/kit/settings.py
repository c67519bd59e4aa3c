"""The one settings object. Every value comes from `FIRSTMILE_*` variables or a `.env` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The push services of the browsers in use: Chrome and the other Chromium browsers (FCM),
# Firefox (autopush), Edge (WNS), Safari (Apple). What their subscriptions' endpoints
# start with: https://fcm.googleapis.com/fcm/send/..., https://updates.push.services.
# mozilla.com/wpush/v2/..., https://wns2-par02p.notify.windows.com/w/?token=...,
# https://web.push.apple.com/...
PUSH_SERVICES = (
    "fcm.googleapis.com",
    "*.push.services.mozilla.com",
    "*.notify.windows.com",
    "web.push.apple.com",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIRSTMILE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///firstmile.db",
        description="SQLAlchemy URL: a SQLite file (embedded) or postgresql+psycopg://...",
    )
    data_dir: Path = Field(
        default=Path("firstmile-data"),
        description="Where generated files live: contracts, the demo sealing certificate.",
    )
    pack: str = Field(default="telco", description="Operator pack loaded on first start.")
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where customers reach this installation (links in messages).",
    )
    secret_key: str = Field(
        default="",
        description="Signs links in messages; empty: a key made once in data_dir.",
    )
    db_pool_size: int = 20
    # Test each pooled connection before a request uses it: one more database round trip per
    # request (about a fifth of a simple GET's cost). Off: after a database restart one request
    # per process fails with 503 and the pool reconnects.
    db_pool_pre_ping: bool = False
    # How long a process trusts a verified API token without reading it again. A revocation
    # takes effect at once in the process that revoked it, within this time in the others.
    token_cache_seconds: float = Field(default=5.0, ge=0)
    # Jobs claimed per transaction. 1: each job commits on its own, so its effect (a delivered
    # code, a ready contract) shows at once and SQLite's write lock is never held for a batch.
    worker_batch_size: int = 1
    worker_poll_seconds: float = 0.5
    # New container objects between two collections of the garbage collector's youngest
    # generation in web and worker processes (Python's default: 700; 0 keeps it). See
    # kit/heap.py: with the default, a worker spent 20-35 % of a batch collecting.
    gc_young_threshold: int = Field(default=10_000, ge=0)
    # A worker stops taking jobs from its batch after this long, so due journey steps are
    # not held up behind a backlog of jobs (the rest of the batch stays queued).
    worker_job_budget_seconds: float = Field(default=0.5, gt=0, le=60)
    # How long the answer to a request with an Idempotency-Key is kept to be replayed; a
    # repeat after that runs again (the daily housekeeping deletes older answers).
    idempotency_keep_hours: int = Field(default=72, ge=1, le=24 * 365)
    run_worker_in_process: bool = True
    # Contract sealing: a PKCS#12 file with the operator's certificate; empty = demo certificate.
    sealing_pkcs12_path: Path | None = None
    sealing_pkcs12_password: str = ""
    # Network simulator: how long service orders take and how often they fail.
    simulator_latency_seconds: float = 2.0
    simulator_temporary_failure_rate: float = 0.0
    simulator_permanent_failure_rate: float = 0.0
    # Network adapter for service orders: "simulator" (shipped) or "tmf641" (POST to network_url).
    network_adapter: str = "simulator"
    # The network's TMF641 serviceOrder resource (https://.../tmf-api/serviceOrdering/v4/
    # serviceOrder); cancellations go to its sibling resource, .../cancelServiceOrder.
    network_url: str = ""
    # Sent as 'Authorization: Bearer <token>' to the network's TMF641 API when set; never logged.
    network_token: SecretStr = SecretStr("")
    otp_ttl_seconds: int = 600
    otp_max_attempts: int = 5
    otp_max_per_hour: int = 5
    # Messaging: which adapter delivers each channel. The simulator needs nothing installed.
    messaging_email_adapter: Literal["simulator", "smtp"] = "simulator"
    messaging_sms_adapter: Literal["simulator", "http_gateway", "smpp", "webhook"] = "simulator"
    messaging_push_adapter: Literal["simulator", "webpush", "webhook"] = "simulator"
    # The operator's own delivery system (e.g. its app backend for native push), signed.
    messaging_webhook_url: str = ""
    messaging_webhook_secret: str = ""
    messaging_webhook_timeout_seconds: float = 10.0
    # Journey webhook steps: endpoint name -> URL (JSON, e.g. '{"crm": "https://..."}'),
    # each call signed like the messaging webhook with this secret.
    journeys_webhooks: dict[str, str] = Field(default_factory=dict)
    journeys_webhook_secret: str = ""
    journeys_batch_size: int = Field(default=200, ge=1, le=5000)
    # Web Push (VAPID): a P-256 private key in PEM; empty = one made in data_dir.
    webpush_vapid_private_key_path: Path | None = None
    webpush_vapid_subject: str = "mailto:care@firstmile.invalid"
    webpush_ttl_seconds: int = Field(default=86_400, ge=0, le=2_419_200)
    webpush_timeout_seconds: float = 10.0
    # Push services are https; http endpoints only for local testing.
    webpush_allow_http_endpoints: bool = False
    # The push services a subscription's endpoint may name: host names, "*.example.com" for
    # any name under example.com; comma-separated or a JSON list; empty: any public host.
    messaging_push_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(PUSH_SERVICES)
    )
    # Push endpoints may resolve to loopback and private addresses: only for tests and a
    # local push service, with messaging_push_hosts naming it. Off, an agent could make the
    # worker post to the operator's own network.
    webpush_allow_private_addresses: bool = False
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0
    # How many connections a worker sends a batch's emails over at once.
    smtp_connections: int = Field(default=8, ge=1, le=64)
    # ... and a batch's messages to the SMS gateway or the messaging webhook.
    messaging_http_connections: int = Field(default=8, ge=1, le=64)
    smtp_sender: str = "firstmile <no-reply@firstmile.invalid>"
    smtp_message_id_domain: str = "firstmile.invalid"
    sms_gateway_url: str = ""
    # JSON body; string values may hold {to}, {text}, {sender}, {reference} placeholders.
    sms_gateway_body_template: str = '{"to": "{to}", "text": "{text}", "from": "{sender}"}'
    sms_gateway_token: str = Field(default="", description="Sent as 'Authorization: Bearer'.")
    sms_gateway_timeout_seconds: float = 10.0
    sms_sender: str = "firstmile"
    # SMPP 3.4: the operator's own SMS centre. Messages go over a transmitter bind; the
    # `firstmile messaging smpp-receiver` process holds a receiver bind for delivery receipts.
    smpp_host: str = "localhost"
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_system_type: str = ""
    smpp_timeout_seconds: float = 10.0
    # How many transmitter binds a worker submits a batch's SMS over at once (the SMS
    # centre's account sets how many it allows).
    smpp_binds: int = Field(default=1, ge=1, le=64)
    # Portal and back office: browser sessions and their cookies.
    web_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    web_session_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    # How long a session is kept after its last use (who signed in from where, for a
    # security investigation), then deleted by the daily housekeeping.
    web_session_keep_days: int = Field(default=30, ge=1, le=3650)
    # The Secure flag on cookies: None follows base_url (https -> Secure).
    web_cookie_secure: bool | None = None
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses
    # or networks, comma-separated; "*" for any): behind a load balancer, the client's own
    # address is what the sign-in and sign-up limits count and sessions record.
    forwarded_allow_ips: str = "127.0.0.1"
    log_level: str = "INFO"

    @field_validator("messaging_push_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [host.strip() for host in text.split(",") if host.strip()]
        return value


def load_settings(**overrides: object) -> Settings:
    """Read the environment now (never at import time); keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]


_active: list[Settings] = []


def configure(settings: Settings) -> None:
    """Make `settings` the process's settings (app, worker, CLI or test start)."""
    _active[:] = [settings]


def current() -> Settings:
    """The process's settings: those configured at start, else the environment, read once."""
    if not _active:
        _active.append(load_settings())
    return _active[0]
