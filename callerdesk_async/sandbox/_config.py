"""The sandbox's knobs: one immutable :class:`SandboxConfig` value."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

import attrs

from .._convert import IST

__all__ = [
    "FAULT_KINDS",
    "RATE_LIMIT_MODES",
    "WEBHOOK_DELIVERIES",
    "RateLimitMode",
    "SandboxConfig",
    "WebhookDelivery",
]

WebhookDelivery = Literal["json", "form", "multipart", "get"]
RateLimitMode = Literal["token_bucket", "sliding_window", "fixed_window"]
RATE_LIMIT_MODES: tuple[RateLimitMode, ...] = ("token_bucket", "sliding_window", "fixed_window")
WEBHOOK_DELIVERIES: tuple[WebhookDelivery, ...] = ("json", "form", "multipart", "get")
FAULT_KINDS = ("5xx", "429", "reset_before", "reset_after", "malformed", "slow_body")
"""Names of the injectable faults, as they appear in the stats."""


def _rate(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


def _positive(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


def _positive_int(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value!r}")


def _optional_positive_int(
    _: Any, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{attribute.name} must be at least 1 or None, got {value!r}")


def _prefix(value: str) -> str:
    return "/" + value.strip("/") + "/" if value.strip("/") else "/"


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """Everything that shapes what the sandbox serves and how it misbehaves.

    Data:
        seed: seeds the dataset, the account's members/groups/contacts and the fault dice.
        calls: rows in the call report (``call_list_v2``); 1,000,000 is fine, rows are
            computed on demand.
        app_calls: rows in the app call report (``app_call_list_v2``).
        start_date, end_date: the IST days the dataset spans (inclusive). Default: the 90 days
            ending yesterday.
        members, groups, contacts: sizes of the seeded account.
    Protocol:
        authcode: the only accepted API key.
        prefix: path prefix of the API (``/api/``; white-label hosts use ``/api_v3/``).
        per_page: page size when the request sends none; max_per_page: larger requests are
            clamped to it (``None``, the default: no cap, as no source shows one).
        basic_user, basic_password: when set, every API request must carry them as HTTP Basic
            (white-label ``/api_v3/`` hosts; use with ``prefix="/api_v3/"``); the authcode is
            then not required. A wrong or missing header gets HTTP 401.
        strict_params: refuse a request carrying a field the sandbox's API declaration (written
            from the reference) does not list, naming it; off, unknown fields are ignored.
        account_active: ``False`` answers every request with the reference's "Account is
            Inactive please contact administrator!".
        json_content_type: label bodies ``application/json`` instead of the real API's
            ``text/html; charset=UTF-8``.
    Behaviour:
        rate_limit: requests per second per server; ``None`` means unlimited. Excess requests
            get HTTP 429 with ``Retry-After``. ``rate_limit_mode`` picks the limiter:
            ``token_bucket`` (``rate_burst`` deep, the default), ``sliding_window`` (strict: at
            most ``rate_limit * rate_window`` admitted in any window of ``rate_window``
            seconds of arrivals) or ``fixed_window`` (that many per consecutive window).
        retry_after_seconds: the ``Retry-After`` value to send; ``None`` computes it from the
            bucket (at least 1 s) or sends 1 for a random 429.
        latency_ms, latency_jitter_ms: added to each API request before the rate limiter sees
            it (uniform jitter, so arrivals are reordered as over a real network).
        fault_*: probability (0..1) per API request of each fault; they are exclusive, so
            their sum must not exceed 1. ``slow_body_seconds`` is how long a slow body takes.
        live_calls_per_second: new calls arriving at the top of the report while running.
        webhook_url, webhook_delivery: where click-to-call events are delivered, and how.
    """

    host: str = "127.0.0.1"
    port: int = 0
    prefix: str = attrs.field(default="/api/", converter=_prefix)
    seed: int = 1
    calls: int = attrs.field(default=10_000, validator=_non_negative)
    app_calls: int = attrs.field(default=500, validator=_non_negative)
    start_date: date | None = None
    end_date: date | None = None
    members: int = attrs.field(default=12, validator=_positive_int)
    groups: int = attrs.field(default=4, validator=_positive_int)
    contacts: int = attrs.field(default=40, validator=_non_negative)
    authcode: str = "sandbox-authcode"
    per_page: int = attrs.field(default=25, validator=_positive_int)
    max_per_page: int | None = attrs.field(default=None, validator=_optional_positive_int)
    json_content_type: bool = False
    basic_user: str | None = None
    basic_password: str | None = None
    strict_params: bool = True
    account_active: bool = True
    rate_limit: float | None = attrs.field(default=None, validator=_non_negative)
    rate_burst: int | None = None
    rate_limit_mode: RateLimitMode = attrs.field(
        default="token_bucket", validator=attrs.validators.in_(RATE_LIMIT_MODES)
    )
    rate_window: float = attrs.field(default=1.0, validator=_positive)
    retry_after_seconds: float | None = attrs.field(default=None, validator=_non_negative)
    latency_ms: float = attrs.field(default=0.0, validator=_non_negative)
    latency_jitter_ms: float = attrs.field(default=0.0, validator=_non_negative)
    fault_5xx: float = attrs.field(default=0.0, validator=_rate)
    fault_429: float = attrs.field(default=0.0, validator=_rate)
    fault_reset_before: float = attrs.field(default=0.0, validator=_rate)
    fault_reset_after: float = attrs.field(default=0.0, validator=_rate)
    fault_malformed: float = attrs.field(default=0.0, validator=_rate)
    fault_slow_body: float = attrs.field(default=0.0, validator=_rate)
    slow_body_seconds: float = attrs.field(default=1.0, validator=_non_negative)
    live_calls_per_second: float = attrs.field(default=0.0, validator=_non_negative)
    webhook_url: str | None = None
    webhook_delivery: WebhookDelivery = attrs.field(
        default="json", validator=attrs.validators.in_(WEBHOOK_DELIVERIES)
    )

    def __attrs_post_init__(self) -> None:
        if (self.basic_user is None) != (self.basic_password is None):
            raise ValueError("set both basic_user and basic_password, or neither")
        if sum(self.fault_rates().values()) > 1.0 + 1e-9:
            raise ValueError("the fault rates must add up to at most 1")
        first, last = self.date_range()
        if first > last:
            raise ValueError(f"start_date {first} is after end_date {last}")

    def fault_rates(self) -> dict[str, float]:
        """The configured probability of each fault kind, keyed as in the stats."""
        return {
            "5xx": self.fault_5xx,
            "429": self.fault_429,
            "reset_before": self.fault_reset_before,
            "reset_after": self.fault_reset_after,
            "malformed": self.fault_malformed,
            "slow_body": self.fault_slow_body,
        }

    def date_range(self) -> tuple[date, date]:
        """The first and last IST day of the dataset, defaults filled in."""
        last = self.end_date
        if last is None:
            last = datetime.now(IST).date() - timedelta(days=1)
            if self.start_date is not None and self.start_date > last:
                last = self.start_date
        first = self.start_date if self.start_date is not None else last - timedelta(days=89)
        return first, last

    def evolve(self, **changes: Any) -> SandboxConfig:
        """A copy with ``changes`` applied (values from JSON are coerced, dates parsed)."""
        for key in ("start_date", "end_date"):
            if isinstance(changes.get(key), str):
                changes[key] = date.fromisoformat(changes[key])
        return attrs.evolve(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view of every knob."""
        data = attrs.asdict(self)
        for key in ("start_date", "end_date"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data
