"""HTTP plumbing: routes, parameter reading, rate limit, latency and fault injection."""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from ._api import API, ApiEndpoint
from ._calls import click_to_call
from ._endpoints import CLICK_TO_CALL, ENDPOINT_HANDLERS
from ._faults import format_retry_after
from ._state import Rejected

if TYPE_CHECKING:
    from ._server import Sandbox

__all__ = ["REQUEST_ID_HEADER", "build_app"]

# Its own copy, not the SDK's: the sandbox checks the SDK from the outside, as the server
# would; tests/observability/test_request_ids.py pins that the two agree.
REQUEST_ID_HEADER = "X-Callerdesk-Request-Id"
HTML = {"Content-Type": "text/html; charset=UTF-8"}
JSON = {"Content-Type": "application/json"}
INVALID_AUTH = b'{"type":"error","message":"Invalid Auth Code!"}'
# Reference sections 1.2 and 11.3: the app logs the user out on exactly this message.
ACCOUNT_INACTIVE = "Account is Inactive please contact administrator!"
_BASIC_REFUSED = b"<html><body><h1>401 Unauthorized</h1></body></html>"
_UNAVAILABLE = b"<html><body><h1>Service Unavailable</h1></body></html>"
_PHP_WARNING = b'<br />\n<b>Warning</b>:  Undefined array key "per_page" in <b>/var/www/api/'


