"""export_window and merge_shards in one process: shards, markers, no-ops, resume, merge."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.distributed import (
    ExportPlan,
    Lease,
    LeaseLostError,
    export_window,
    merge_shards,
)
from callerdesk_async.export import ExportOptions
from callerdesk_async.export._checkpoint import load_checkpoint
from callerdesk_async.sandbox import Sandbox
from tests.clock import VirtualClock

from .conftest import make_plan, single_process


async def write_all(client: CallerdeskClient, plan: ExportPlan, board: Any) -> list[Any]:
    return [await export_window(client, plan, i, board=board) for i in range(len(plan.windows))]


@contextlib.asynccontextmanager
async def stalling_client(sandbox: Sandbox, nth: int) -> AsyncIterator[tuple[Any, asyncio.Event]]:
    """A client whose ``nth`` request (and every later one) waits until it is cancelled, and
    the event set when that request is reached."""
    stalled = asyncio.Event()
    sent = 0

    async def stall(_: Any) -> None:
        nonlocal sent
        sent += 1
        if sent >= nth:
            stalled.set()
            await asyncio.Event().wait()

    async with CallerdeskClient(
        sandbox.authcode,
        base_url=sandbox.base_url,
        event_hooks={"request": [stall]},
        prefetch=0,
    ) as cd:
        yield cd, stalled


@pytest.mark.parametrize("name", ["calls.csv", "calls.ndjson", "calls.csv.gz", "calls.ndjson.zst"])
async def test_merged_shards_are_the_single_process_export(
    client: CallerdeskClient, board_for: Any, tmp_path: Path, name: str
) -> None:
    plan = make_plan(tmp_path, name)
    assert len(plan.windows) == 10
    outcomes = await write_all(client, plan, board_for(plan))
    assert [o.status for o in outcomes] == ["written"] * 10
    assert plan.missing() == []
    summary = merge_shards(plan)
    expected = await single_process(client, plan, tmp_path / f"single-{name}")
    assert summary.path.read_bytes() == expected
    assert summary.rows == sum(o.rows for o in outcomes) == 3000
    assert not list(plan.shards.glob("*.part")) and not list(plan.shards.glob("*checkpoint*"))


async def test_a_window_sent_twice_changes_nothing(
    client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    plan = make_plan(tmp_path)
    board = board_for(plan)
    await write_all(client, plan, board)
    before = {p.name: p.read_bytes() for p in plan.shards.iterdir()}
    sent = client.stats.admitted
    again = await export_window(client, plan, 3, board=board)
    assert again.status == "done"
    assert client.stats.admitted == sent
    assert {p.name: p.read_bytes() for p in plan.shards.iterdir()} == before


async def test_a_window_leased_elsewhere_is_left_alone(
    client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    plan = make_plan(tmp_path)
    board = board_for(plan)
    held = await board.acquire(2, 60, owner="other-host:1")
    assert not isinstance(held, str)
    outcome = await export_window(client, plan, 2, board=board)
    assert (outcome.status, outcome.holder) == ("busy", "other-host:1")
    assert client.stats.admitted == 0
    assert not plan.shard_path(2).exists()


async def test_an_interrupted_window_resumes_from_its_checkpoint(
    sandbox: Sandbox, client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    plan = make_plan(tmp_path, per_page=10)
    board = board_for(plan)
    every_page = ExportOptions(checkpoint_interval=0)
    async with stalling_client(sandbox, 5) as (stalling, stalled):
        first = asyncio.ensure_future(
            export_window(stalling, plan, 0, board=board, options=every_page)
        )
        await asyncio.wait_for(stalled.wait(), 60)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
    saved = load_checkpoint(plan.checkpoint_path(0))
    assert saved is not None and saved.rows == 40  # four pages of ten
    status = await board.status(0)
    assert not status.leased and "CancelledError" in status.error
    outcome = await export_window(client, plan, 0, board=board)
    assert (outcome.status, outcome.resumed_rows) == ("written", 40)
    marker = json.loads(plan.marker_path(0).read_bytes())
    assert marker["resumed_rows"] == 40
    for i in range(1, len(plan.windows)):
        await export_window(client, plan, i, board=board)
    merged = merge_shards(plan).path.read_bytes()
    assert merged == await single_process(client, plan, tmp_path / "single.csv")


async def test_parquet_shards_merge_into_a_dataset_in_window_order(
    client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    plan = make_plan(tmp_path, "calls.parquet")
    await write_all(client, plan, board_for(plan))
    summary = merge_shards(plan)
    assert summary.path.is_dir() and summary.rows == 3000
    parts = sorted(p.name for p in summary.path.iterdir())
    assert parts == [f"part-{i:05d}.parquet" for i in range(10)]
    merged = ds.dataset(summary.path, format="parquet").to_table()
    await single_process(client, plan, tmp_path / "single.parquet")
    single = pq.read_table(tmp_path / "single.parquet")
    assert merged.column("id").to_pylist() == single.column("id").to_pylist()
    assert merged.equals(single.select(merged.column_names))


async def test_an_attempt_that_lost_its_lease_stops_writing(
    sandbox: Sandbox, board_for: Any, tmp_path: Path
) -> None:
    plan = make_plan(tmp_path, per_page=10, lease_seconds=0.3)  # renewed every 0.1 s
    clock = VirtualClock(1_000_000.0)  # the lease runs out only when the test says so
    board = board_for(plan, clock=clock)
    async with stalling_client(sandbox, 3) as (stalling, stalled):
        attempt = asyncio.ensure_future(export_window(stalling, plan, 0, board=board))
        await asyncio.wait_for(stalled.wait(), 60)
        clock.advance(1.0)  # the lease ran out while the worker stalled ...
        other = await board.acquire(0, 60.0, owner="other:2")  # ... and someone took it
        assert isinstance(other, Lease)
        with pytest.raises(LeaseLostError, match="ran out before it was finished"):
            await asyncio.wait_for(attempt, 60)
    assert not plan.shard_path(0).exists() and not plan.marker_path(0).exists()
    assert (await board.status(0)).owner == "other:2"  # its release did not free it


@pytest.mark.parametrize("name", ["calls.csv", "calls.ndjson"])
async def test_a_sparse_range_merges_to_the_default_single_process_export_uncompressed(
    tmp_path: Path, client: CallerdeskClient, board_for: Any, name: str
) -> None:
    # IVR calls only, 50 rows a page: days sparse enough that the default export merges them.
    plan = make_plan(tmp_path, name, filters={"flow_type": "IVR"})
    await write_all(client, plan, board_for(plan))
    merged = Path(merge_shards(plan).path).read_bytes()
    assert merged == await single_process(client, plan, tmp_path / f"uniform-{name}")
    assert merged == await single_process(
        client, plan, tmp_path / f"default-{name}", merge_pages=10
    )
    # ... and the default export did merge windows: its gzip members break elsewhere.
    (tmp_path / "gz").mkdir()
    gz = make_plan(tmp_path / "gz", "calls.csv.gz", filters={"flow_type": "IVR"})
    uniform = await single_process(client, gz, tmp_path / "uniform.csv.gz")
    assert uniform != await single_process(client, gz, tmp_path / "default.csv.gz", merge_pages=10)
