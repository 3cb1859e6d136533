"""The pytest plugin (entry point ``pytest11``): a sandbox server and a client wired to it.

Fixtures (function-scoped, async; they need pytest-asyncio):

* ``callerdesk_sandbox_config`` — override it to change the sandbox's knobs.
* ``callerdesk_sandbox`` — a running :class:`~callerdesk_async.sandbox.Sandbox` on 127.0.0.1.
* ``callerdesk_client`` — a :class:`~callerdesk_async.CallerdeskClient` pointed at it.

Every project that installs the SDK loads this module into each pytest session, so it imports
nothing of the sandbox (nor ``aiohttp.web``) until one of its fixtures is requested.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .._client import CallerdeskClient
    from ..sandbox import Sandbox, SandboxConfig


@pytest.fixture
def callerdesk_sandbox_config() -> SandboxConfig:
    """The sandbox's configuration; override this fixture to change seed, size or faults."""
    from ..sandbox import SandboxConfig

    return SandboxConfig(calls=2_000)


# The async fixtures need pytest-asyncio; without it the plugin offers only the config fixture.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def callerdesk_sandbox(
        callerdesk_sandbox_config: SandboxConfig,
    ) -> AsyncIterator[Sandbox]:
        """A sandbox server on 127.0.0.1 with an ephemeral port, stopped after the test."""
        from ..sandbox import Sandbox

        async with Sandbox(callerdesk_sandbox_config) as sandbox:
            yield sandbox

    @pytest_asyncio.fixture
    async def callerdesk_client(callerdesk_sandbox: Sandbox) -> AsyncIterator[CallerdeskClient]:
        """A client for the sandbox, closed after the test."""
        from .._client import CallerdeskClient

        async with CallerdeskClient(
            callerdesk_sandbox.authcode, base_url=callerdesk_sandbox.base_url
        ) as client:
            yield client
