"""Issue 20's bars: real redis-server, 3 real ``taskiq worker`` processes, the sandbox in its own
process behind a strict rate limit, 10 windows, 24,000 rows.

1. The merged file is byte-identical to a single-process export; ≤ 1 % 429s at the sandbox.
2. A worker SIGKILLed with windows in flight: they are sent again, resume from their
   checkpoints, the merged file is still byte-identical, and no shard holds a row twice.
3. A window task delivered twice (after it finished) changes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from redis.asyncio import Redis

from benchmarks._redis import RedisServer
from callerdesk_async import CallerdeskClient, RateLimit
from callerdesk_async.distributed import ExportPlan, WindowBoard, plan_export, read_marker
from callerdesk_async.distributed.worker import coordinate_plan, export_window_task, make_broker
from callerdesk_async.export._checkpoint import load_checkpoint
from callerdesk_async.sandbox import Sandbox, SandboxConfig, SandboxProcess

from .cluster import (
    HANG,
    TaskiqWorkers,
    queue_drained,
    sandbox_stats,
    taskiq_workers,
    wait_until,
)
from .conftest import END, START, make_config, single_process

pytestmark = pytest.mark.slow

RATE = 50  # requests per second: the sandbox's strict limit and the plan's shared quota
# The client's window is 25 % longer than the server's: the headroom RateLimit documents for
# transit and scheduling jitter between Redis's admission and the sandbox's limiter (three
# workers, the sandbox, Redis and the test share two cores here).
MARGIN = 0.25
ROWS = 24_000  # over the 10 days: one window a day, 240 pages of 100


def strict_sandbox() -> SandboxConfig:
    return make_config(
        calls=ROWS,
        rate_limit=float(RATE),
        rate_limit_mode="sliding_window",
        latency_ms=5.0,
        latency_jitter_ms=10.0,
    )


@pytest.fixture
def sandbox_process() -> Any:
    with SandboxProcess(strict_sandbox()) as sb:
        yield sb


@pytest.fixture
async def reference(tmp_path: Path) -> AsyncIterator[Any]:
    """``reference(plan)``: the single-process export of the plan's range (same data: the
    sandbox's rows depend on its seed and dates only, not on its rate limit)."""
    async with (
        Sandbox(make_config(calls=ROWS)) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd,
    ):

        async def reference(plan: ExportPlan) -> tuple[bytes, int]:
            before = sb.stats.requests_total
            data = await single_process(cd, plan, tmp_path / f"single{plan.suffix}")
            return data, sb.stats.requests_total - before

        yield reference


def make_strict_plan(tmp_path: Path, lease_seconds: float = 30.0) -> tuple[ExportPlan, Path]:
    (tmp_path / "out").mkdir()
    plan = plan_export(
        "calls",
        tmp_path / "out" / "calls.csv",
        start=START,
        end=END,
        per_page=100,
        rate_limit=RateLimit(RATE, margin=MARGIN),
        max_concurrency=4,
        lease_seconds=lease_seconds,
        shards=tmp_path / "shards",
    )
    assert len(plan.windows) == 10
    return plan, plan.save(plan.shards / "plan.json")


def worker_env(redis: RedisServer, sb: SandboxProcess) -> dict[str, str]:
    return {
        "CALLERDESK_REDIS_URL": redis.url,
        "CALLERDESK_AUTHCODE": sb.authcode,
        "CALLERDESK_BASE_URL": sb.base_url,
    }


def shard_files(plan: ExportPlan) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(plan.shards.iterdir())
        if p.name.startswith("w")
    }


def ids_in(shard: Path) -> list[str]:
    return [row["id"] for row in csv.DictReader(io.StringIO(shard.read_text()))]


def fraction_429(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, int, float]:
    requests = after["requests_total"] - before["requests_total"]
    limited = after["rate_limited"] - before["rate_limited"]
    return requests, limited, limited / max(requests, 1)


