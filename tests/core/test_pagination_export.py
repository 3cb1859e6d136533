"""A SIGKILLed export resumed over a drifting sandbox holds each call once (paging bar 2).

Calls keep arriving at the top of today's report while the export runs, so every page of the
window holding today drifts, and each resumed process continues the window from the checkpoint's
``PageState`` (the snapshot position and total) against a report that has moved on.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from callerdesk_async.sandbox import SandboxConfig, SandboxProcess
from tests.cli.conftest import cli_argv, cli_env, run_cli
from tests.reliability.scenarios import FIRST_ID, today_ist

CALLS = 12_000


def durable_rows(checkpoint: Path) -> int:
    try:
        return int(json.loads(checkpoint.read_text())["rows"])
    except (OSError, ValueError, KeyError):
        return 0


def test_sigkilled_export_resumed_over_live_traffic_holds_each_call_once(tmp_path: Path) -> None:
    rng = random.Random(1212)
    today = today_ist()
    first = today - timedelta(days=6)
    config = SandboxConfig(
        seed=12,
        calls=CALLS,
        start_date=first,
        end_date=today - timedelta(days=1),
        latency_ms=2.0,
        latency_jitter_ms=2.0,
        live_calls_per_second=150.0,
    )
    out = tmp_path / "calls.ndjson"
    checkpoint = tmp_path / "calls.ndjson.checkpoint.json"
    with SandboxProcess(config) as sandbox:
        # One window of seven days: it holds today, where the live calls land.
        argv = [
            "export", "calls", "--from", first.isoformat(), "--to", today.isoformat(),
            "--base-url", sandbox.base_url, "--format", "ndjson", "--per-page", "40",
            "--window-days", "7", "--concurrency", "3", "--checkpoint-interval", "0",
            "--quiet", "--out", out, "--resume",
        ]  # fmt: skip
        kills, finished = 0, False
        for _ in range(3):
            seen = durable_rows(checkpoint)
            proc = subprocess.Popen(  # noqa: S603 - our interpreter, our module
                cli_argv(*argv),
                env=cli_env(sandbox.authcode),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            while durable_rows(checkpoint) <= seen and proc.poll() is None:
                time.sleep(0.005)  # polling for progress, not a timing assumption
            time.sleep(rng.uniform(0.0, 0.2))
            if proc.poll() is not None:  # it finished first: its output is the resumed one
                assert proc.returncode == 0, proc.communicate()[1]
                finished = True
                break
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            assert not out.exists()
            kills += 1
        if not finished:
            final = run_cli(*argv, authcode=sandbox.authcode)
            assert final.returncode == 0, final.stderr
    assert kills >= 1 and not checkpoint.exists()
    ids = [int(json.loads(line)["id"]) for line in out.read_bytes().splitlines()]
    twice = {i: n for i, n in Counter(ids).items() if n > 1}
    assert not twice, f"{len(twice)} calls written twice, e.g. {list(twice.items())[:5]}"
    seeded = sorted(i for i in ids if i < FIRST_ID + CALLS)
    assert seeded == list(range(FIRST_ID, FIRST_ID + CALLS))  # every seeded call, once
    live = [i for i in ids if i >= FIRST_ID + CALLS]
    assert live  # the window's snapshot caught live traffic, so its pages drifted