def _error(message: str) -> bytes:
    return json.dumps({"type": "error", "message": message}, separators=(",", ":")).encode()


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer; the client sees a disconnect."""
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.Response(status=500)  # never written: the transport is gone


async def _params(request: web.Request) -> dict[str, str]:
    """Query parameters, overridden by form fields (urlencoded or multipart)."""
    params = dict(request.query) if request.query_string else {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type in _URLENCODED and request.charset is None:
            # What request.post() does for these bodies, minus building a MultiDict.
            data = await request.read()
            if data:
                text = data.rstrip().decode("utf-8")
                params.update(parse_qsl(text, keep_blank_values=True, encoding="utf-8"))
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
    return params


_URLENCODED = frozenset({"", "application/x-www-form-urlencoded"})


def build_app(sandbox: Sandbox) -> web.Application:
    """The aiohttp application serving the sandbox's own :data:`API` declaration under the
    prefix, and ``/_sandbox/``."""
    app = web.Application()
    prefix = sandbox.config.prefix
    for spec in API.values():
        app.router.add_route(spec.method, prefix + spec.path, _api_handler(sandbox, spec))
    app.router.add_get("/_sandbox/stats", _inspect(sandbox, "stats"))
    app.router.add_get("/_sandbox/config", _inspect(sandbox, "config"))
    app.router.add_post("/_sandbox/config", _inspect(sandbox, "configure"))
    app.router.add_post("/_sandbox/reset", _inspect(sandbox, "reset"))
    return app


Handler = Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]


def _basic_ok(request: web.Request, user: str | None, password: str | None) -> bool:
    """True when no Basic credentials are configured, or the request carries them."""
    if user is None or password is None:
        return True
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return hmac.compare_digest(request.headers.get("Authorization", ""), expected)


def _unknown_fields(spec: ApiEndpoint, params: dict[str, str]) -> str | None:
    """The strict-mode refusal for fields the reference does not list, or ``None``."""
    unknown = sorted(set(params) - spec.fields)
    if not unknown:
        return None
    return (
        f"sandbox strict mode: {spec.path} takes no field(s) {', '.join(unknown)} (reference "
        f"section {spec.section}); SandboxConfig(strict_params=False) ignores unknown fields"
    )


def _api_handler(sandbox: Sandbox, spec: ApiEndpoint) -> Handler:
    name = spec.name
    is_click = name in CLICK_TO_CALL
    answer = ENDPOINT_HANDLERS.get(name)

    async def handle(request: web.Request) -> web.StreamResponse:
        core = sandbox.core
        config = core.config
        counters = core.counters
        counters.requests[name] += 1
        counters.request_ids.append(request.headers.get(REQUEST_ID_HEADER, ""))
        delay = core.dice.latency()
        if delay:  # transit to the server: jitter reorders arrivals before the limiter
            await asyncio.sleep(delay)
        if core.limiter is not None:
            wait = core.limiter.take(core.clock())
            if wait:
                counters.rate_limited += 1
                retry = config.retry_after_seconds
                return _reply(core, 429, _error("Too Many Requests"), HTML,
                              {"Retry-After": format_retry_after(
                                  max(1.0, wait) if retry is None else retry)})  # fmt: skip
        fault = core.dice.roll()
        if fault is not None:
            counters.faults[fault] += 1
            if fault == "reset_before":
                return _drop(request)
            if fault == "5xx":
                status = (500, 502, 503)[counters.faults[fault] % 3]
                return _reply(core, status, _UNAVAILABLE, HTML)
            if fault == "429":
                retry = config.retry_after_seconds
                after = format_retry_after(1.0 if retry is None else retry)
                return _reply(core, 429, _error("Too Many Requests"), HTML, {"Retry-After": after})
        try:
            params = await _params(request)
        except ConnectionResetError:
            # The client hung up mid-body (e.g. a cancelled request): nothing to answer, and
            # not worth the traceback aiohttp would log for an escaping exception.
            return _drop(request)
        headers = HTML
        basic = config.basic_user is not None
        if not _basic_ok(request, config.basic_user, config.basic_password):
            # White-label /api_v3/ hosts authenticate with HTTP Basic (reference section 1.2).
            return _reply(core, 401, _BASIC_REFUSED, HTML,
                          {"WWW-Authenticate": 'Basic realm="Callerdesk API"'})  # fmt: skip
        if not basic and params.get("authcode") != config.authcode:
            body = INVALID_AUTH
        elif not config.account_active:
            body = _error(ACCOUNT_INACTIVE)
        elif config.strict_params and (refusal := _unknown_fields(spec, params)) is not None:
            body = _error(refusal)
        else:
            try:
                if is_click:
                    result = click_to_call(core, name, params,
                                           request.headers.get(REQUEST_ID_HEADER))  # fmt: skip
                    sandbox.call_placed(result.webhooks)
                    payload: dict[str, Any] | bytes = result.response
                else:
                    assert answer is not None
                    payload = answer(core, params)
                body = (
                    payload
                    if isinstance(payload, bytes)
                    else json.dumps(payload, separators=(",", ":")).encode()
                )
                if config.json_content_type:
                    headers = JSON
            except Rejected as exc:
                body = _error(exc.message)
        if fault == "reset_after":
            return _drop(request)
        if fault == "malformed":
            if counters.faults[fault] % 2:
                body = body[: max(1, len(body) // 2)]
            else:
                body = _PHP_WARNING + body
            return _reply(core, 200, body, headers)
        if fault == "slow_body":
            counters.statuses[200] += 1
            return await _slow(request, body, headers, config.slow_body_seconds)
        return _reply(core, 200, body, headers)

    return handle


def _reply(
    core: Any, status: int, body: bytes, headers: dict[str, str],
    extra: dict[str, str] | None = None,
) -> web.Response:  # fmt: skip
    core.counters.statuses[status] += 1
    if extra:
        headers = {**headers, **extra}
    return web.Response(status=status, body=body, headers=headers)


async def _slow(
    request: web.Request, body: bytes, headers: dict[str, str], seconds: float
) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers=headers)
    response.content_length = len(body)
    await response.prepare(request)
    chunks = 8
    step = -(-len(body) // chunks)
    try:
        for k in range(chunks):
            await asyncio.sleep(seconds / chunks)
            await response.write(body[k * step : (k + 1) * step])
        await response.write_eof()
    except ConnectionError:
        pass  # the client gave up waiting; nothing to tell anyone
    return response


def _inspect(sandbox: Sandbox, action: str) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if action == "stats":
            return web.json_response(sandbox.stats.to_dict())
        if action == "reset":
            sandbox.reset()
            return web.json_response({"type": "success", "message": "reset"})
        if action == "configure":
            try:
                changes = await request.json()
                if not isinstance(changes, dict):
                    raise TypeError("expected a JSON object")
                sandbox.configure(**changes)
            except (TypeError, ValueError) as exc:
                return web.json_response({"type": "error", "message": str(exc)}, status=400)
        return web.json_response(sandbox.config.to_dict())

    return handle
