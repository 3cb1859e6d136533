"""Exports while new calls arrive: every call of the pinned snapshot exactly once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async._convert import IST
from callerdesk_async.export import ExportOptions, export_calls
from callerdesk_async.sandbox import Sandbox, SandboxConfig

from ..clock import VirtualClock
from .test_export import normalized

LIVE_PER_SECOND = 400.0


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
async def live_sandbox() -> Any:
    # The dataset ends yesterday (IST); live calls arrive "now", i.e. today, on top.
    # Live calls arrive per clock reading (the sandbox reads it on every request), not per
    # wall-clock second: "calls arrived during the export" then holds on any machine.
    config = SandboxConfig(calls=6000, seed=3, latency_ms=1.0)
    async with Sandbox(config, clock=VirtualClock(step=0.005)) as sb:
        yield sb


async def test_frozen_window_is_exported_exactly_once(live_sandbox: Sandbox, tmp_path: Path):
    sb = live_sandbox
    _, last = sb.config.date_range()
    start, end = last - timedelta(days=29), last
    async with CallerdeskClient(sb.authcode, base_url=sb.base_url, max_concurrency=2) as cd:
        await export_calls(
            cd, tmp_path / "still.ndjson", start=start, end=end, format="ndjson", per_page=10
        )
        sb.configure(live_calls_per_second=LIVE_PER_SECOND)
        summary = await export_calls(
            cd, tmp_path / "live.ndjson", start=start, end=end, format="ndjson", per_page=10
        )
    assert sb.core.calls.live_count() > 50  # calls really arrived during the export
    assert (tmp_path / "live.ndjson").read_bytes() == (tmp_path / "still.ndjson").read_bytes()
    assert summary.rows == len(read(tmp_path / "live.ndjson")) > 0


@pytest.mark.parametrize("window_days", [1, 3])
async def test_window_including_today_pins_the_snapshot(
    live_sandbox: Sandbox, tmp_path: Path, window_days: int
):
    sb = live_sandbox
    _, last = sb.config.date_range()
    today = datetime.now(IST).date()
    assert today == last + timedelta(days=1)
    start = last - timedelta(days=1)
    async with CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd:
        frozen = await cd.calls.list(start_date=start, end_date=last).raw().collect()
        sb.configure(live_calls_per_second=LIVE_PER_SECOND)
        await export_calls(
            cd,
            tmp_path / "x.ndjson",
            start=start,
            end=today,
            format="ndjson",
            per_page=20,
            window_days=window_days,
            options=ExportOptions(windows_in_flight=2),
        )
    arrived_during = sb.core.calls.live_count()
    rows = read(tmp_path / "x.ndjson")
    ids = [int(r["id"]) for r in rows]
    assert len(ids) == len(set(ids)), "duplicate rows"
    old = [r for r in rows if r["startdatetime"] < today.isoformat()]
    new = [int(r["id"]) for r in rows if r["startdatetime"] >= today.isoformat()]
    assert old == [normalized(r) for r in frozen]  # every dataset call, once, in order
    # Today's calls are the live calls of the snapshot: the oldest ones, without a gap.
    assert new and new == sorted(new, reverse=True)
    assert new[0] - new[-1] + 1 == len(new)
    dataset = sb.core.calls.dataset
    assert new[-1] == dataset.first_id + dataset.count
    assert arrived_during > len(new)  # more arrived after the snapshot was pinned
    assert rows[: len(new)] == [r for r in rows if int(r["id"]) in set(new)]
