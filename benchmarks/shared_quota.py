"""Issue 16, bar 2: many processes, one Redis, one quota, against a strict server.

8 worker processes x 4 tasks share ``RateLimit(50)`` through one ``RedisRateBackend`` (a
throw-away redis-server on a unix socket), against a sandbox in its own process whose strict
sliding window admits at most 50 requests in any second of arrivals (20 ms +- 10 ms transit
before the limiter). Measured over the steady 10 s after the first second (from the first answer
at or after 1 s to the first at or after 11 s, so whole periods of bursts count): aggregate
admitted rate vs 50/s and the fraction of 429s. Run twice: all clocks true, then 4 of the 8
processes with ``time.time`` and ``time.monotonic`` offset by +300 ms (patched before the SDK is
imported, so the dispatcher and the backend would read them).

Then one process gets two 429s (``Retry-After: 2``) from a second sandbox that throttles
everything; the timeline of admissions per 100 ms in all processes shows the others pause.

    python -m benchmarks.shared_quota [--processes 8] [--tasks 4] [--seconds 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

RATE = 50
STEADY = (1.0, 11.0)  # seconds after the start: the window the bar is measured over
INJECT_AT = 12.0  # seconds after the start: process 0 draws two 429s
RETRY_AFTER = 2.0


def worker(args: argparse.Namespace) -> None:
    """One process: ``args.tasks`` tasks sending requests until ``args.seconds`` are over."""
    real_time = time.time
    if args.offset:
        real_monotonic = time.monotonic
        time.time = lambda: real_time() + args.offset  # type: ignore[assignment]
        time.monotonic = lambda: real_monotonic() + args.offset  # type: ignore[assignment]
    import asyncio

    from callerdesk_async import CallerdeskClient, RateLimit, RetryPolicy
    from callerdesk_async.errors import RateLimitError
    from callerdesk_async.redis import RedisRateBackend

    async def main() -> dict[str, Any]:
        backend = RedisRateBackend.from_url(args.redis, quota="bench")
        limit = RateLimit(RATE, margin=args.margin)
        events: list[tuple[float, str]] = []
        async with (
            CallerdeskClient(args.authcode, base_url=args.base_url, rate_limit=limit,
                             rate_backend=backend, prefetch=0) as cd,
            CallerdeskClient(args.authcode, base_url=args.throttle_url, rate_limit=limit,
                             rate_backend=backend, prefetch=0,
                             retry=RetryPolicy(max_retries=0)) as bad,
        ):  # fmt: skip
            print("ready", flush=True)
            start = float(sys.stdin.readline())  # the parent's real clock: one start for all
            await asyncio.sleep(max(0.0, start - real_time()))

            async def task() -> None:
                while real_time() < start + args.seconds:
                    try:
                        await cd.calls.list(per_page=10).first_page()
                        events.append((real_time() - start, "ok"))
                    except RateLimitError:
                        events.append((real_time() - start, "429"))

            async def inject() -> None:
                await asyncio.sleep(start + INJECT_AT - real_time())
                for _ in range(2):  # the second 429 confirms the first: shared cool-down
                    try:
                        await bad.calls.list(per_page=10).first_page()
                    except RateLimitError:
                        events.append((real_time() - start, "injected_429"))

            jobs = [task() for _ in range(args.tasks)]
            if args.inject:
                jobs.append(inject())
            await asyncio.gather(*jobs)
            stats = cd.stats
        await backend.aclose()
        return {"events": events, "throttled": stats.throttled, "offset": args.offset}

    print(json.dumps(asyncio.run(main())), flush=True)


def run(
    processes: int, tasks: int, seconds: float, offset_half: bool, margin: float
) -> dict[str, Any]:
    from benchmarks._redis import RedisServer
    from callerdesk_async.sandbox import SandboxConfig, SandboxProcess

    strict = SandboxConfig(calls=1000, rate_limit=float(RATE), rate_limit_mode="sliding_window",
                           latency_ms=10.0, latency_jitter_ms=20.0)  # fmt: skip
    throttle = SandboxConfig(calls=10, fault_429=1.0, retry_after_seconds=RETRY_AFTER)
    with RedisServer() as redis, SandboxProcess(strict) as sb, SandboxProcess(throttle) as bad:
        workers = []
        for i in range(processes):
            offset = 0.3 if offset_half and i % 2 else 0.0
            cmd = [sys.executable, "-m", "benchmarks.shared_quota", "--worker",
                   "--redis", redis.url, "--base-url", sb.base_url, "--throttle-url",
                   bad.base_url, "--authcode", sb.authcode, "--tasks", str(tasks),
                   "--seconds", str(seconds), "--offset", str(offset),
                   "--margin", str(margin)]  # fmt: skip
            if i == 0:
                cmd.append("--inject")
            workers.append(
                subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        for w in workers:
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        before = _stats(sb.url)
        start = time.time() + 0.5
        for w in workers:
            assert w.stdin is not None
            w.stdin.write(f"{start}\n")
            w.stdin.flush()
        results = []
        for w in workers:
            out, _ = w.communicate(timeout=seconds + 60)
            results.append(json.loads(out.strip().splitlines()[-1]))
        after = _stats(sb.url)
    return _summarize(results, before, after, offset_half)


def _stats(root: str) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(root + "_sandbox/stats", timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def _summarize(
    results: list[dict[str, Any]], before: dict[str, Any], after: dict[str, Any], offset: bool
) -> dict[str, Any]:
    # From the first answer at or after STEADY[0] to the first at or after STEADY[1]: whole
    # periods of a bursty admission pattern (a sliding-window log admits a window's quota at
    # once), so the rate does not depend on where the bursts fall in a fixed 10 s window.
    answered = sorted(t for r in results for t, kind in r["events"] if kind == "ok")
    lo = next(t for t in answered if t >= STEADY[0])
    hi = next(t for t in answered if t >= STEADY[1])
    oks = [t for t in answered if lo <= t < hi]
    steady_429 = [t for r in results for t, kind in r["events"] if kind == "429" and lo <= t < hi]
    requests = after["requests_total"] - before["requests_total"]
    limited = after["rate_limited"] - before["rate_limited"]
    rate = len(oks) / (hi - lo)
    injected = sorted(t for r in results for t, kind in r["events"] if kind == "injected_429")
    timeline = []
    if injected:
        first = injected[0]
        for k in range(-5, 30):
            a, b = first + k * 0.1, first + (k + 1) * 0.1
            row = [sum(1 for t, kind in r["events"] if kind == "ok" and a <= t < b)
                   for r in results]  # fmt: skip
            timeline.append({"t": round(a, 1), "admitted_by_process": row})
    return {
        "clock_offsets": [r["offset"] for r in results],
        "steady_window_s": [round(lo, 3), round(hi, 3)],
        "aggregate_rate": round(rate, 2),
        "ratio_to_quota": round(rate / RATE, 3),
        "steady_client_429s": len(steady_429),
        "server_requests": requests,
        "server_limiter_429": limited,
        "fraction_429": round(limited / max(requests, 1), 4),
        "injected_429_at": [round(t, 3) for t in injected],
        "timeline": timeline,
        "offset_half": offset,
    }


def _print(summary: dict[str, Any]) -> None:
    label = "4 of 8 clocks +300 ms" if summary["offset_half"] else "all clocks true"
    ok = summary["ratio_to_quota"] >= 0.95 and summary["fraction_429"] <= 0.01
    print(f"== {label}: aggregate {summary['aggregate_rate']}/s over "
          f"{summary['steady_window_s']} s = {summary['ratio_to_quota']} of {RATE}/s; "
          f"limiter 429s {summary['server_limiter_429']} of {summary['server_requests']} "
          f"requests ({summary['fraction_429']:.2%}) -> {'PASS' if ok else 'FAIL'}")  # fmt: skip
    if summary["timeline"]:
        print(f"   two 429s injected in process 0 at {summary['injected_429_at']} s "
              f"(Retry-After {RETRY_AFTER:g}); admissions per 100 ms, by process:")  # fmt: skip
        for row in summary["timeline"]:
            counts = row["admitted_by_process"]
            print(f"   t={row['t']:6.1f}s {sum(counts):3d}  {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument("--margin", type=float, default=0.03, help="RateLimit margin")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("--redis", "--base-url", "--throttle-url", "--authcode"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--inject", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    print(f"load before: {os.getloadavg()}; RateLimit margin {args.margin}", flush=True)
    summaries = []
    for offset_half in (False, True):
        summary = run(args.processes, args.tasks, args.seconds, offset_half, args.margin)
        _print(summary)
        summaries.append(summary)
    print(f"load after: {os.getloadavg()}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summaries, f, indent=1)


if __name__ == "__main__":
    main()
