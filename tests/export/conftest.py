"""Fixtures for the export tests: a small fixed-date sandbox, a client, reference rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.sandbox import Sandbox, SandboxConfig

START, END = date(2025, 1, 1), date(2025, 1, 10)


def make_config(**knobs: Any) -> SandboxConfig:
    """A small sandbox over fixed dates: its bytes are the same on every run."""
    return SandboxConfig(**{"calls": 3000, "start_date": START, "end_date": END, **knobs})


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config()) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[CallerdeskClient]:
    async with CallerdeskClient(sandbox.authcode, base_url=sandbox.base_url) as cd:
        yield cd


async def api_rows(client: CallerdeskClient, **kwargs: Any) -> list[dict[str, Any]]:
    """Every row of one sequential ``cd.calls.list(...)`` over the whole range."""
    kwargs.setdefault("start_date", START)
    kwargs.setdefault("end_date", END)
    return await client.calls.list(**kwargs).raw().collect()
