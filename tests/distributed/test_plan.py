"""Plans: a plain-JSON round trip without the authcode, and bad input refused before sending."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from callerdesk_async import CallerdeskClient, RateLimit
from callerdesk_async.distributed import (
    PLAN_KIND,
    ExportPlan,
    PlanError,
    export_window,
    plan_export,
)
from tests.conftest import AUTHCODE

from .conftest import END, START, make_plan


def test_a_plan_round_trips_through_plain_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLERDESK_AUTHCODE", AUTHCODE)
    plan = make_plan(
        tmp_path,
        "calls.ndjson.gz",
        filters={"deskphone": "8037000000", "callresult": "Answered"},
        window_days=5,
        rate_limit=RateLimit(20, per=2.0, margin=0.1, burst=4),
        lease_seconds=12.5,
        max_concurrency=3,
    )
    path = plan.save(plan.shards / "plan.json")
    text = path.read_text()
    data = json.loads(text)
    assert data["kind"] == PLAN_KIND and data["shards"] == "."
    assert [w["start"] for w in data["windows"]] == ["2025-01-06", "2025-01-01"]
    assert AUTHCODE not in text and "authcode" not in text.lower()
    assert ExportPlan.load(path) == plan
    assert (plan.format, plan.compression, plan.suffix) == ("ndjson", "gzip", ".ndjson.gz")


def test_a_plan_on_a_moved_volume_finds_its_shards(tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    plan.save(plan.shards / "plan.json")
    moved = tmp_path / "elsewhere"
    plan.shards.rename(moved)
    assert ExportPlan.load(moved / "plan.json").shards == moved


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "something else"}, "not an export plan"),
        ({"version": 99}, "plan format 99 is not supported"),
        ({"sdk_version": "0.0.1"}, "made by callerdesk-async '0.0.1'"),
        ({"windows": [{"start": "2025-03-02", "end": "2025-03-01"}]}, "malformed"),
        ({"per_page": 0}, "malformed"),
        ({"filters": {"deskphone": [1]}}, "malformed"),
        ({"report": "nothing"}, "malformed"),
        ({"windows": []}, "no windows"),
    ],
)
def test_a_plan_of_another_format_or_version_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    plan = make_plan(tmp_path)
    path = plan.save(tmp_path / "plan.json")
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(PlanError, match=message):
        ExportPlan.load(path)


def test_no_plan_or_no_json_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no plan"):
        ExportPlan.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(PlanError, match="not valid JSON"):
        ExportPlan.load(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"report": "nothing"}, "cannot export 'nothing'"),
        ({"filters": {"member_name": "x"}}, "cannot be filtered by member_name"),
        ({"start": None}, "needs a start and an end"),
        ({"start": END, "end": START}, "after end"),
        ({"per_page": 0}, "per_page"),
        ({"window_days": 0}, "window_days"),
        ({"format": "parquet"}, "does not match the file name"),
        ({"compression": "gzip"}, "does not match the file name"),
        ({"lease_seconds": 0}, "lease_seconds"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"filters": {"deskphone": "not a number"}}, "deskphone"),
    ],
)
def test_bad_plan_arguments_raise_value_errors(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"report": "calls", "start": START, "end": END, **kwargs}
    with pytest.raises(ValueError, match=message):
        plan_export(args.pop("report"), tmp_path / "calls.csv", **args)  # type: ignore[arg-type]


def test_a_shards_directory_that_cannot_be_made_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(PlanError, match="cannot create the shards directory"):
        make_plan(tmp_path, shards=tmp_path / "a-file" / "shards")
    with pytest.raises(PlanError, match="cannot write in the shards directory"):
        make_plan(tmp_path, shards=Path("/proc/self"))  # no one can create files there


async def test_a_worker_refuses_an_unwritable_shards_directory_before_sending(
    tmp_path: Path, client: CallerdeskClient, board_for: object
) -> None:
    plan = attrs.evolve(make_plan(tmp_path), shards=Path("/proc/self"))
    with pytest.raises(PlanError, match="cannot write in the shards directory"):
        await export_window(client, plan, 0, board=board_for(plan))  # type: ignore[operator]
    with pytest.raises(ValueError, match="window 10 is not in the plan"):
        await export_window(client, plan, 10, board=board_for(plan))  # type: ignore[operator]
    assert client.stats.admitted == 0


def test_the_sdk_and_the_engine_free_package_never_import_a_task_engine() -> None:
    code = (
        "import sys, callerdesk_async, callerdesk_async.export, callerdesk_async.distributed\n"
        "engines = sorted(m for m in sys.modules if m.split('.')[0] in ('taskiq', 'celery'))\n"
        "print(engines)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
