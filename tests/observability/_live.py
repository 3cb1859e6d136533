"""A loopback server answering ``live_call_v2`` that records each request it receives."""

from __future__ import annotations

from aiohttp import web

from tests.conftest import LocalServer

EMPTY_LIVE = '{"type":"success","live_call":[]}'


async def serve_live(local_server: LocalServer) -> list[web.Request]:
    """Start ``local_server`` answering ``GET /api/live_call_v2``; the list fills with the
    requests received (headers and URL stay readable after the answer)."""
    received: list[web.Request] = []

    async def live(request: web.Request) -> web.Response:
        received.append(request)
        return web.Response(text=EMPTY_LIVE)

    local_server.route("GET", "/api/live_call_v2", live)
    await local_server.start()
    return received
