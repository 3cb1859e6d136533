"""``python -m callerdesk_async.distributed plan|status|merge`` (``coordinate``: test_taskiq.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callerdesk_async import CallerdeskClient, RateLimit
from callerdesk_async.distributed import ExportPlan, export_window
from callerdesk_async.distributed.__main__ import main

from .conftest import END, START, single_process


def plan_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> ExportPlan:
    out = tmp_path / "calls.csv.gz"
    code = main(["plan", "calls", "--from", START.isoformat(), "--to", END.isoformat(),
                 "--out", str(out), "--per-page", "50", "--rate", "5", "--concurrency", "2",
                 "--filter", "flow-type=IVR", "--lease-seconds", "9"])  # fmt: skip
    assert code == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == out.with_name("calls.csv.gz.shards") / "plan.json"
    return ExportPlan.load(path)


def test_plan_writes_a_plan_the_workers_can_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_from_the_command_line(tmp_path, capsys)
    assert (plan.report, plan.format, plan.compression) == ("calls", "csv", "gzip")
    assert plan.filters == {"flow_type": "IVR"} and plan.per_page == 50
    assert plan.rate_limit == RateLimit(5) and plan.max_concurrency == 2
    assert plan.lease_seconds == 9.0 and len(plan.windows) == 10


async def test_status_and_merge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], client: CallerdeskClient, board_for: Any
) -> None:
    plan = plan_from_the_command_line(tmp_path, capsys)
    plan_path = str(plan.shards / "plan.json")
    assert main(["status", plan_path]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 of 10 windows done"
    assert main(["merge", plan_path]) == 1
    assert "10 of 10 windows are not finished" in capsys.readouterr().err
    for i in range(len(plan.windows)):
        await export_window(client, plan, i, board=board_for(plan))
    assert main(["status", plan_path]) == 0
    assert capsys.readouterr().out.strip() == "10 of 10 windows done"
    assert main(["merge", plan_path]) == 0
    summary = json.loads(capsys.readouterr().out)
    expected = await single_process(client, plan, tmp_path / "single.csv.gz")
    assert Path(summary["path"]).read_bytes() == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", "calls", "--out", "x.csv"], "needs a start and an end"),
        (
            [
                "plan",
                "calls",
                "--from",
                "2025-01-01",
                "--to",
                "2025-01-02",
                "--out",
                "x.csv",
                "--filter",
                "deskphone",
            ],
            "NAME=VALUE",
        ),
        (["status", "missing.json"], "no plan at"),
        (["coordinate", "missing.json"], "no plan at"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
