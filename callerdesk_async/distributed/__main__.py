"""``python -m callerdesk_async.distributed plan|coordinate|status|merge ...``.

Exit codes: 0 success, 1 the export cannot finish (a window failed on every sending, a shard
does not match its marker), 2 bad arguments or an unusable plan, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .._dispatcher import RateLimit
from .._signals import on_stop_signals
from ..export import COMPRESSIONS, FORMATS, SOURCES
from ._errors import DistributedExportError, PlanError
from ._markers import marker_problem
from ._merge import MergeSummary, merge_shards
from ._plan import ExportPlan, plan_export

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m callerdesk_async.distributed",
        description="Distributed exports: plan one, coordinate its Taskiq workers, merge.",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("plan", help="cut an export into windows and save the plan (JSON)")
    p.add_argument("report", choices=tuple(SOURCES))
    p.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=date.fromisoformat, metavar="YYYY-MM-DD")
    p.add_argument("--out", "-o", required=True, metavar="FILE", help="the merged output")
    p.add_argument("--format", choices=FORMATS)
    p.add_argument("--compression", choices=COMPRESSIONS)
    p.add_argument("--per-page", type=int, default=100)
    p.add_argument("--window-days", type=int, default=1)
    p.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE",
                   help="a filter of the report's list method (repeatable)")  # fmt: skip
    p.add_argument("--rate", type=int, metavar="N", help="the account's quota: N requests/s")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight per worker")
    p.add_argument("--lease-seconds", type=float, default=30.0)
    p.add_argument("--shards", metavar="DIR", help="default: <out>.shards")
    p.add_argument("--plan", metavar="FILE", help="where to save it (default: <shards>/plan.json)")
    c = sub.add_parser("coordinate", help="send the missing windows to the workers, then merge")
    c.add_argument("plan", type=Path)
    c.add_argument("--out", "-o", metavar="FILE", help="default: the plan's output")
    c.add_argument("--redis", metavar="URL", help="default: $CALLERDESK_REDIS_URL")
    c.add_argument("--poll", type=float, default=1.0, metavar="SECONDS")
    c.add_argument("--max-sendings", type=int, default=5, metavar="N")
    s = sub.add_parser("status", help="list the windows that are not finished, and why")
    s.add_argument("plan", type=Path)
    m = sub.add_parser("merge", help="join the finished shards into the output")
    m.add_argument("plan", type=Path)
    m.add_argument("--out", "-o", metavar="FILE", help="default: the plan's output")
    return parser


def _filters(items: Sequence[str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--filter takes NAME=VALUE, got {item!r}")
        filters[name.replace("-", "_")] = value
    return filters


def _plan(ns: argparse.Namespace) -> int:
    plan = plan_export(
        ns.report,
        ns.out,
        start=ns.start,
        end=ns.end,
        filters=_filters(ns.filter),
        format=ns.format,
        compression=ns.compression,
        per_page=ns.per_page,
        window_days=ns.window_days,
        shards=ns.shards,
        lease_seconds=ns.lease_seconds,
        rate_limit=None if ns.rate is None else RateLimit(ns.rate),
        max_concurrency=ns.concurrency,
    )
    path = plan.save(ns.plan or plan.shards / "plan.json")
    print(path)
    return 0


def _print_summary(summary: MergeSummary) -> None:
    print(json.dumps({"path": str(summary.path), "rows": summary.rows,
                      "bytes": summary.bytes, "windows": summary.windows}))  # fmt: skip


_started = time.monotonic()


def _event(event: str, window: int, sending: int) -> None:
    elapsed = time.monotonic() - _started
    detail = "" if event == "done" else f" (sending {sending})"
    sys.stderr.write(f"[{elapsed:7.1f} s] window {window}: {event}{detail}\n")
    sys.stderr.flush()


async def _coordinate(ns: argparse.Namespace) -> int:
    from .worker import coordinate_plan

    task = asyncio.ensure_future(
        coordinate_plan(
            ns.plan,
            url=ns.redis,
            out=ns.out,
            poll=ns.poll,
            max_sendings=ns.max_sendings,
            on_event=_event,
        )
    )
    with on_stop_signals(task.cancel):
        summary = await task
    _print_summary(summary)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    ns = _parser().parse_args(argv)
    try:
        if ns.command == "plan":
            return _plan(ns)
        if ns.command == "coordinate":
            return asyncio.run(_coordinate(ns))
        plan = ExportPlan.load(ns.plan)
        if ns.command == "status":
            problems = {i: marker_problem(plan, i) for i in range(len(plan.windows))}
            for i, problem in problems.items():
                if problem is not None:
                    print(f"window {i} ({plan.windows[i]}): {problem}")
            done = sum(p is None for p in problems.values())
            print(f"{done} of {len(problems)} windows done")
            return 0
        _print_summary(merge_shards(plan, ns.out))
        return 0
    except (asyncio.CancelledError, KeyboardInterrupt):
        sys.stderr.write("interrupted; run the same command again to go on\n")
        return 130
    except (ValueError, PlanError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except DistributedExportError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
