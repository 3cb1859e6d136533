"""The benchmark harness: ``python -m benchmarks [--quick] [--targets 1,2,3,...,profile]``.

Each target starts the sandbox in its own process and measures the SDK against the baselines in
the same run (medians of repeated runs). Raw results: ``benchmarks/results/<target>.json``;
summary table: ``docs/performance.md`` (between its ``results`` markers).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from . import _targets
from ._common import write_result
from ._report import print_table, update_docs

ALL = ("1", "2", "3", "4", "5", "6", "7", "profile")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short run (about 2 minutes)")
    parser.add_argument(
        "--targets",
        default=",".join(ALL),
        help=f"comma-separated subset of {','.join(ALL)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, default=None, help="repeats for targets 1-3")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    args = parser.parse_args(argv)
    wanted = {t.strip() for t in args.targets.split(",") if t.strip()}
    unknown = wanted - set(ALL)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    sizes = _targets.Sizes.make(args.quick, args.repeats)
    numbered = {int(t) for t in wanted if t.isdigit()}
    steps: list[tuple[str, Callable[[], dict[str, dict[str, Any]]]]] = []
    if numbered & {1, 2, 3}:
        steps.append(
            ("targets 1-3 (CPU and throughput suite)", lambda: _targets.suite(sizes, numbered))
        )
    if 4 in numbered:
        steps.append(("target 4 (20 ms latency)", lambda: _targets.latency(sizes)))
    if 5 in numbered:
        steps.append(("target 5 (server rate limit)", lambda: _targets.rate_limit(sizes)))
    if 6 in numbered:
        steps.append(("target 6 (memory)", lambda: _targets.memory(sizes)))
    if 7 in numbered:
        steps.append(("target 7 (concurrent callers)", lambda: _targets.callers(sizes)))
    if "profile" in wanted:

        def profile() -> dict[str, dict[str, Any]]:
            from ._profile import run_profile

            return run_profile(quick=args.quick)

        steps.append(("profile of the SDK path", profile))

    started = time.perf_counter()
    written: dict[str, dict[str, Any]] = {}
    for title, step in steps:
        t0 = time.perf_counter()
        _targets.log(f"== {title}")
        for name, payload in step().items():
            payload["quick"] = args.quick
            path = write_result(name, payload)
            written[name] = payload
            _targets.log(f"   wrote {path.relative_to(path.parents[2])}")
        _targets.log(f"   ({time.perf_counter() - t0:.1f}s)")
    print_table(written)
    if not args.no_docs:
        update_docs()
    _targets.log(f"total {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
