"""Call-report rows in the shapes real accounts send, served from a process of their own.

The sandbox always sends all 28 declared keys in one order with string values. Real rows miss
keys (older accounts, app reports, white-label hosts), carry keys nobody declared and mix
ints, strings and ``None``. :func:`reshape` turns sandbox rows into each shape (seeded, so
every variant reads the same bytes) and ``python -m benchmarks._shapes`` serves them as
``call_list_v2`` pages, pre-encoded, so the server's share of the CPU stays out of the client's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

SHAPES = ("full", "missing_keys", "unknown_keys", "mixed_types")
AUTHCODE = "shape-authcode"
_URL_PREFIX = "SHAPES_URL "
_KEEP = ("id", "sid_id")  # the paginator's row keys: real rows always have them
_INT_KEYS = ("total_duration", "talk_duration", "ringing_duration", "is_contact")
_TEXT_KEYS = ("caller_name", "member_name", "circle", "key_pressed", "group_name", "file")
_TIME_KEYS = ("enddatetime", "LegB_Picked_time")


def reshape(rows: list[dict[str, Any]], shape: str, seed: int = 13) -> list[dict[str, Any]]:
    """``rows`` in ``shape`` (one of :data:`SHAPES`)."""
    rnd = random.Random(seed)
    if shape == "full":
        return [dict(r) for r in rows]
    out = []
    for row in rows:
        items = list(row.items())
        if shape == "missing_keys":
            droppable = [k for k in row if k not in _KEEP]
            gone = set(rnd.sample(droppable, rnd.randint(1, 3)))
            items = [(k, v) for k, v in items if k not in gone]
        elif shape == "unknown_keys":
            # Two undeclared keys at random places (not only at the end).
            for key, value in (("call_uuid", f"u-{rnd.random()}"), ("recording_size", 4096)):
                items.insert(rnd.randint(0, len(items)), (key, value))
        elif shape == "mixed_types":
            items = [(k, _mixed(rnd, k, v)) for k, v in items]
        else:
            raise ValueError(f"unknown shape {shape!r}")
        out.append(dict(items))
    return out


def _mixed(rnd: random.Random, key: str, value: Any) -> Any:
    """Numbers as JSON numbers, strings or null; some text and timestamps null or empty."""
    pick = rnd.randrange(3)
    if key in _INT_KEYS and value not in (None, ""):
        return (int(value), value, None)[pick]
    if key == "coin_deducted" and value not in (None, ""):
        return (float(value), int(float(value)), value)[pick]
    if key in _TEXT_KEYS:
        return (value, None, value)[pick]
    if key in _TIME_KEYS:
        return (value, None, "")[pick]
    return value


def _pages(calls: int, shape: str, per_page: int) -> dict[int, bytes]:
    from callerdesk_async.sandbox import SandboxConfig
    from callerdesk_async.sandbox._core import SandboxCore

    core = SandboxCore(SandboxConfig(calls=calls))
    rows = [json.loads(text) for text in core.calls.dataset._render(range(0, calls), None)]
    rows = reshape(rows, shape)
    pages = {}
    for number in range(1, -(-calls // per_page) + 1):
        chunk = rows[(number - 1) * per_page : number * per_page]
        body = {"type": "success", "current_page": number, "total": calls, "result": chunk}
        pages[number] = json.dumps(body, separators=(",", ":")).encode()
    return pages


def _serve(calls: int, shape: str, per_page: int) -> None:
    from aiohttp import web

    pages = _pages(calls, shape, per_page)
    empty = json.dumps({"type": "success", "total": calls, "result": []}).encode()

    async def call_list(request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode()))
        if form.get("authcode") != AUTHCODE or int(form.get("per_page", 0)) != per_page:
            raise web.HTTPBadRequest(text="authcode and per_page must match the server's")
        body = pages.get(int(form.get("current_page", 1)), empty)
        return web.Response(body=body, content_type="text/html", charset="UTF-8")

    app = web.Application()
    app.router.add_post("/api/call_list_v2", call_list)

    async def run() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"{_URL_PREFIX}http://127.0.0.1:{port}/api/", flush=True)
        await asyncio.Event().wait()  # until SIGTERM

    asyncio.run(run())


@contextmanager
def shape_server(calls: int, shape: str, per_page: int = 100) -> Iterator[tuple[str, int]]:
    """Serve ``calls`` rows in ``shape`` from a child process: yields (base URL, pid)."""
    argv = [sys.executable, "-m", "benchmarks._shapes", str(calls), shape, str(per_page)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith(_URL_PREFIX):
            raise RuntimeError(f"the shape server did not start ({line!r})")
        yield line[len(_URL_PREFIX) :].strip(), proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("calls", type=int)
    parser.add_argument("shape", choices=SHAPES)
    parser.add_argument("per_page", type=int)
    args = parser.parse_args()
    _serve(args.calls, args.shape, args.per_page)


if __name__ == "__main__":
    main()
