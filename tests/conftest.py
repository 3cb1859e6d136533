"""Suite-wide guards: no secret in logs or errors, and a tiny programmable API server."""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

import callerdesk_async
from benchmarks._redis import RedisServer, RedisServerMissing
from callerdesk_async.errors import CallerdeskError

AUTHCODE = "test-SECRET-authcode-7f3a9c"
"""The authcode every test client uses; the guards below fail a test that leaks it."""

BASIC_USER = "wl7f3a9c-1b2d4e-5f6a7b-8c9d0e-1f2a3b"
BASIC_PASSWORD = "pw-SECRET-9c8b7a-6f5e4d-3c2b1a-0f9e8d"
BASIC_TOKEN = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
"""HTTP Basic credentials (white-label ``/api_v3/``) of the tests that use them; guarded too."""

SECRETS = (AUTHCODE, "sandbox-authcode", BASIC_USER, BASIC_PASSWORD, BASIC_TOKEN)

_created_errors: list[BaseException] = []
_original_init = CallerdeskError.__init__


def _recording_init(self: CallerdeskError, *args: object, **kwargs: object) -> None:
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]
    _created_errors.append(self)


CallerdeskError.__init__ = _recording_init  # type: ignore[method-assign]

# Cancellation and timeouts leave the SDK as asyncio's own CancelledError (asyncio.timeout and
# wait_for turn it into TimeoutError, chained to it): record those too, so their tracebacks
# are checked with local variables like the SDK's own errors.
_original_cancel_init = asyncio.CancelledError.__init__


def _recording_cancel_init(self: asyncio.CancelledError, *args: object) -> None:
    _original_cancel_init(self, *args)
    _created_errors.append(self)


asyncio.CancelledError.__init__ = _recording_cancel_init  # type: ignore[method-assign]

_T = TypeVar("_T")
_SDK_DIR = str(Path(callerdesk_async.__file__).parent)
_SERVER_SIDE_DIRS = (str(Path(_SDK_DIR) / "sandbox"),)
_TESTS_DIR = str(Path(__file__).parent)


def _client_sdk_frame(filename: str) -> bool:
    return filename.startswith(_SDK_DIR) and not filename.startswith(_SERVER_SIDE_DIRS)


def _frames(exc: BaseException) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each frame of ``exc``'s traceback: file, function, and its local variables."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        yield code.co_filename, code.co_name, tb.tb_frame.f_locals
        tb = tb.tb_next


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # a half-built object in a frame that failed: nothing to show
        return ""


def assert_no_secret_in_exception(exc: BaseException, where: str) -> None:
    """``exc`` and its whole ``__cause__``/``__context__`` chain, rendered as Sentry or rich
    would (``TracebackException(capture_locals=True)``: every frame's local variables),
    hold no secret. The test's own frames (whose locals may hold a key on purpose) and
    exceptions that never went through the SDK's client side (a test server's cancelled
    handler) are not the SDK's to keep clean."""
    chain = list(exception_chain(exc))
    ours = isinstance(exc, CallerdeskError) or any(
        _client_sdk_frame(filename) for item in chain for filename, _, _ in _frames(item)
    )
    if not ours:
        return
    for item in chain:
        kind = type(item).__name__
        assert_no_secret(str(item), f"{where}: str({kind})")
        assert_no_secret(repr(item), f"{where}: repr({kind})")
        for value in vars(item).values():
            assert_no_secret(str(value), f"{where}: attribute of {kind}")
    try:
        rendered = traceback.TracebackException.from_exception(exc, capture_locals=True)
    except Exception:  # a local whose repr raises (3.11 does not guard it): walk by hand
        frames = [
            (filename, function, {k: _safe_repr(v) for k, v in local_vars.items()})
            for item in chain
            for filename, function, local_vars in _frames(item)
        ]
    else:
        frames = [
            (frame.filename, frame.name, frame.locals or {})
            for part in _rendered_chain(rendered)
            for frame in part.stack
        ]
    for filename, function, local_vars in frames:
        if filename.startswith(_TESTS_DIR):
            continue
        for name, value in local_vars.items():
            assert_no_secret(value, f"{where}: local {name!r} of {function} ({filename})")


def _walk(first: _T, links: Callable[[_T], list[_T | None]]) -> Iterator[_T]:
    """``first`` and everything its ``links`` (cause, context) reach, each once."""
    seen: set[int] = set()
    todo: list[_T | None] = [first]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += links(item)


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and every cause and context, suppressed ones included."""
    return _walk(exc, lambda item: [item.__cause__, item.__context__])


def _rendered_chain(exc: traceback.TracebackException) -> Iterator[traceback.TracebackException]:
    return _walk(exc, lambda item: [item.__cause__, item.__context__])


def sent_form(kwargs: Mapping[str, Any]) -> dict[str, str]:
    """The fields of the urlencoded form body an aioresponses-recorded request carried."""
    headers = {k.lower(): v for k, v in (kwargs.get("headers") or {}).items()}
    assert headers.get("content-type") == "application/x-www-form-urlencoded"
    body = kwargs["data"]
    assert isinstance(body, bytes), f"expected an encoded form body, got {type(body).__name__}"
    return dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body)))


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"authcode leaked in {where}: {text[:300]!r}"


@pytest.fixture(autouse=True)
def _no_secret_leaks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test runs with DEBUG logging captured; afterwards no record, and no error the
    SDK created and no ``CancelledError`` that went through it (its str, repr, attributes,
    formatted traceback, and the traceback rendered with local variables, along the whole
    ``__cause__``/``__context__`` chain), may contain the authcode."""
    caplog.set_level(logging.DEBUG, logger="callerdesk_async")
    _created_errors.clear()
    yield
    for record in caplog.records:
        assert_no_secret(record.getMessage(), f"log record {record.name}")
        if record.exc_info and record.exc_info[1] is not None:
            assert_no_secret_in_exception(record.exc_info[1], f"log record {record.name}")
    for error in _created_errors:
        assert_no_secret_in_exception(error, f"exception {type(error).__name__}")
        text = "".join(traceback.format_exception(error))
        assert_no_secret(text, f"traceback of {type(error).__name__}")
    _created_errors.clear()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LocalServer:
    """An aiohttp.web app on 127.0.0.1 with an ephemeral port, for real-socket tests."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.runner: web.AppRunner | None = None
        self.port = 0

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.app.router.add_route(method, path, handler)

    async def start(self) -> None:
        # No access log: it would record request URLs, authcode included, in the captured logs.
        self.runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def local_server() -> AsyncIterator[LocalServer]:
    """Routes are added before ``await local_server.start()``; stopped after the test."""
    server = LocalServer()
    yield server
    await server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use aioresponses, which cannot build aiohttp 3.14 responses: the
    newest-aiohttp nox session runs everything else (``-m "not aioresponses"``)."""
    for item in items:
        uses = "mocked" in getattr(item, "fixturenames", ())
        function = getattr(item, "function", None)
        if not uses and function is not None:
            try:
                uses = "aioresponses" in inspect.getsource(function)
            except (OSError, TypeError):
                uses = False
        if uses:
            item.add_marker(pytest.mark.aioresponses)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server of the test's own (unix socket, stopped by PID). A missing
    redis-server FAILS the test: it never skips."""
    try:
        server = RedisServer()
    except RedisServerMissing as exc:
        pytest.fail(str(exc))
    with server:
        yield server
