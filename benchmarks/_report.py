"""The summary table: printed after a run and kept in ``docs/performance.md``."""

from __future__ import annotations

import json
from typing import Any

from ._common import RESULTS_DIR, ROOT

DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _value(check: dict[str, Any]) -> str:
    for key in ("ratio", "value_mb", "value"):
        if key in check:
            unit = " MB" if key == "value_mb" else ("×" if key == "ratio" else "")
            return f"{check[key]}{unit}"
    return ""


def _rows(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| target | check | measured | ratio / value | bound | status | run |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in sorted(results):
        doc = results[name]
        run = "quick" if doc.get("quick") else "full"
        for check in doc.get("checks", []):
            measured = check.get("measured", "")
            if "p50_ms" in check:
                measured = f"p50 {check['p50_ms']} ms, p99 {check['p99_ms']} ms"
            lines.append(
                f"| {name} | {check['name']} | {measured} | {_value(check)} | "
                f"{check.get('bound', '')} | **{check['status']}** | {run} |"
            )
    return lines


def load_results() -> dict[str, dict[str, Any]]:
    results = {}
    for path in sorted(RESULTS_DIR.glob("t*.json")):
        results[path.stem] = json.loads(path.read_text())
    return results


def print_table(results: dict[str, dict[str, Any]]) -> None:
    if results:
        print("\n".join(_rows(results)))


def update_docs() -> None:
    """Rewrite the block between the results markers from every ``results/t*.json``."""
    results = load_results()
    if not results:
        return
    machine = next(iter(results.values())).get("machine", {})
    commands = sorted({f"`{doc.get('command')}`" for doc in results.values()})
    block = [
        START,
        "",
        f"Machine: {machine.get('cpu_model')}, {machine.get('logical_cores')} logical cores, "
        f"Python {machine.get('python')}, aiohttp "
        f"{machine.get('packages', {}).get('aiohttp')}, SDK commit {machine.get('git_commit')}"
        f"{' (SDK tree modified)' if machine.get('sdk_tree_modified') else ''}; "
        f"measured {machine.get('utc')}. Produced by: {', '.join(commands)}.",
        "",
        *_rows(results),
        "",
        END,
    ]
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + "\n".join(block) + tail)
