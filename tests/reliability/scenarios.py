"""Reliability scenarios shared by the fast suite (``tests/reliability``) and the soak
(``tests/soak``, ``nox -s soak``): the same code runs at two scales.

Each scenario drives the SDK against the sandbox over real TCP, checks its invariant with plain
``assert`` statements and returns the figures behind it (a plain dict, printed by the soak and
quoted in ``docs/reliability.md``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from callerdesk_async import CallerdeskClient, RetryPolicy
from callerdesk_async.errors import CallerdeskError, OutcomeUnknownError, RateLimitError
from callerdesk_async.sandbox import Sandbox, SandboxConfig, SandboxProcess

from ..clock import VirtualClock

IST = timezone(timedelta(hours=5, minutes=30))
FIRST_ID = 1_000_000
"""The sandbox numbers its seeded calls from here; live calls and click-to-calls follow."""

# The fault mix of bar 1: 5% 5xx, 2% resets (half before, half after acting), 1% malformed,
# 2% 429 with a short Retry-After, 1% slow bodies.
SOAK_FAULTS: dict[str, Any] = {
    "fault_5xx": 0.05,
    "fault_reset_before": 0.01,
    "fault_reset_after": 0.01,
    "fault_malformed": 0.01,
    "fault_429": 0.02,
    "retry_after_seconds": 0.05,
    "fault_slow_body": 0.01,
    "slow_body_seconds": 0.2,
}
# With ~10% of attempts failing, 8 retries make a give-up (9 failures in a row) a 1e-9 event.
SOAK_RETRY = RetryPolicy(max_retries=8, initial=0.005, max_delay=0.05)


def checksum(ids: Iterable[str]) -> str:
    """sha256 of the ids sorted numerically, one per line: the identity of a set of calls."""
    text = "\n".join(str(i) for i in sorted(int(i) for i in ids))
    return hashlib.sha256(text.encode()).hexdigest()


def content_digest(rows: Iterable[dict[str, Any]]) -> str:
    """sha256 over the rows' canonical JSON, in order: the identity of what was yielded."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


def today_ist() -> date:
    return datetime.now(IST).date()


def _client(sb: Sandbox | SandboxProcess, **kw: Any) -> CallerdeskClient:
    kw.setdefault("retry", SOAK_RETRY)
    return CallerdeskClient(sb.authcode, base_url=sb.base_url, **kw)


def _live_clock() -> VirtualClock:
    """Live calls arrive per request the sandbox serves (about one per request at 100/s), not
    per wall-clock second, so the "traffic kept arriving" checks hold on any machine."""
    return VirtualClock(step=0.01)


def _split_live(ids: list[str], calls: int) -> tuple[list[str], list[int]]:
    """(seeded ids, live ids) and the checks that the live part is a snapshot's prefix."""
    base = [i for i in ids if int(i) < FIRST_ID + calls]
    live = sorted(int(i) for i in ids if int(i) >= FIRST_ID + calls)
    # Live calls are numbered in arrival order; a snapshot holds the first k of them, all of them.
    assert live == list(range(FIRST_ID + calls, FIRST_ID + calls + len(live))), live[:10]
    return base, live


# -- bar 1: fault soak ---------------------------------------------------------------------


