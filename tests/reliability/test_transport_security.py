"""Bar 7: no plain HTTP off the machine without an explicit opt-in, and TLS verification that
cannot be switched off silently, proven with real handshakes against a self-signed
127.0.0.1 server (certificates made here with ``cryptography``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async.errors import APIConnectionError, APIResponseError
from tests.conftest import AUTHCODE, LocalServer

NO_RETRY = RetryPolicy(max_retries=0)
PROFILE = {"type": "success", "login_account": {"name": "x"}}


def make_cert(tmp: Path, *, ip: str | None = "127.0.0.1", dns: str | None = None) -> Path:
    """A self-signed certificate (and key) for ``ip`` / ``dns``; returns the PEM path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns or ip or "test")])
    names: list[x509.GeneralName] = []
    if ip:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    if dns:
        names.append(x509.DNSName(dns))
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = tmp / f"cert-{dns or ip}.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pem


class TLSServer:
    def __init__(self, pem: Path) -> None:
        self.pem = pem
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.hits = 0
        self.redirect_to: str | None = None

    async def start(self) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            self.hits += 1
            await request.read()
            if self.redirect_to:
                raise web.HTTPFound(self.redirect_to)
            return web.Response(text=json.dumps(PROFILE), content_type="text/html")

        app = web.Application()
        app.router.add_route("*", "/api/{tail:.*}", handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.pem)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/api/"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def tls(tmp_path: Path) -> AsyncIterator[TLSServer]:
    server = TLSServer(make_cert(tmp_path))
    await server.start()
    yield server
    await server.stop()


def trusting(pem: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pem))


async def test_self_signed_server_is_refused_by_default(tls: TLSServer) -> None:
    async with CallerdeskClient(AUTHCODE, base_url=tls.base_url, retry=NO_RETRY) as cd:
        with pytest.raises(APIConnectionError) as info:
            await cd.account.profile()
    assert info.value.reached_server is False  # nothing was sent: the key never left
    assert "certificate" in (info.value.detail or "").lower()
    assert tls.hits == 0


async def test_self_signed_server_is_accepted_with_a_context_trusting_it(tls: TLSServer) -> None:
    async with CallerdeskClient(
        AUTHCODE, base_url=tls.base_url, ssl_context=trusting(tls.pem), retry=NO_RETRY
    ) as cd:
        profile = await cd.account.profile()
        connector = cd._core.transport.session.connector  # type: ignore[union-attr]
        assert connector._ssl.verify_mode == ssl.CERT_REQUIRED  # type: ignore[union-attr]
    assert profile is not None
    assert tls.hits == 1


async def test_a_trusted_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    server = TLSServer(make_cert(tmp_path, ip=None, dns="other.example"))
    await server.start()
    try:
        async with CallerdeskClient(
            AUTHCODE, base_url=server.base_url, ssl_context=trusting(server.pem), retry=NO_RETRY
        ) as cd:
            with pytest.raises(APIConnectionError):
                await cd.account.profile()
    finally:
        await server.stop()
    assert server.hits == 0


def test_contexts_that_do_not_verify_are_refused() -> None:
    unverified = ssl._create_unverified_context()  # noqa: S323 - the point of the test
    with pytest.raises(ValueError, match="verification"):
        CallerdeskClient(AUTHCODE, ssl_context=unverified)
    none = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    none.check_hostname = False
    none.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="verification"):
        CallerdeskClient(AUTHCODE, ssl_context=none)


# Regression (found by this suite, fixed in b4bfc4d).
async def test_context_without_hostname_check_is_refused(tmp_path: Path) -> None:
    pem = make_cert(tmp_path, ip=None, dns="other.example")
    context = trusting(pem)
    context.check_hostname = False  # verify_mode stays CERT_REQUIRED
    with pytest.raises(ValueError, match=r"verification|hostname"):
        CallerdeskClient(AUTHCODE, ssl_context=context)


# Regression (found by this suite, fixed in b4bfc4d).
async def test_borrowed_session_cannot_switch_verification_off(tls: TLSServer) -> None:
    connector = aiohttp.TCPConnector(ssl=False)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        CallerdeskClient(AUTHCODE, base_url=tls.base_url, session=session, retry=NO_RETRY) as cd,
    ):
        with contextlib.suppress(APIConnectionError):
            await cd.account.profile()
    assert tls.hits == 0, "the request reached a server whose certificate nobody trusts"


