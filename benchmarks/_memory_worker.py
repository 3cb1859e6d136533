"""Target 6 worker: one fresh process iterating or exporting a whole report, printing RSS.

    python -m benchmarks._memory_worker --base-url URL --authcode CODE --mode iterate|csv|ndjson

Prints one JSON line: rows, seconds, CPU, RSS at start, at ``--mark`` rows and at the end
(psutil), and the peak RSS of this process (``VmHWM``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from callerdesk_async import CallerdeskClient


def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    """This process's peak RSS: ``VmHWM`` on Linux.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the pre-exec high-water mark of a
    forked (or vforked) child into it, so a worker started by a large parent would report the
    parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import callerdesk_async.export  # noqa: F401 - imported before the baseline RSS reading

    result: dict[str, Any] = {"mode": args.mode, "rss_start_mb": round(rss_mb(), 1)}
    at_mark: list[float] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    async with CallerdeskClient(args.authcode, base_url=args.base_url) as cd:
        if args.mode == "iterate":
            rows = 0
            async for _call in cd.calls.list(per_page=100):
                rows += 1
                if rows == args.mark:
                    at_mark.append(rss_mb())
        else:
            from callerdesk_async.export import ExportProgress, export_calls

            def progress(p: ExportProgress) -> None:
                if not at_mark and p.rows >= args.mark:
                    at_mark.append(rss_mb())

            path = Path(args.out) / f"memory.{args.mode}"
            summary = await export_calls(
                cd, path, start=args.start, end=args.end, format=args.mode,
                on_progress=progress,
            )  # fmt: skip
            rows = summary.rows
            result["bytes"] = summary.bytes
            result["pages"] = summary.pages
            path.unlink()
    result.update(
        rows=rows,
        seconds=round(time.perf_counter() - wall0, 2),
        cpu_us_per_row=round((time.process_time() - cpu0) / max(rows, 1) * 1e6, 2),
        rss_at_mark_mb=round(at_mark[0], 1) if at_mark else None,
        rss_end_mb=round(rss_mb(), 1),
        peak_rss_mb=round(peak_rss_mb(), 1),
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--authcode", required=True)
    parser.add_argument("--mode", choices=("iterate", "csv", "ndjson"), required=True)
    parser.add_argument("--mark", type=int, default=100_000)
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--end", default="2025-12-31")
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
