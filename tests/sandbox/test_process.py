"""The sandbox in its own process: the URL line, RSS with 1,000,000 calls, CPU per page."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date

import aiohttp
import psutil
import pytest

from callerdesk_async.sandbox import (
    SandboxConfig,
    SandboxProcess,
    add_sandbox_arguments,
    config_from_args,
    config_to_argv,
)


@pytest.mark.slow
async def test_million_calls_under_150_mb():
    config = SandboxConfig(
        calls=1_000_000, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31)
    )
    async with SandboxProcess(config) as proc, aiohttp.ClientSession() as http:
        assert proc.base_url.startswith("http://127.0.0.1:")
        assert proc.base_url.endswith("/api/")

        async def page(n: int, **extra: str) -> dict[str, object]:
            data = {"authcode": proc.authcode, "per_page": "100", "current_page": str(n), **extra}
            async with http.post(proc.base_url + "call_list_v2", data=data) as resp:
                result: dict[str, object] = json.loads(await resp.read())
                return result

        for n in (1, 2, 5000, 9999, 10000):
            data = await page(n)
            assert data["total"] == 1_000_000
            assert len(data["result"]) == 100
        assert (await page(10001))["type"] == "error"
        filtered = await page(3, start_date="2025-06-01", end_date="2025-06-30")
        assert 70_000 < filtered["total"] < 95_000  # type: ignore[operator]
        child = psutil.Process(proc.pid)
        cpu_before = sum(child.cpu_times()[:2])
        started = time.perf_counter()
        pages = 600  # enough distinct pages to fill the sandbox's rendered-rows cache
        for n in range(100, 100 + pages):
            await page(n)
        elapsed = time.perf_counter() - started
        cpu = (sum(child.cpu_times()[:2]) - cpu_before) / pages
        rss_mb = child.memory_info().rss / 2**20
    print(
        f"\nsandbox RSS with 1,000,000 calls: {rss_mb:.1f} MB; "
        f"server CPU per 100-row page over HTTP: {cpu * 1e6:.0f} us "
        f"(wall {elapsed / pages * 1e3:.2f} ms)"
    )
    assert rss_mb < 150


def test_cli_arguments_round_trip():
    config = SandboxConfig(
        seed=3,
        calls=1234,
        rate_limit=50.0,
        latency_ms=20.0,
        fault_5xx=0.05,
        start_date=date(2025, 2, 1),
        end_date=date(2025, 2, 28),
        webhook_url="http://127.0.0.1:1/h",
        webhook_delivery="get",
        json_content_type=True,
    )
    parser = argparse.ArgumentParser()
    add_sandbox_arguments(parser)
    assert config_from_args(parser.parse_args(config_to_argv(config))) == config
    ns = parser.parse_args(
        [
            "--port",
            "0",
            "--seed",
            "1",
            "--calls",
            "1000000",
            "--rate-limit",
            "50",
            "--latency-ms",
            "20",
            "--fault-5xx",
            "0.05",
        ]
    )
    parsed = config_from_args(ns)
    assert (parsed.calls, parsed.rate_limit, parsed.fault_5xx) == (1_000_000, 50.0, 0.05)
    assert config_from_args(parser.parse_args([])) == SandboxConfig()


def test_config_validation():
    with pytest.raises(ValueError, match="add up"):
        SandboxConfig(fault_5xx=0.6, fault_429=0.6)
    with pytest.raises(ValueError, match="between 0 and 1"):
        SandboxConfig(fault_malformed=1.5)
    with pytest.raises(ValueError, match="after"):
        SandboxConfig(start_date=date(2025, 2, 1), end_date=date(2025, 1, 1))
    assert SandboxConfig(prefix="api_v3").prefix == "/api_v3/"


def test_starting_a_sandbox_process_does_not_load_the_server():
    # A process measuring its own memory (benchmarks/export_rss.py) starts the sandbox in a
    # child; the server's modules (aiohttp.web, the dataset tables, ~15 MB) must stay out of it.
    code = (
        "import sys\n"
        "from callerdesk_async.sandbox import SandboxConfig, SandboxProcess\n"
        "heavy = ('aiohttp.web', 'callerdesk_async.sandbox._server',"
        " 'callerdesk_async.sandbox._data', 'callerdesk_async.sandbox._webhooks')\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "from callerdesk_async.sandbox import Sandbox, sample_call_rows\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1] == str(
        [
            "aiohttp.web",
            "callerdesk_async.sandbox._server",
            "callerdesk_async.sandbox._data",
            "callerdesk_async.sandbox._webhooks",
        ]
    )
