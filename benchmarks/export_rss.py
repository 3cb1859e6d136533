"""Peak RSS of exporting 1,000,000 calls to CSV (issue bar: under 120 MB).

The sandbox runs in its own process so only the exporting process is measured. Prints one JSON
object: rows, seconds, rows/s, peak RSS of this process (MB) and its RSS before the export.

    python benchmarks/export_rss.py [--calls 1000000] [--format csv] [--per-page 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

from callerdesk_async import CallerdeskClient
from callerdesk_async.export import export_calls
from callerdesk_async.sandbox import SandboxConfig, SandboxProcess


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


async def run(args: argparse.Namespace) -> dict[str, object]:
    config = SandboxConfig(
        calls=args.calls,
        app_calls=1,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        max_per_page=max(100, args.per_page),
    )
    before = psutil.Process().memory_info().rss / 2**20
    async with SandboxProcess(config) as sandbox:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"calls.{args.format}"
            async with CallerdeskClient(sandbox.authcode, base_url=sandbox.base_url) as cd:
                started = time.perf_counter()
                summary = await export_calls(
                    cd,
                    out,
                    start="2025-01-01",
                    end="2025-12-31",
                    format=args.format,
                    per_page=args.per_page,
                    checkpoint=Path(tmp) / "ckpt.json",
                )
                seconds = time.perf_counter() - started
            size = out.stat().st_size
    return {
        "rows": summary.rows,
        "pages": summary.pages,
        "format": args.format,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_second": round(summary.rows / seconds),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--format", default="csv", choices=("csv", "ndjson", "parquet"))
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
