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

from callerdesk_async import CallerdeskClient
from callerdesk_async.sandbox import SandboxConfig, SandboxProcess


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


async def consume(base_url: str, authcode: str, pages: int) -> int:
    rows = 0
    async with CallerdeskClient(authcode, base_url=base_url, max_concurrency=1) as cd:
        async for _call in cd.calls.list(per_page=100, max_pages=pages + 1):
            rows += 1
            if rows >= pages * 100:
                break
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    config = SandboxConfig(calls=200_000, max_per_page=100)
    ratios, server_us, client_us = [], [], []
    with SandboxProcess(config) as sandbox:
        server = psutil.Process(sandbox.pid)
        asyncio.run(consume(sandbox.base_url, sandbox.authcode, 5))  # warm-up
        for _ in range(args.repeats):
            server_before = cpu_seconds(server)
            client_before = time.process_time()
            rows = asyncio.run(consume(sandbox.base_url, sandbox.authcode, args.pages))
            client_cpu = time.process_time() - client_before
            server_cpu = cpu_seconds(server) - server_before
            pages = rows / 100
            server_us.append(server_cpu / pages * 1e6)
            client_us.append(client_cpu / pages * 1e6)
            ratios.append(server_cpu / client_cpu)
    result = {
        "pages_per_run": args.pages,
        "repeats": args.repeats,
        "sandbox_cpu_us_per_page_median": round(statistics.median(server_us), 1),
        "sdk_cpu_us_per_page_median": round(statistics.median(client_us), 1),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "target": "ratio <= 0.333",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
