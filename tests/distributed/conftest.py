"""Fixtures for the distributed-export tests: a fixed-date sandbox, Redis, a plan's board."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks._redis import RedisServer
from callerdesk_async import CallerdeskClient
from callerdesk_async.distributed import ExportPlan, WindowBoard, plan_export
from callerdesk_async.export import ExportOptions, export

# The export tests' fixed-date sandbox (10 days, 3,000 calls) and its client.
from tests.export.conftest import END, START, client, make_config, sandbox

__all__ = ["END", "START", "client", "make_config", "sandbox"]


def make_plan(tmp_path: Path, name: str = "calls.csv", **knobs: Any) -> ExportPlan:
    """A plan of the sandbox's call report, one window per day, 50 rows a page."""
    kwargs: dict[str, Any] = {"start": START, "end": END, "per_page": 50, **knobs}
    return plan_export("calls", tmp_path / name, **kwargs)


async def single_process(
    client: CallerdeskClient, plan: ExportPlan, path: Path, *, merge_pages: int = 0
) -> bytes:
    """The bytes the ordinary one-process export of the plan's range writes, with the plan's
    uniform windows (``merge_pages=0``; the default merges sparse neighbours)."""
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
        options=ExportOptions(merge_pages=merge_pages),
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
