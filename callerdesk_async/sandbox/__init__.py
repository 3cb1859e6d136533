"""A local server that behaves like the Callerdesk API, quirks included.

``async with Sandbox(SandboxConfig(calls=100_000)) as sb:`` serves every endpoint the SDK knows
under ``sb.base_url`` with deterministic data, in-memory account state, optional rate limiting,
latency, fault injection and live traffic; ``/_sandbox/stats`` shows what it saw. See
``docs/sandbox.md``. The sandbox never imports the SDK's client side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._cli import URL_LINE_PREFIX, add_sandbox_arguments, config_from_args, config_to_argv, serve
from ._config import FAULT_KINDS, SandboxConfig, WebhookDelivery
from ._process import SandboxProcess
from ._stats import SandboxStats

if TYPE_CHECKING:
    from ._server import Sandbox
    from ._webhooks import (
        EmitReport,
        WebhookRequest,
        call_report_payload,
        emit_webhooks,
        live_call_payload,
        sample_call_rows,
        sample_payloads,
        webhook_request,
    )

# The server and the dataset (aiohttp.web, the generated tables: about 15 MB of RSS) load on
# first use, so a process that only starts a SandboxProcess, such as a benchmark measuring
# its own memory, does not carry them.
_LAZY = {
    "Sandbox": "._server",
    "EmitReport": "._webhooks",
    "WebhookRequest": "._webhooks",
    "call_report_payload": "._webhooks",
    "emit_webhooks": "._webhooks",
    "live_call_payload": "._webhooks",
    "sample_call_rows": "._webhooks",
    "sample_payloads": "._webhooks",
    "webhook_request": "._webhooks",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FAULT_KINDS",
    "URL_LINE_PREFIX",
    "EmitReport",
    "Sandbox",
    "SandboxConfig",
    "SandboxProcess",
    "SandboxStats",
    "WebhookDelivery",
    "WebhookRequest",
    "add_sandbox_arguments",
    "call_report_payload",
    "config_from_args",
    "config_to_argv",
    "emit_webhooks",
    "live_call_payload",
    "sample_call_rows",
    "sample_payloads",
    "serve",
    "webhook_request",
]
