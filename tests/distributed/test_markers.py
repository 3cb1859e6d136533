"""Markers decide what is done: anything short of a valid one makes the window missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.distributed import (
    DistributedExportError,
    ExportPlan,
    export_window,
    marker_problem,
    merge_shards,
    read_marker,
)
from callerdesk_async.distributed._markers import Marker, write_marker

from .conftest import make_plan, single_process


@pytest.fixture
async def finished(client: CallerdeskClient, board_for: Any, tmp_path: Path) -> ExportPlan:
    plan = make_plan(tmp_path)
    board = board_for(plan)
    for i in reversed(range(len(plan.windows))):  # written in any order
        await export_window(client, plan, i, board=board)
    assert plan.missing() == []
    return plan


def _edit_marker(plan: ExportPlan, index: int, **fields: Any) -> None:
    path = plan.marker_path(index)
    path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))


def _resealed(plan: ExportPlan, index: int, **fields: Any) -> None:
    marker = read_marker(plan, index)
    assert isinstance(marker, Marker)
    write_marker(plan, attrs.evolve(marker, **fields))


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda p: p.marker_path(4).unlink(), "no marker"),
        (lambda p: p.marker_path(4).write_text("{not json"), "unreadable marker"),
        (lambda p: p.marker_path(4).write_text("[]"), "not a marker"),
        (lambda p: _edit_marker(p, 4, rows=1), "seal does not match"),
        (lambda p: _resealed(p, 4, rows=123), "holds 300 rows, the marker records 123"),
        (lambda p: _resealed(p, 4, plan_id="0" * 32), "belongs to plan"),
        (lambda p: p.marker_path(4).write_bytes(p.marker_path(5).read_bytes()), "window 5's"),
        (lambda p: p.shard_path(4).unlink(), "shard is missing"),
        (lambda p: p.shard_path(4).write_bytes(p.shard_path(4).read_bytes() + b"x"), "bytes"),
    ],
)
def test_a_damaged_marker_or_shard_makes_the_window_missing(
    finished: ExportPlan, damage: Any, problem: str
) -> None:
    damage(finished)
    assert finished.missing() == [4]
    assert problem in (marker_problem(finished, 4) or "")
    with pytest.raises(DistributedExportError, match="1 of 10 windows are not finished"):
        merge_shards(finished)


async def test_a_missing_window_is_written_again(
    finished: ExportPlan, client: CallerdeskClient, board_for: Any, tmp_path: Path
) -> None:
    _resealed(finished, 4, rows=123)
    outcome = await export_window(client, finished, 4, board=board_for(finished))
    assert (outcome.status, outcome.rows) == ("written", 300)
    assert finished.missing() == []
    merged = merge_shards(finished, tmp_path / "merged.csv").path.read_bytes()
    assert merged == await single_process(client, finished, tmp_path / "single.csv")


def test_merge_joins_in_window_order_whatever_the_writing_order(finished: ExportPlan) -> None:
    lines = merge_shards(finished).path.read_text().splitlines()
    assert lines[0].startswith("id,sid_id,")
    assert lines.count(lines[0]) == 1  # one header
    days = [line.split(",")[8] for line in lines[1:]]  # call_date: newest window first
    assert days == sorted(days, reverse=True)
    assert len(days) == 3000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data[:-1] + b"\r", "changed after its marker"),
        (lambda data: data.replace(b"\n", b"\r\n", 1), "does not start with the plan's header"),
    ],
)
def test_merge_refuses_a_shard_changed_after_it_was_checked(
    finished: ExportPlan, monkeypatch: pytest.MonkeyPatch, change: Any, message: str
) -> None:
    from callerdesk_async.distributed import _merge

    shard = finished.shard_path(6)
    monkeypatch.setattr(_merge, "marker_problem", lambda plan, i: None)  # checked before ...
    shard.write_bytes(change(shard.read_bytes()))  # ... changed after
    with pytest.raises(DistributedExportError, match=message):
        merge_shards(finished)
    assert not finished.output.exists() and not list(finished.output.parent.glob("*.part"))
