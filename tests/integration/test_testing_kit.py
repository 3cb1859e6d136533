"""The user-facing testing kit: the pytest plugin's fixtures and the payload factories."""

from __future__ import annotations

import json
import subprocess
import sys

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


_HEAVY = ("callerdesk_async.sandbox", "aiohttp.web")


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(_HEAVY))


def test_plugin_import_loads_no_sandbox_nor_aiohttp_web() -> None:
    # The entry point puts the plugin in every pytest session of every project that installs
    # the SDK; the sandbox (16 modules and aiohttp.web) must wait until a fixture is used.
    assert _heavy(_modules_after("import callerdesk_async.testing.plugin")) == []
    assert _heavy(_modules_after("import callerdesk_async.testing")) == []
    # The probe can see the difference: building a payload does load the sandbox.
    loaded = _modules_after("import callerdesk_async.testing as t; t.make_call_rows(1)")
    assert "callerdesk_async.sandbox" in loaded
    assert "callerdesk_async.sandbox._data" in loaded  # the dataset; the server (aiohttp.web)
    assert "aiohttp.web" not in loaded  # loads only when a sandbox is served
