"""Counters the sandbox keeps, and the snapshot it hands out."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

import attrs

__all__ = ["Counters", "SandboxStats"]


@attrs.frozen
class SandboxStats:
    """A snapshot of what the sandbox has seen since start (or the last reset).

    Attributes:
        requests_total: API requests received (inspection requests excluded).
        requests_by_endpoint: API requests per endpoint name.
        responses_by_status: answers sent, by HTTP status (dropped connections excluded).
        rate_limited: 429s sent by the rate limit (``faults["429"]`` counts random ones).
        too_many_requests: every 429 sent, whatever the cause.
        faults: injected faults by kind (``5xx``, ``429``, ``reset_before``, ``reset_after``,
            ``malformed``, ``slow_body``).
        click_to_call_executions: click-to-calls actually executed (calls placed).
        executions_by_request_id: executions per ``X-Callerdesk-Request-Id``.
        duplicate_executions: the request ids executed more than once, with their counts.
        live_calls_added: live-traffic calls that have arrived.
        webhooks_sent, webhook_failures: click-to-call webhook deliveries and failed ones.
        recent_request_ids: the ``X-Callerdesk-Request-Id`` of the last 1,000 API requests
            received, oldest first (a retried request appears once per attempt).
    """

    requests_total: int
    requests_by_endpoint: dict[str, int]
    responses_by_status: dict[int, int]
    rate_limited: int
    too_many_requests: int
    faults: dict[str, int]
    click_to_call_executions: int
    executions_by_request_id: dict[str, int]
    duplicate_executions: dict[str, int]
    live_calls_added: int
    webhooks_sent: int
    webhook_failures: int
    recent_request_ids: list[str] = attrs.field(factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (status codes become string keys)."""
        data = attrs.asdict(self)
        data["responses_by_status"] = {str(k): v for k, v in self.responses_by_status.items()}
        return data


@attrs.define
class Counters:
    """The mutable counters behind :class:`SandboxStats`."""

    requests: Counter[str] = attrs.field(factory=Counter)
    statuses: Counter[int] = attrs.field(factory=Counter)
    faults: Counter[str] = attrs.field(factory=Counter)
    executions: Counter[str] = attrs.field(factory=Counter)
    rate_limited: int = 0
    click_to_call: int = 0
    webhooks_sent: int = 0
    webhook_failures: int = 0
    request_ids: deque[str] = attrs.field(factory=lambda: deque(maxlen=1000))

    def snapshot(self, live_calls: int) -> SandboxStats:
        """Freeze the counters into a :class:`SandboxStats`."""
        return SandboxStats(
            requests_total=sum(self.requests.values()),
            requests_by_endpoint=dict(self.requests),
            responses_by_status=dict(sorted(self.statuses.items())),
            rate_limited=self.rate_limited,
            too_many_requests=self.statuses[429],
            faults=dict(self.faults),
            click_to_call_executions=self.click_to_call,
            executions_by_request_id=dict(self.executions),
            duplicate_executions={k: n for k, n in self.executions.items() if n > 1},
            live_calls_added=live_calls,
            webhooks_sent=self.webhooks_sent,
            webhook_failures=self.webhook_failures,
            recent_request_ids=list(self.request_ids),
        )
