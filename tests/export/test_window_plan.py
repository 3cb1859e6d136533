"""The window planner (pure: totals in, windows out) and what it saves on a sparse report."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callerdesk_async import CallerdeskClient
from callerdesk_async.export import (
    DateWindow,
    ExportOptions,
    ExportProgress,
    WindowPlan,
    _checkpoint,
    export_app_calls,
    split_windows,
)
from callerdesk_async.sandbox import Sandbox, SandboxConfig

OCT_1, OCT_31 = date(2026, 10, 1), date(2026, 10, 31)


def drive(plan: WindowPlan, rows_on: Callable[[date], int]) -> int:
    """Answer the plan's questions from per-day counts; returns how many it asked."""
    asked = 0
    while not plan.done:
        for span in plan.wanted():
            asked += 1
            days = range(span.days)
            plan.tell(span, sum(rows_on(span.start + timedelta(d)) for d in days))
    return asked


def test_a_sparse_month_is_one_window_from_the_range_total_alone():
    plan = WindowPlan(split_windows(OCT_1, OCT_31), merge_rows=1000)
    assert plan.wanted() == [DateWindow(OCT_1, OCT_31)]
    plan.tell(DateWindow(OCT_1, OCT_31), 126)
    assert plan.done and plan.windows == [DateWindow(OCT_1, OCT_31)]


def test_a_dense_range_keeps_its_windows_for_two_more_requests():
    plan = WindowPlan(split_windows(OCT_1, OCT_31, 2), merge_rows=1000)
    asked = drive(plan, lambda day: 1001)  # more than 1000 rows per window everywhere
    assert plan.windows == split_windows(OCT_1, OCT_31, 2) and asked == 3  # the range + halves


def test_unknown_total_or_no_merging_keeps_the_windows():
    plan = WindowPlan(split_windows(OCT_1, OCT_31), merge_rows=1000)
    plan.tell(plan.wanted()[0], None)
    assert plan.windows == split_windows(OCT_1, OCT_31)
    off = WindowPlan(split_windows(OCT_1, OCT_31), merge_rows=0)
    assert off.done and off.wanted() == [] and off.windows == split_windows(OCT_1, OCT_31)
    single = WindowPlan(split_windows(OCT_1, OCT_1), merge_rows=1000)
    assert single.done and single.windows == [DateWindow(OCT_1, OCT_1)]


def test_a_busy_week_in_a_quiet_month_is_split_out():
    def rows_on(day: date) -> int:
        return 5000 if date(2026, 10, 20) <= day <= date(2026, 10, 26) else 3

    plan = WindowPlan(split_windows(OCT_1, OCT_31), merge_rows=1000)
    asked = drive(plan, rows_on)
    busy = [DateWindow(date(2026, 10, d), date(2026, 10, d)) for d in range(26, 19, -1)]
    windows = plan.windows
    assert [w for w in windows if w in busy] == busy
    # The older half (Oct 1-16, quiet) is one window; the newer one (Oct 17-31) keeps its days.
    assert windows[-1] == DateWindow(OCT_1, date(2026, 10, 16))
    assert len(windows) == 15 + 1 and asked == 3


def test_bad_plans_are_refused():
    with pytest.raises(ValueError, match="merge_rows"):
        WindowPlan(split_windows(OCT_1, OCT_31), merge_rows=-1)
    with pytest.raises(ValueError, match="neighbours"):
        WindowPlan([DateWindow(OCT_31, OCT_31), DateWindow(OCT_1, OCT_1)], merge_rows=10)
    with pytest.raises(ValueError, match="at least one"):
        WindowPlan([], merge_rows=10)
    plan = WindowPlan(split_windows(OCT_1, OCT_31), merge_rows=10)
    with pytest.raises(RuntimeError, match="needs totals"):
        _ = plan.windows


@given(
    counts=st.lists(st.integers(0, 3000), min_size=1, max_size=120),
    window_days=st.integers(1, 9),
    merge_rows=st.integers(0, 5000),
)
def test_plan_properties(counts: Sequence[int], window_days: int, merge_rows: int) -> None:
    first = date(2025, 1, 1)
    last = first + timedelta(len(counts) - 1)
    base = split_windows(first, last, window_days)

    def rows_on(day: date) -> int:
        return counts[(day - first).days]

    def rows_in(window: DateWindow) -> int:
        return sum(rows_on(window.start + timedelta(d)) for d in range(window.days))

    plan = WindowPlan(base, merge_rows=merge_rows)
    asked = drive(plan, rows_on)
    windows = plan.windows
    # Newest first, neighbours, covering the range: the same rows in the same order.
    assert windows[0].end == last and windows[-1].start == first
    for newer, older in itertools.pairwise(windows):
        assert older.end + timedelta(1) == newer.start
    # Each window is whole cut windows; a merged one holds at most merge_rows rows.
    edges = {w.start for w in base}
    for window in windows:
        assert window.start in edges
        if window not in base:
            assert rows_in(window) <= merge_rows
    # A cut window denser than merge_rows is never merged: dense windows keep their size.
    for window in base:
        if rows_in(window) > merge_rows:
            assert window in windows
    assert asked <= max(0, 2 * len(base) - 1)


