"""Fixtures for the distributed-export tests: a fixed-date sandbox, Redis, a plan's board."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks._redis import RedisServer
from callerdesk_async import CallerdeskClient
from callerdesk_async.distributed import ExportPlan, WindowBoard, plan_export
from callerdesk_async.export import export
from callerdesk_async.sandbox import Sandbox, SandboxConfig

START, END = date(2025, 3, 1), date(2025, 3, 12)


def make_config(**knobs: Any) -> SandboxConfig:
    """A sandbox over fixed dates: its rows are the same on every run and in every process."""
    return SandboxConfig(**{"calls": 2400, "start_date": START, "end_date": END, **knobs})


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(make_config()) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[CallerdeskClient]:
    async with CallerdeskClient(sandbox.authcode, base_url=sandbox.base_url) as cd:
        yield cd


def make_plan(tmp_path: Path, name: str = "calls.csv", **knobs: Any) -> ExportPlan:
    """A plan of the sandbox's call report, one window per day, 50 rows a page."""
    kwargs: dict[str, Any] = {"start": START, "end": END, "per_page": 50, **knobs}
    return plan_export("calls", tmp_path / name, **kwargs)


async def single_process(client: CallerdeskClient, plan: ExportPlan, path: Path) -> bytes:
    """The bytes the ordinary one-process export of the plan's range writes."""
    await export(
        client,
        plan.report,
        path,
        start=plan.start,
        end=plan.end,
        filters=dict(plan.filters),
        per_page=plan.per_page,
        window_days=plan.window_days or 1,
        format=plan.format,
        compression=plan.compression,
    )
    return path.read_bytes()


@pytest.fixture
async def board_for(redis_server: RedisServer) -> AsyncIterator[Any]:
    """``board_for(plan)``: a :class:`WindowBoard` of the plan on the test's redis-server."""
    made: list[WindowBoard] = []

    def board_for(plan: ExportPlan, **kwargs: Any) -> WindowBoard:
        board = WindowBoard.from_url(redis_server.url, plan.plan_id, **kwargs)
        made.append(board)
        return board

    yield board_for
    for board in made:
        await board.aclose()
