"""The user-facing testing kit: the pytest plugin's fixtures and the payload factories."""

from __future__ import annotations

import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from callerdesk_async.testing import make_call_report_event, make_call_rows, make_live_call_event


@pytest.fixture
def callerdesk_sandbox_config() -> SandboxConfig:
    return SandboxConfig(calls=300, seed=5)


async def test_fixtures_give_a_working_client(
    callerdesk_client: CallerdeskClient, callerdesk_sandbox: Sandbox
) -> None:
    calls = await callerdesk_client.calls.list(per_page=100).collect()
    assert len(calls) == 300
    assert len({c.id for c in calls}) == 300
    assert callerdesk_sandbox.stats.requests_by_endpoint["call_list_v2"] == 3


def test_factories_build_realistic_payloads() -> None:
    rows = make_call_rows(3, seed=2)
    assert len(rows) == 3
    assert all(isinstance(r["total_duration"], str) for r in rows)
    event = make_call_report_event(rows[0], Status="BUSY")
    assert event["type"] == "call_report"
    assert event["Status"] == "BUSY"
    assert make_live_call_event()["type"] == "live_call"
