"""Issue 4, bar 3: the sandbox must never be the bottleneck of a benchmark.

Runs the sandbox in its own process (no latency, no faults), has the SDK iterate N pages of
100 call-report rows with every field converted, and compares the CPU time the sandbox process
spent serving them (psutil, user+system) with the CPU time this process spent consuming them
(``time.process_time``), in the same run. Repeats and reports medians.

    python benchmarks/sandbox_cost.py [--pages 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import psutil

from callerdesk_async import CallerdeskClient, PageState
from callerdesk_async.sandbox import SandboxConfig, SandboxProcess


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


async def consume(base_url: str, authcode: str, pages: int, first_page: int = 1) -> int:
    rows = 0
    start = PageState(
        endpoint="call_list_v2", params={}, per_page=100, offset=(first_page - 1) * 100
    )
    async with CallerdeskClient(authcode, base_url=base_url, max_concurrency=1) as cd:
        async for _call in cd.calls.list(resume=start, max_pages=pages + 1):
            rows += 1
            if rows >= pages * 100:
                break
    return rows


def measure(
    server: psutil.Process, base_url: str, authcode: str, pages: int, first_page: int
) -> dict[str, float]:
    server_before = cpu_seconds(server)
    client_before = time.process_time()
    rows = asyncio.run(consume(base_url, authcode, pages, first_page))
    client_cpu = time.process_time() - client_before
    server_cpu = cpu_seconds(server) - server_before
    n = rows / 100
    return {
        "server_us": server_cpu / n * 1e6,
        "client_us": client_cpu / n * 1e6,
        "ratio": server_cpu / client_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    config = SandboxConfig(calls=200_000, max_per_page=100)
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _ in range(args.repeats):
        # A fresh sandbox per repeat. One page first pays the one-off start-up work (the
        # report totals are tallied once per dataset); then a range of pages never served
        # before is read (cold: every row rendered), then the same range again (warm: the
        # sandbox's row-range cache serves it).
        with SandboxProcess(config) as sandbox:
            server = psutil.Process(sandbox.pid)
            url, code = sandbox.base_url, sandbox.authcode
            measure(server, url, code, 1, 1)
            cold.append(measure(server, url, code, args.pages, 501))
            warm.append(measure(server, url, code, args.pages, 501))

    def summary(runs: list[dict[str, float]]) -> dict[str, object]:
        return {
            "sandbox_cpu_us_per_page": round(statistics.median(r["server_us"] for r in runs)),
            "sdk_cpu_us_per_page": round(statistics.median(r["client_us"] for r in runs)),
            "ratio_median": round(statistics.median(r["ratio"] for r in runs), 3),
            "ratios": [round(r["ratio"], 3) for r in runs],
        }

    result = {
        "pages_per_run": args.pages,
        "repeats": args.repeats,
        "cold": summary(cold),
        "warm": summary(warm),
        "target": "ratio <= 0.333",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