async def fault_soak_paginator(
    calls: int, *, seed: int = 11, live_rate: float = 100.0
) -> dict[str, Any]:
    """Iterate the whole report (no date filter, so every page drifts under live traffic)."""
    first = today_ist() - timedelta(days=30)
    base_cfg = SandboxConfig(seed=seed, calls=calls, start_date=first, end_date=today_ist())
    started = time.perf_counter()
    async with Sandbox(base_cfg) as sb, _client(sb) as cd:
        reference_rows = await cd.calls.list(per_page=100).raw().collect()
    clean_seconds = time.perf_counter() - started
    reference = [r["id"] for r in reference_rows]
    assert len(reference) == len(set(reference)) == calls
    expected = checksum(reference)
    expected_content = content_digest(reference_rows)

    cfg = base_cfg.evolve(live_calls_per_second=live_rate, **SOAK_FAULTS)
    started = time.perf_counter()
    async with Sandbox(cfg, clock=_live_clock()) as sb, _client(sb) as cd:
        pager = cd.calls.list(per_page=100).raw()
        rows = [r async for r in pager]
        ids = [r["id"] for r in rows]
        stats, client_stats = sb.stats, cd.stats
    seconds = time.perf_counter() - started
    dupes = {k: n for k, n in Counter(ids).items() if n > 1}
    assert not dupes, f"{len(dupes)} ids yielded twice, e.g. {list(dupes.items())[:5]}"
    base, live = _split_live(ids, calls)
    assert len(base) == calls, f"lost {calls - len(base)} seeded calls"
    assert checksum(base) == expected
    # Every field of every seeded row, in order, is the fault-free run's.
    seeded = [r for r in rows if int(r["id"]) < FIRST_ID + calls]
    assert content_digest(seeded) == expected_content
    assert pager.total == len(ids)  # the snapshot pinned on the first page, exactly
    assert stats.live_calls_added > len(live)  # traffic kept arriving after the snapshot
    assert sum(stats.faults.values()) > 0
    return {
        "calls": calls,
        "yielded": len(ids),
        "live_in_snapshot": len(live),
        "live_arrived": stats.live_calls_added,
        "duplicates": 0,
        "lost": 0,
        "checksum": expected,
        "content_digest": expected_content,
        "requests": stats.requests_total,
        "faults": dict(sorted(stats.faults.items())),
        "retries": client_stats.retries,
        "throttled": client_stats.throttled,
        "seconds": round(seconds, 1),
        "clean_seconds": round(clean_seconds, 1),
    }


async def fault_soak_export(
    calls: int, tmp: Path, *, seed: int = 12, live_rate: float = 100.0
) -> dict[str, Any]:
    """``export_calls`` to NDJSON through faults and live traffic vs a fault-free export."""
    from callerdesk_async.export import export_calls

    today = today_ist()
    first = today - timedelta(days=30)
    base_cfg = SandboxConfig(
        seed=seed, calls=calls, start_date=first, end_date=today - timedelta(days=1)
    )
    # Windows of 7 days: the newest one holds today, where live calls land, and a week of
    # seeded calls below them, so its pages drift while they are fetched.
    kw: dict[str, Any] = {"start": first, "end": today, "format": "ndjson", "window_days": 7}
    clean_path, faulty_path = tmp / "clean.ndjson", tmp / "faulty.ndjson"
    started = time.perf_counter()
    async with Sandbox(base_cfg) as sb, _client(sb) as cd:
        await export_calls(cd, clean_path, **kw)
    clean_seconds = time.perf_counter() - started
    clean_lines = clean_path.read_bytes().splitlines()
    reference = [json.loads(line)["id"] for line in clean_lines]
    assert len(reference) == len(set(reference)) == calls
    expected = checksum(reference)

    cfg = base_cfg.evolve(live_calls_per_second=live_rate, **SOAK_FAULTS)
    started = time.perf_counter()
    async with Sandbox(cfg, clock=_live_clock()) as sb, _client(sb) as cd:
        summary = await export_calls(cd, faulty_path, **kw)
        stats, client_stats = sb.stats, cd.stats
    seconds = time.perf_counter() - started
    lines = faulty_path.read_bytes().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    dupes = {k: n for k, n in Counter(ids).items() if n > 1}
    assert not dupes, f"{len(dupes)} ids written twice, e.g. {list(dupes.items())[:5]}"
    base, live = _split_live(ids, calls)
    assert len(base) == calls, f"lost {calls - len(base)} seeded calls"
    assert checksum(base) == expected
    # Byte for byte, the seeded rows are exactly the fault-free export's, in the same order.
    seeded = [line for line, i in zip(lines, ids, strict=True) if int(i) < FIRST_ID + calls]
    assert seeded == clean_lines
    assert summary.rows == len(ids)
    assert sum(stats.faults.values()) > 0
    return {
        "calls": calls,
        "written": len(ids),
        "live_in_export": len(live),
        "live_arrived": stats.live_calls_added,
        "duplicates": 0,
        "lost": 0,
        "checksum": expected,
        "seeded_rows_byte_identical": True,
        "requests": stats.requests_total,
        "faults": dict(sorted(stats.faults.items())),
        "retries": client_stats.retries,
        "throttled": client_stats.throttled,
        "seconds": round(seconds, 1),
        "clean_seconds": round(clean_seconds, 1),
    }