# -- against the sandbox: a sparse app-call report ----------------------------------------


def _sparse_config() -> SandboxConfig:
    return SandboxConfig(calls=10, app_calls=126, start_date=OCT_1, end_date=OCT_31)


async def _export(cd: CallerdeskClient, sb: Sandbox, path: Path, **kwargs: Any) -> tuple[Any, int]:
    before = sb.stats.requests_by_endpoint.get("app_call_list_v2", 0)
    summary = await export_app_calls(cd, path, start=OCT_1, end=OCT_31, **kwargs)
    return summary, sb.stats.requests_by_endpoint["app_call_list_v2"] - before


async def test_a_sparse_month_costs_a_few_requests_and_the_same_bytes(tmp_path: Path):
    async with (
        Sandbox(_sparse_config()) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd,
    ):
        daily, daily_requests = await _export(
            cd, sb, tmp_path / "daily.csv", options=ExportOptions(merge_pages=0)
        )
        merged, merged_requests = await _export(cd, sb, tmp_path / "merged.csv")
    assert daily.rows == merged.rows == 126
    assert (daily.windows, daily_requests) == (31, 32)  # the probe + one page per day
    assert (merged.windows, merged_requests) == (1, 3)  # the probe + two pages of 100
    assert (tmp_path / "merged.csv").read_bytes() == (tmp_path / "daily.csv").read_bytes()


class Stop(Exception):
    pass


@contextlib.asynccontextmanager
async def _interrupted(tmp_path: Path, pages: int, merge_pages: int) -> AsyncIterator[Any]:
    """A client of a sandbox with the sparse month, after the reference export into
    ``ref.csv`` and an export into ``a.csv`` (5 rows a page, checkpoint ``a.ckpt``) stopped
    after ``pages`` pages."""
    async with (
        Sandbox(_sparse_config()) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd,
    ):
        await export_app_calls(cd, tmp_path / "ref.csv", start=OCT_1, end=OCT_31, per_page=5)

        def stop(progress: ExportProgress) -> None:
            if progress.pages == pages:
                raise Stop

        options = ExportOptions(checkpoint_interval=0.0, merge_pages=merge_pages)
        with pytest.raises(Stop):
            await export_app_calls(
                cd, tmp_path / "a.csv", start=OCT_1, end=OCT_31, per_page=5,
                checkpoint=tmp_path / "a.ckpt", options=options, on_progress=stop,
            )  # fmt: skip
        yield cd


async def _resume(cd: CallerdeskClient, tmp_path: Path, merge_pages: int) -> Any:
    return await export_app_calls(
        cd, tmp_path / "a.csv", start=OCT_1, end=OCT_31, per_page=5,
        checkpoint=tmp_path / "a.ckpt", resume=True,
        options=ExportOptions(checkpoint_interval=0.0, merge_pages=merge_pages),
    )  # fmt: skip


async def test_a_merged_plan_is_checkpointed_and_resumed_as_planned(tmp_path: Path):
    async with _interrupted(tmp_path, pages=2, merge_pages=4) as cd:
        saved = json.loads((tmp_path / "a.ckpt").read_text())
        planned = [DateWindow.from_dict(w) for w in saved["windows"]]
        assert saved["version"] == 3 and 1 < len(planned) < 31
        summary = await _resume(cd, tmp_path, merge_pages=4)
    assert summary.resumed and summary.windows == len(planned) and summary.rows == 126
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()


async def test_a_version_2_checkpoint_resumes_with_the_windows_it_was_cut_into(tmp_path: Path):
    async with _interrupted(tmp_path, pages=3, merge_pages=0) as cd:
        # What version 2 wrote: no windows (they were the uniform cut by window_days).
        ckpt = tmp_path / "a.ckpt"
        body = json.loads(ckpt.read_text())
        del body["windows"], body["seal"]
        body["version"] = 2
        body["seal"] = _checkpoint._seal(body)
        ckpt.write_text(json.dumps(body))
        # Resumed with merging on: the saved position indexes the uniform windows, kept.
        summary = await _resume(cd, tmp_path, merge_pages=10)
    assert summary.resumed and summary.windows == 31 and summary.rows == 126
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
