"""Fixtures for the sandbox tests: a running sandbox and a raw aiohttp session."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest

from callerdesk_async.sandbox import Sandbox, SandboxConfig

JAN = {"start_date": date(2025, 1, 1), "end_date": date(2025, 1, 31)}


def make_config(**knobs: Any) -> SandboxConfig:
    """A small, fixed-date sandbox config (deterministic bytes)."""
    return SandboxConfig(**{"calls": 2000, **JAN, **knobs})


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config()) as sb:
        yield sb


async def call(
    http: aiohttp.ClientSession, sb: Sandbox, endpoint: str, **fields: Any
) -> dict[str, Any]:
    """Call ``endpoint`` the way the API expects (GET query or POST form) and decode it.

    Paths and methods come from the sandbox's own declaration, not the SDK's registry.
    """
    from callerdesk_async.sandbox._api import API

    params = {"authcode": sb.authcode, **{k: str(v) for k, v in fields.items()}}
    spec = API[endpoint]
    if spec.method == "GET":
        request = http.get(sb.base_url + spec.path, params=params)
    else:
        request = http.post(sb.base_url + spec.path, data=params)
    async with request as resp:
        assert resp.status == 200
        data: dict[str, Any] = json.loads(await resp.read())
        return data