# -- bar 3: no double dial -----------------------------------------------------------------


async def no_double_dial(
    n: int,
    *,
    seed: int = 21,
    reset_before: float = 0.10,
    reset_after: float = 0.10,
    fault_5xx: float = 0.0,
    fault_malformed: float = 0.0,
    fault_429: float = 0.0,
    concurrency: int = 8,
) -> dict[str, Any]:
    """``n`` click-to-calls, each with its own ``campid``, through dropped connections.

    The sandbox draws at most one fault per attempt. For the final attempt of a call:
    reset_before and 5xx happen *before* it acts, reset_after and malformed *after*; a 429 is
    refused before acting and retried. So, exactly:

    * executed calls (rows on top of the report, by campid) = successes + unknown-and-executed;
    * #OutcomeUnknownError that were executed == faults[reset_after] + faults[malformed];
    * #OutcomeUnknownError never executed == faults[reset_before] + faults[5xx];
    * no request id executed twice, no campid twice.
    """
    cfg = SandboxConfig(
        seed=seed,
        calls=1_000,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 1, 31),
        retry_after_seconds=0.01,
    )
    async with Sandbox(cfg) as sb, _client(sb, max_concurrency=concurrency) as cd:
        members = await cd.members.list().collect()
        agents = [m.member_num for m in members if m.status == 1 and m.member_num]
        desk = (await cd.request("getdeskphone_v2", idempotent=True))["getdeskphone"][0]
        assert agents
        sb.reset()  # counters to zero; from here on every request is a click-to-call
        sb.configure(
            fault_reset_before=reset_before,
            fault_reset_after=reset_after,
            fault_5xx=fault_5xx,
            fault_malformed=fault_malformed,
            fault_429=fault_429,
        )
        campids = [str(700_000 + k) for k in range(n)]
        outcome: dict[str, str] = {}
        returned: dict[str, int | None] = {}

        async def dial(k: int) -> None:
            campid = campids[k]
            try:
                result = await cd.calls.click_to_call(
                    agent=agents[k % len(agents)],
                    customer=f"9{k:09d}",
                    deskphone=str(desk["deskphone"]),
                    campid=campid,
                )
            except OutcomeUnknownError:
                outcome[campid] = "unknown"
            except RateLimitError:
                outcome[campid] = "rate_limited"
            except CallerdeskError as exc:
                outcome[campid] = f"other:{type(exc).__name__}:{exc.message}"
            else:
                outcome[campid] = "placed"
                returned[campid] = result.campid

        await asyncio.gather(*(dial(k) for k in range(n)))
        stats = sb.stats
        rows = sb.core.calls.explicit_rows()

    executed = Counter(str(r["campid"]) for r in rows)
    others = {c: o for c, o in outcome.items() if o.startswith("other")}
    assert not others, f"unexpected errors: {list(others.items())[:5]}"
    assert stats.duplicate_executions == {}, stats.duplicate_executions
    assert all(count == 1 for count in executed.values()), "a campid was dialled twice"
    assert sum(stats.executions_by_request_id.values()) == stats.click_to_call_executions
    assert stats.click_to_call_executions == len(rows) == len(executed)
    placed = {c for c, o in outcome.items() if o == "placed"}
    unknown = {c for c, o in outcome.items() if o == "unknown"}
    limited = {c for c, o in outcome.items() if o == "rate_limited"}
    assert placed <= set(executed), "the SDK reported a call as placed that never happened"
    assert all(returned[c] == int(c) for c in placed)  # the API echoed our campid
    assert not limited & set(executed), "a call reported as rate-limited was placed"
    faults = stats.faults
    assert len(unknown & set(executed)) == faults.get("reset_after", 0) + faults.get("malformed", 0)
    assert len(unknown - set(executed)) == faults.get("reset_before", 0) + faults.get("5xx", 0)
    assert set(executed) == placed | (unknown & set(executed))
    assert len(placed) + len(unknown) + len(limited) == n
    return {
        "click_to_calls": n,
        "placed": len(placed),
        "outcome_unknown": len(unknown),
        "outcome_unknown_executed": len(unknown & set(executed)),
        "outcome_unknown_not_executed": len(unknown - set(executed)),
        "rate_limited": len(limited),
        "executed": stats.click_to_call_executions,
        "duplicate_executions": len(stats.duplicate_executions),
        "faults": dict(sorted(faults.items())),
        "requests": stats.requests_total,
    }


