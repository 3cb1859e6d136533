"""Command-line knobs and :func:`serve`, shared by ``python -m`` and ``callerdesk sandbox``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs

from .._signals import on_stop_signals
from ._config import WEBHOOK_DELIVERIES, SandboxConfig

__all__ = ["URL_LINE_PREFIX", "add_sandbox_arguments", "config_from_args", "config_to_argv",
           "serve"]  # fmt: skip

URL_LINE_PREFIX = "CALLERDESK_SANDBOX_URL="
"""The line the server prints once listening: ``CALLERDESK_SANDBOX_URL=<base_url>``."""

# (option, config field, type, help)
_OPTIONS: tuple[tuple[str, str, Callable[[str], Any], str], ...] = (
    ("--host", "host", str, "interface to bind (default 127.0.0.1)"),
    ("--port", "port", int, "port to bind; 0 picks a free one (default 0)"),
    ("--prefix", "prefix", str, "API path prefix (default /api/)"),
    ("--seed", "seed", int, "dataset and fault seed (default 1)"),
    ("--calls", "calls", int, "rows in the call report (default 10000)"),
    ("--app-calls", "app_calls", int, "rows in the app call report (default 500)"),
    ("--start-date", "start_date", date.fromisoformat, "first day of the dataset (YYYY-MM-DD)"),
    ("--end-date", "end_date", date.fromisoformat, "last day of the dataset (YYYY-MM-DD)"),
    ("--members", "members", int, "team members in the account (default 12)"),
    ("--groups", "groups", int, "call groups in the account (default 4)"),
    ("--contacts", "contacts", int, "saved contacts (default 40)"),
    ("--authcode", "authcode", str, "the accepted API key (default sandbox-authcode)"),
    ("--per-page", "per_page", int, "default page size (default 25)"),
    ("--max-per-page", "max_per_page", int, "larger page sizes are clamped (default: no cap)"),
    ("--basic-user", "basic_user", str, "require HTTP Basic with this user (white-label)"),
    ("--basic-password", "basic_password", str, "the HTTP Basic password"),
    ("--rate-limit", "rate_limit", float, "requests per second before HTTP 429 (default off)"),
    ("--rate-burst", "rate_burst", int, "token bucket depth (default: the rate)"),
    ("--rate-limit-mode", "rate_limit_mode", str,
     "token_bucket (default), sliding_window (strict) or fixed_window"),
    ("--rate-window", "rate_window", float, "window seconds of the window modes (default 1)"),
    ("--retry-after", "retry_after_seconds", float, "Retry-After seconds to send on 429"),
    ("--latency-ms", "latency_ms", float, "fixed latency per API request"),
    ("--latency-jitter-ms", "latency_jitter_ms", float, "extra uniform random latency"),
    ("--fault-5xx", "fault_5xx", float, "rate of HTTP 500/502/503 answers"),
    ("--fault-429", "fault_429", float, "rate of random HTTP 429 answers"),
    ("--fault-reset-before", "fault_reset_before", float,
     "rate of connections dropped before processing"),
    ("--fault-reset-after", "fault_reset_after", float,
     "rate of connections dropped after processing"),
    ("--fault-malformed", "fault_malformed", float, "rate of truncated or garbled bodies"),
    ("--fault-slow-body", "fault_slow_body", float, "rate of bodies trickled out slowly"),
    ("--slow-body-seconds", "slow_body_seconds", float, "duration of a slow body (default 1)"),
    ("--live-calls-per-second", "live_calls_per_second", float,
     "new calls arriving at the top of the report"),
    ("--webhook-url", "webhook_url", str, "deliver click-to-call webhooks here"),
)  # fmt: skip


_METAVARS: dict[Any, str] = {int: "N", float: "X", str: "TEXT"}  # not SANDBOX_<FIELD>


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every :class:`SandboxConfig` knob to ``parser`` (unset options keep the defaults)."""
    group = parser.add_argument_group("sandbox")
    for option, field, kind, help_text in _OPTIONS:
        group.add_argument(option, dest=f"sandbox_{field}", type=kind, default=None,
                           metavar=_METAVARS.get(kind, "VALUE"), help=help_text)  # fmt: skip
    group.add_argument(
        "--webhook-delivery",
        dest="sandbox_webhook_delivery",
        default=None,
        choices=WEBHOOK_DELIVERIES,
        help="webhook delivery mode (default json)",
    )
    group.add_argument("--json-content-type", dest="sandbox_json_content_type",
                       action="store_true", default=None,
                       help="label success bodies application/json, not text/html")  # fmt: skip


def config_from_args(ns: argparse.Namespace) -> SandboxConfig:
    """The :class:`SandboxConfig` described by parsed arguments."""
    fields = {f.name for f in attrs.fields(SandboxConfig)}
    changes = {
        name: value
        for key, value in vars(ns).items()
        if key.startswith("sandbox_") and (name := key[len("sandbox_"):]) in fields
        and value is not None
    }  # fmt: skip
    return SandboxConfig(**changes)


def config_to_argv(config: SandboxConfig) -> list[str]:
    """Command-line arguments that reproduce ``config`` (only the non-default knobs)."""
    default = SandboxConfig(start_date=config.start_date, end_date=config.end_date)
    argv: list[str] = []
    for option, field, _, _ in _OPTIONS:
        value = getattr(config, field)
        if value is not None and (value != getattr(default, field) or field.endswith("_date")):
            argv += [option, value.isoformat() if isinstance(value, date) else str(value)]
    if config.webhook_delivery != default.webhook_delivery:
        argv += ["--webhook-delivery", config.webhook_delivery]
    if config.json_content_type:
        argv.append("--json-content-type")
    return argv


async def serve(config: SandboxConfig, *, ready: Callable[[str], None] | None = None) -> None:
    """Run a sandbox until SIGINT/SIGTERM (or cancellation); ``ready(base_url)`` once listening."""
    from ._server import Sandbox  # the server's modules load only when a server runs

    stop = asyncio.Event()
    with on_stop_signals(stop.set):
        async with Sandbox(config) as sandbox:
            if ready is not None:
                ready(sandbox.base_url)
            await stop.wait()