async def test_three_workers_write_the_single_process_file_and_a_duplicate_is_a_no_op(
    redis_server: RedisServer, sandbox_process: SandboxProcess, reference: Any, tmp_path: Path
) -> None:
    plan, plan_path = make_strict_plan(tmp_path)
    before = sandbox_stats(sandbox_process.url)
    with taskiq_workers(3, worker_env(redis_server, sandbox_process), tmp_path / "logs") as w:
        # Bar 1: the coordinator's command line, as a user runs it.
        coordinator = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "callerdesk_async.distributed", "coordinate", str(plan_path),
            "--redis", redis_server.url, "--poll", "0.2",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(coordinator.communicate(), HANG)
        assert coordinator.returncode == 0, err.decode() + w.log_tail()
        after = sandbox_stats(sandbox_process.url)
        merged = plan.output.read_bytes()
        expected, reference_requests = await reference(plan)
        requests, limited, fraction = fraction_429(before, after)
        markers = [read_marker(plan, i) for i in range(len(plan.windows))]
        print(f"\nbar 1: {len(plan.windows)} windows, {out.decode().strip()}; merged "
              f"{len(merged)} bytes == single-process {len(expected)} bytes: "
              f"{merged == expected}; sandbox: {requests} requests, {limited} 429s "
              f"({fraction:.2%}); single-process run: {reference_requests} requests")  # fmt: skip
        assert merged == expected
        assert expected.count(b"\n") == ROWS + 1
        assert fraction <= 0.01
        # Each window was fetched once: every request that was not a 429 fetched a page of a
        # window (each window's pages: its rows / per_page, rounded up; one for none).
        pages = sum(max(1, -(-m.rows // plan.per_page)) for m in markers)  # type: ignore[union-attr]
        assert requests - limited == pages

        # Bar 3: send two windows twice more through Taskiq, wait until all four deliveries
        # were executed and acknowledged, and find nothing changed.
        files = shard_files(plan)
        sender = make_broker(redis_server.url)
        await sender.startup()
        try:
            for window in (0, 7, 0, 7):
                kicker = export_window_task.kicker().with_broker(sender)
                await kicker.kiq(str(plan_path), window, 99)
        finally:
            await sender.shutdown()
        async with Redis.from_url(redis_server.url) as redis:
            await wait_until(lambda: queue_drained(redis), "the duplicates to be executed")
        again = sandbox_stats(sandbox_process.url)
        logs = w.log_tail(lines=10_000)
        # At least once: the broker may deliver a duplicate again (a CI run saw window 0 three
        # times); each delivery must be a no-op, which the unchanged counts below show.
        assert logs.count("window 0: already done; nothing sent") >= 2, logs
        assert logs.count("window 7: already done; nothing sent") >= 2, logs
        assert "Exception found while executing function" not in logs
        print(
            f"bar 3: 4 duplicate deliveries executed and acknowledged, each logged 'already "
            f"done; nothing sent'; sandbox requests {after['requests_total']} -> "
            f"{again['requests_total']}; shard files unchanged: {shard_files(plan) == files}"
        )
        assert again["requests_total"] == after["requests_total"]
        assert shard_files(plan) == files
        assert plan.output.read_bytes() == expected


async def test_a_worker_killed_mid_window_is_taken_over_from_its_checkpoints(
    redis_server: RedisServer, sandbox_process: SandboxProcess, reference: Any, tmp_path: Path
) -> None:
    plan, plan_path = make_strict_plan(tmp_path, lease_seconds=4.0)
    events: list[tuple[str, int, int]] = []
    before = sandbox_stats(sandbox_process.url)
    with taskiq_workers(3, worker_env(redis_server, sandbox_process), tmp_path / "logs") as w:
        coordinator = asyncio.ensure_future(
            coordinate_plan(
                plan_path, url=redis_server.url, poll=0.2, on_event=lambda *e: events.append(e)
            )
        )
        board = WindowBoard.from_url(redis_server.url, plan.plan_id)
        try:
            victim, in_flight = await _freeze_a_worker_mid_window(plan, board, w)
            manager = w.manager_of(victim)
            manager.send_signal(signal.SIGKILL)  # first, so it cannot start a new child
            os.kill(victim, signal.SIGKILL)
            manager.wait(30)
            psutil.wait_procs([psutil.Process(victim)], timeout=30)
            summary = await asyncio.wait_for(coordinator, HANG)
        except BaseException:
            coordinator.cancel()
            raise
        finally:
            await board.aclose()
        after = sandbox_stats(sandbox_process.url)
    merged = summary.path.read_bytes()
    expected, _ = await reference(plan)
    requeued = sorted(i for event, i, _ in events if event in ("requeued", "resent"))
    resumed = {i: read_marker(plan, i).resumed_rows for i in in_flight}  # type: ignore[union-attr]
    requests, limited, fraction = fraction_429(before, after)
    print(f"\nbar 2: SIGKILLed worker pid {victim} holding windows {sorted(in_flight)} "
          f"(checkpointed rows {in_flight}); sent again: {requeued}; rows taken over from "
          f"checkpoints: {resumed}; merged {len(merged)} bytes == single-process: "
          f"{merged == expected}; sandbox {requests} requests, {limited} 429s "
          f"({fraction:.2%})")  # fmt: skip
    assert set(in_flight) <= set(requeued)
    assert any(in_flight.values())  # at least one was half-written when killed
    for window, checkpointed in in_flight.items():
        assert resumed[window] >= checkpointed
    assert merged == expected
    for i in range(len(plan.windows)):
        ids = ids_in(plan.shard_path(i))
        assert len(ids) == len(set(ids)) == read_marker(plan, i).rows  # type: ignore[union-attr]
    assert not list(plan.shards.glob("*.part"))


async def _freeze_a_worker_mid_window(
    plan: ExportPlan, board: WindowBoard, workers: TaskiqWorkers
) -> tuple[int, dict[int, int]]:
    """SIGSTOP a worker child that holds a lease on a window with a checkpoint of rows but no
    marker; frozen, it cannot finish it. Returns its PID and ``{window: checkpointed rows}``
    of every unfinished window it holds."""
    found: list[tuple[int, dict[int, int]]] = []

    async def holders() -> dict[int, dict[int, int]]:
        held: dict[int, dict[int, int]] = {}
        for i in range(len(plan.windows)):
            status = await board.status(i)
            saved = load_checkpoint(plan.checkpoint_path(i))
            if status.leased and not plan.marker_path(i).exists():
                pid = int(status.owner.rsplit(":", 1)[1])
                held.setdefault(pid, {})[i] = 0 if saved is None else saved.rows
        return held

    async def frozen_mid_window() -> bool:
        for pid, windows in (await holders()).items():
            if not any(windows.values()):
                continue
            os.kill(pid, signal.SIGSTOP)
            # Look again now that it cannot move: it may have finished in between.
            mine = (await holders()).get(pid, {})
            if any(mine.values()):
                found.append((pid, mine))
                return True
            os.kill(pid, signal.SIGCONT)
        return False

    await wait_until(frozen_mid_window, "a worker holding a half-written window")
    pid, windows = found[0]
    return pid, windows