# -- bar 2: crash safety -------------------------------------------------------------------


def _cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "callerdesk_async.cli", *map(str, args)]


def _env(authcode: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLERDESK_")}
    env["CALLERDESK_AUTHCODE"] = authcode
    return env


def _ckpt_rows(path: Path) -> int:
    try:
        return int(json.loads(path.read_text())["rows"])
    except (OSError, ValueError, KeyError):
        return 0


def _wait_for_rows(proc: subprocess.Popen[str], ckpt: Path, rows: int) -> None:
    """Until the checkpoint holds at least ``rows`` durable rows or ``proc`` has ended."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and _ckpt_rows(ckpt) < rows and time.monotonic() < deadline:
        time.sleep(0.002)


def crash_trials(
    tmp: Path,
    *,
    trials: int,
    calls: int,
    kills_per_trial: int = 1,
    seed: int = 31,
    faults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """SIGKILL ``callerdesk export`` at random moments, resume, compare with a clean run.

    With faults on, a run may also stop with an error once the default retry budget (3) is
    spent on one page; that is resumed like a kill and counted in ``error_exits_resumed``.
    Kill moments are stratified (trial k of t dies at ``(k + U(0,1)) / t``: of the reference
    run's wall time for the first trial, of its rows, as the checkpoint tells, for the others;
    a repeated kill at a random share of the wall time), so they cover startup, the first
    checkpoint, the middle and the end of the export.
    """
    rng = random.Random(seed)
    cfg = SandboxConfig(
        seed=seed,
        calls=calls,
        start_date=date(2025, 3, 1),
        end_date=date(2025, 3, 20),
        latency_ms=1.0,
        latency_jitter_ms=2.0,
        **(faults or {}),
    )
    results: list[dict[str, Any]] = []
    error_exits: list[str] = []
    with SandboxProcess(cfg) as sandbox:
        env = _env(sandbox.authcode)
        for k in range(trials):
            fmt = ("csv", "ndjson")[k % 2]
            argv = [
                "export",
                "calls",
                "--from",
                "2025-03-01",
                "--to",
                "2025-03-20",
                "--base-url",
                sandbox.base_url,
                "--format",
                fmt,
                "--per-page",
                "50",
                "--window-days",
                "2",
                "--concurrency",
                "4",
                "--checkpoint-interval",
                "0" if k % 3 else "0.05",
                "--quiet",
            ]
            ref = tmp / f"ref{k}.{fmt}"
            for _ in range(4):  # a clean, uninterrupted run (started over if the faults win)
                for leftover in (Path(f"{ref}.part"), Path(f"{ref}.checkpoint.json")):
                    leftover.unlink(missing_ok=True)
                t0 = time.monotonic()
                done = subprocess.run(  # noqa: S603 - our interpreter, our module
                    _cli(*argv, "--out", ref), env=env, capture_output=True, text=True, timeout=300
                )
                ref_seconds = time.monotonic() - t0
                if done.returncode == 0:
                    break
                error_exits.append(done.stderr.strip()[-300:])
            assert done.returncode == 0, done.stderr
            ref_rows = len(ref.read_bytes().splitlines()) - (fmt == "csv")
            out = tmp / f"out{k}.{fmt}"
            ckpt = Path(str(out) + ".checkpoint.json")
            kills: list[dict[str, Any]] = []
            for j in range(kills_per_trial):
                frac = (k + rng.random()) / trials if j == 0 else rng.random()
                delay = frac * ref_seconds
                proc = subprocess.Popen(  # noqa: S603
                    _cli(*argv, "--out", out, "--resume"),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                if j == 0 and k > 0:
                    # Past the first stratum, die at a share of the rows rather than of the
                    # reference's wall time: a run that happens to be faster than the
                    # reference (the machine's load changed) still gets its kill.
                    _wait_for_rows(proc, ckpt, int(frac * ref_rows))
                else:
                    time.sleep(delay)
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.communicate(timeout=60)
                    assert proc.returncode == -signal.SIGKILL
                    kills.append({"at": round(delay, 3), "durable_rows": _ckpt_rows(ckpt)})
                else:
                    _, err = proc.communicate()
                    if proc.returncode != 0:
                        # The retry budget ran out on injected faults: the export stopped
                        # with an error, which is one more interruption to resume from.
                        error_exits.append(err.strip()[-300:])
                    break  # it ended before the kill: the output must still be right
            for _ in range(4):
                final = subprocess.run(  # noqa: S603
                    _cli(*argv, "--out", out, "--resume"),
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                if final.returncode == 0:
                    break
                error_exits.append(final.stderr.strip()[-300:])
            assert final.returncode == 0, final.stderr
            identical = out.read_bytes() == ref.read_bytes()
            assert identical, f"trial {k}: resumed output differs from the clean run"
            assert not ckpt.exists()
            assert not Path(str(out) + ".part").exists()
            results.append({"format": fmt, "ref_seconds": round(ref_seconds, 2), "kills": kills})
            out.unlink()
            ref.unlink()
    killed = [kill for r in results for kill in r["kills"]]
    return {
        "trials": trials,
        "calls": calls,
        "kills": len(killed),
        "kills_with_durable_progress": sum(1 for kill in killed if kill["durable_rows"] > 0),
        "kills_before_first_checkpoint": sum(1 for kill in killed if kill["durable_rows"] == 0),
        "byte_identical": trials,
        "error_exits_resumed": len(error_exits),
        "error_exit_messages": error_exits[:5],
        "trials_detail": results,
    }


# -- bar 4: cancellation -------------------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CANCEL_KINDS = ("request", "retry_backoff", "paginate", "paginate_bare", "collect", "pages")


async def cancellation_storm(
    cancellations: int, *, seed: int = 41, batch: int = 12
) -> dict[str, Any]:
    """Cancel tasks at random moments of requests, retries and paginations until
    ``cancellations`` cancels have landed; then check nothing is left behind.

    The sandbox runs in its own process (latency with jitter, 5xx, resets, 429, slow bodies),
    so every task in this loop is the SDK's or ours. Tasks run ``batch`` at a time against a
    client with ``max_concurrency=4`` so some are cancelled while queued in the dispatcher.
    ``retry_backoff`` tasks talk to a closed port: connection refused is retried, so they
    spend their life in connect attempts and backoff sleeps.
    """
    import gc

    rng = random.Random(seed)
    cfg = SandboxConfig(
        seed=seed,
        calls=5_000,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 1, 31),
        latency_ms=1.0,
        latency_jitter_ms=8.0,
        fault_5xx=0.04,
        fault_reset_before=0.02,
        fault_reset_after=0.02,
        fault_429=0.02,
        retry_after_seconds=0.02,
        fault_malformed=0.01,
        fault_slow_body=0.02,
        slow_body_seconds=0.1,
    )
    retry = RetryPolicy(max_retries=6, initial=0.005, max_delay=0.04)
    landed: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    swallowed: list[str] = []
    async with SandboxProcess(cfg) as sandbox:
        cd = CallerdeskClient(
            sandbox.authcode, base_url=sandbox.base_url, max_concurrency=4, prefetch=3, retry=retry
        )
        dead = CallerdeskClient(
            "x" * 16,
            base_url=f"http://127.0.0.1:{_closed_port()}/api/",
            retry=RetryPolicy(max_retries=50, initial=0.002, max_delay=0.02),
        )
        async with cd, dead:
            await cd.account.profile()  # open the pool before the baseline
            baseline = asyncio.all_tasks()

            async def work(kind: str) -> None:
                if kind == "request":
                    await rng.choice([cd.account.profile, cd.calls.live])()
                elif kind == "retry_backoff":
                    await dead.account.profile()
                elif kind == "paginate":
                    async with cd.calls.list(per_page=25) as pager:
                        async for _ in pager:
                            if rng.random() < 0.02:
                                await asyncio.sleep(0.001)
                elif kind == "paginate_bare":
                    # No ``async with``: the async generator is abandoned when cancelled in
                    # the loop body and must still release its prefetch tasks.
                    async for _ in cd.calls.list(per_page=25):
                        if rng.random() < 0.02:
                            await asyncio.sleep(0.001)
                elif kind == "collect":
                    await cd.calls.list(per_page=50).collect(limit=400)
                else:
                    async for page in cd.calls.list(per_page=20).pages():
                        if page.number > 30:
                            break

            pending_cancels: dict[asyncio.Task[None], str] = {}

            def cancel(task: asyncio.Task[None], kind: str) -> None:
                if task.cancel():
                    pending_cancels[task] = kind

            loop = asyncio.get_running_loop()
            started = time.perf_counter()
            while sum(landed.values()) < cancellations:
                tasks: list[asyncio.Task[None]] = []
                for _ in range(batch):
                    kind = rng.choice(CANCEL_KINDS)
                    task = asyncio.create_task(work(kind))
                    window = 0.015 if kind == "request" else 0.06
                    loop.call_later(rng.uniform(0.0, window), cancel, task, kind)
                    tasks.append(task)
                await asyncio.wait(tasks)
                for task in tasks:
                    kind = pending_cancels.pop(task, "")
                    if kind:
                        if task.cancelled():
                            landed[kind] += 1
                        else:
                            swallowed.append(f"{kind}: {task.exception()!r}")
                    elif not task.cancelled():
                        error = task.exception()
                        finished["ok" if error is None else type(error).__name__] += 1
                await asyncio.sleep(0)
            storm_seconds = time.perf_counter() - started

            # Abandoned async generators are closed by the loop's asyncgen hooks; give them a
            # moment, then everything must be back to idle.
            gc.collect()
            for _ in range(50):
                await asyncio.sleep(0.01)
                if asyncio.all_tasks() <= baseline and not _acquired(cd) and _idle(cd):
                    break
            leftover = asyncio.all_tasks() - baseline
            acquired = _acquired(cd) | _acquired(dead)
            stats, dead_stats = cd.stats, dead.stats
            # The client still works afterwards: no slot, token or connection was lost.
            profile = await cd.account.profile()
    assert not swallowed, f"{len(swallowed)} cancellations were swallowed: {swallowed[:5]}"
    assert not leftover, f"{len(leftover)} tasks left pending: {list(leftover)[:5]}"
    assert not acquired, f"{len(acquired)} connections still acquired"
    assert (stats.in_flight, stats.queued) == (0, 0), stats
    assert (dead_stats.in_flight, dead_stats.queued) == (0, 0), dead_stats
    assert profile is not None
    return {
        "cancellations": sum(landed.values()),
        "by_kind": dict(sorted(landed.items())),
        "finished_before_cancel": dict(sorted(finished.items())),
        "swallowed": 0,
        "tasks_left": 0,
        "connections_acquired": 0,
        "in_flight": 0,
        "queued": 0,
        "seconds": round(storm_seconds, 1),
    }


def _acquired(cd: CallerdeskClient) -> set[object]:
    session = cd._core.transport.session
    if session is None or session.connector is None:
        return set()
    return set(session.connector._acquired)


def _idle(cd: CallerdeskClient) -> bool:
    stats = cd.stats
    return stats.in_flight == 0 and stats.queued == 0