async def test_environment_cannot_switch_verification_off(
    tls: TLSServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    for name, value in {
        "PYTHONHTTPSVERIFY": "0",
        "SSL_CERT_FILE": str(empty),
        "SSL_CERT_DIR": str(tmp_path),
        "REQUESTS_CA_BUNDLE": str(tls.pem),
        "CURL_CA_BUNDLE": "",
        "AIOHTTP_NO_EXTENSIONS": "1",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "ALL_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }.items():
        monkeypatch.setenv(name, value)
    async with CallerdeskClient(AUTHCODE, base_url=tls.base_url, retry=NO_RETRY) as cd:
        with pytest.raises(APIConnectionError) as info:
            await cd.account.profile()
        session = cd._core.transport.session
        assert session is not None and session.trust_env is False
    assert "certificate" in (info.value.detail or "").lower()
    # The same proxy variables do not divert a request that should work, either.
    async with CallerdeskClient(
        AUTHCODE, base_url=tls.base_url, ssl_context=trusting(tls.pem), retry=NO_RETRY
    ) as cd:
        assert await cd.account.profile() is not None


def test_fresh_process_with_verification_env_vars_still_refuses(
    tls_process_port: tuple[int, Path],
) -> None:
    """``PYTHONHTTPSVERIFY=0`` and an empty ``SSL_CERT_FILE`` set *before* the interpreter
    starts: verification stays on (fails closed), the handshake is refused."""
    port, _ = tls_process_port
    code = textwrap.dedent(f"""
        import asyncio
        from callerdesk_async import CallerdeskClient, RetryPolicy
        from callerdesk_async.errors import APIConnectionError
        async def main():
            async with CallerdeskClient("k" * 16, base_url="https://127.0.0.1:{port}/api/",
                                        retry=RetryPolicy(max_retries=0)) as cd:
                try:
                    await cd.account.profile()
                except APIConnectionError as exc:
                    print("REFUSED", exc.reached_server)
                else:
                    print("CONNECTED")
        asyncio.run(main())
    """)
    env = {**os.environ, "PYTHONHTTPSVERIFY": "0", "SSL_CERT_FILE": os.devnull}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "REFUSED False", done.stdout + done.stderr


@pytest.fixture
def tls_process_port(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A TLS server in a thread of its own (the child process needs it while we block)."""
    import threading

    pem = make_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def serve() -> None:
        listener.settimeout(30)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            with context.wrap_socket(conn, server_side=True) as tls_conn:
                tls_conn.recv(1)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port, pem
    listener.close()
    thread.join(timeout=5)


async def test_redirects_are_never_followed(tls: TLSServer, local_server: LocalServer) -> None:
    """A redirect (say, to plain http) would carry the key elsewhere: it is not followed."""
    stolen: list[str] = []

    async def steal(request: web.Request) -> web.Response:
        stolen.append(str(request.url))
        return web.Response(text=json.dumps(PROFILE))

    local_server.route("*", "/api/{tail:.*}", steal)
    await local_server.start()
    tls.redirect_to = local_server.base_url + "profile_billing_v2?authcode=" + AUTHCODE[:3]
    async with CallerdeskClient(
        AUTHCODE, base_url=tls.base_url, ssl_context=trusting(tls.pem), retry=NO_RETRY
    ) as cd:
        with pytest.raises(APIResponseError):
            await cd.account.profile()
        with pytest.raises(APIResponseError):
            await cd.calls.live()
    assert stolen == []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://app.callerdesk.io/api/", False),
        ("HTTP://app.callerdesk.io/api/", False),
        ("http://localhost.evil.example/api/", False),
        ("http://127.0.0.1.nip.io/api/", False),
        ("http://127.0.0.1@evil.example/api/", False),
        ("http://0.0.0.0/api/", False),
        ("http://10.0.0.5/api/", False),
        ("http://[::ffff:10.0.0.5]/api/", False),
        ("http://127.0.0.1:8080/api/", True),
        ("http://127.0.0.2/api/", True),
        ("http://localhost/api/", True),
        ("http://LOCALHOST:1/api/", True),
        ("http://[::1]:8080/api/", True),
        ("https://app.callerdesk.io/api/", True),
        ("ftp://app.callerdesk.io/api/", False),
        ("file:///etc/passwd", False),
    ],
)
def test_plain_http_only_to_loopback(url: str, allowed: bool) -> None:
    if allowed:
        CallerdeskClient(AUTHCODE, base_url=url)
    else:
        with pytest.raises(ValueError, match="base_url"):
            CallerdeskClient(AUTHCODE, base_url=url)


def test_plain_http_opt_in_is_explicit_and_env_cannot_give_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    CallerdeskClient(AUTHCODE, base_url="http://10.0.0.5/api/", allow_insecure_http=True)
    monkeypatch.setenv("CALLERDESK_BASE_URL", "http://evil.example/api/")
    monkeypatch.setenv("CALLERDESK_ALLOW_INSECURE_HTTP", "1")
    with pytest.raises(ValueError, match="http://"):
        CallerdeskClient(AUTHCODE)


async def test_plain_http_to_loopback_never_loads_the_trust_store(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading the system trust store costs ~20 ms of CPU; a loopback http client (the sandbox,
    # tests) must not pay it, and an https client pays it once per process.
    from callerdesk_async import _transport

    loads: list[int] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        loads.append(1)
        return real()

    async def profile(request: web.Request) -> web.Response:
        return web.json_response({"type": "success", "name": "x"})

    local_server.route("POST", "/api/profile_billing_v2", profile)
    await local_server.start()
    monkeypatch.setattr(_transport.ssl, "create_default_context", counting)
    _transport._system_tls_context.cache_clear()
    try:
        async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
            await cd.account.profile()
        assert loads == []
        # A borrowed session may route through a proxy (trust_env): it always gets ours.
        async with (
            aiohttp.ClientSession() as borrowed,
            CallerdeskClient(AUTHCODE, base_url=local_server.base_url, session=borrowed) as cd,
        ):
            await cd.account.profile()
        assert loads == [1]
        _transport._system_tls_context.cache_clear()
        loads.clear()
        first = _transport._system_tls_context()
        assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname
        assert _transport._system_tls_context() is first and loads == [1]
    finally:
        _transport._system_tls_context.cache_clear()
