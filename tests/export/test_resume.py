"""Checkpoints and resume: byte-identical continuation, refusals, durability order."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from callerdesk_async import CallerdeskClient, PageState
from callerdesk_async.export import (
    CheckpointError,
    ExportOptions,
    ExportProgress,
    _output,
    export_calls,
)
from callerdesk_async.sandbox import Sandbox

from .conftest import END, START, make_config

EVERY_PAGE = ExportOptions(checkpoint_interval=0.0)


class Stop(Exception):
    pass


def stop_at(page: int):  # type: ignore[no-untyped-def]
    def callback(progress: ExportProgress) -> None:
        if progress.pages == page:
            raise Stop

    return callback


async def reference(client: CallerdeskClient, path: Path, **kwargs: Any) -> bytes:
    await export_calls(client, path, start=START, end=END, **kwargs)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
async def test_resume_after_an_interruption_is_byte_identical(
    client: CallerdeskClient, tmp_path: Path, fmt: str
):
    expected = await reference(client, tmp_path / f"ref.{fmt}", format=fmt, per_page=40)
    out, ckpt = tmp_path / f"calls.{fmt}", tmp_path / "calls.ckpt"
    kwargs: dict[str, Any] = {"format": fmt, "per_page": 40, "checkpoint": ckpt}
    with pytest.raises(Stop):
        await export_calls(client, out, start=START, end=END, on_progress=stop_at(17), **kwargs)
    assert not out.exists()
    part = tmp_path / f"calls.{fmt}.part"
    saved = json.loads(ckpt.read_text())
    assert saved["rows"] > 0 and saved["pages"] == 17
    assert saved["bytes"] == part.stat().st_size
    assert saved["params"]["per_page"] == 40 and saved["params"]["format"] == fmt
    assert PageState.from_dict(saved["state"]).offset > 0

    summary = await export_calls(client, out, start=START, end=END, resume=True, **kwargs)
    assert summary.resumed and summary.rows == 3000
    assert out.read_bytes() == expected
    assert not ckpt.exists() and not part.exists()


async def test_resume_after_a_crash_truncates_unrecorded_bytes(
    client: CallerdeskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    expected = await reference(client, tmp_path / "ref.csv", per_page=30, window_days=2)
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    kwargs: dict[str, Any] = {"per_page": 30, "window_days": 2, "checkpoint": ckpt}

    def crash(self: Any) -> None:  # the process dies: no final checkpoint, a torn write
        assert self.file is not None
        self.file.write(b"half a row,with garbage")
        self.file.close()

    monkeypatch.setattr(_output.Output, "abort", crash)
    with pytest.raises(Stop):
        await export_calls(
            client,
            out,
            start=START,
            end=END,
            on_progress=stop_at(33),
            options=EVERY_PAGE,
            **kwargs,
        )
    monkeypatch.undo()
    part = tmp_path / "calls.csv.part"
    assert part.stat().st_size > json.loads(ckpt.read_text())["bytes"]
    summary = await export_calls(client, out, start=START, end=END, resume=True, **kwargs)
    assert summary.resumed
    assert out.read_bytes() == expected


async def test_resume_with_other_parameters_is_refused(client: CallerdeskClient, tmp_path: Path):
    out, ckpt = tmp_path / "calls.data", tmp_path / "calls.ckpt"
    with pytest.raises(Stop):
        await export_calls(
            client, out, start=START, end=END, checkpoint=ckpt, on_progress=stop_at(3)
        )
    before = ckpt.read_bytes()
    changes: list[tuple[dict[str, Any], str]] = [
        ({"per_page": 50}, "per_page"),
        ({"format": "ndjson"}, "format"),
        ({"end": "2025-01-09"}, "end"),
        ({"flow_type": "IVR"}, "filters"),
        ({"window_days": 2}, "window_days"),
    ]
    for change, name in changes:
        kwargs: dict[str, Any] = {"start": START, "end": END, **change}
        with pytest.raises(CheckpointError, match=rf"other parameters.*{name}"):
            await export_calls(client, out, checkpoint=ckpt, resume=True, **kwargs)
    with pytest.raises(CheckpointError, match=r"other parameters.*output"):
        await export_calls(
            client, tmp_path / "other.data", start=START, end=END, checkpoint=ckpt, resume=True
        )
    assert ckpt.read_bytes() == before
    # Options that do not change the output may differ.
    options = ExportOptions(windows_in_flight=1, buffer_pages=1)
    await export_calls(
        client, out, start=START, end=END, checkpoint=ckpt, resume=True, options=options
    )
    assert out.read_bytes() == await reference(client, tmp_path / "ref.csv")


async def test_an_existing_checkpoint_needs_resume(client: CallerdeskClient, tmp_path: Path):
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    with pytest.raises(Stop):
        await export_calls(
            client, out, start=START, end=END, checkpoint=ckpt, on_progress=stop_at(2)
        )
    with pytest.raises(CheckpointError, match="resume"):
        await export_calls(client, out, start=START, end=END, checkpoint=ckpt)


async def test_resume_without_a_checkpoint_starts_fresh(client: CallerdeskClient, tmp_path: Path):
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    summary = await export_calls(client, out, start=START, end=END, checkpoint=ckpt, resume=True)
    assert not summary.resumed and summary.rows == 3000 and not ckpt.exists()
    with pytest.raises(ValueError, match="needs a checkpoint"):
        await export_calls(client, out, start=START, end=END, resume=True)


async def test_missing_or_short_temp_file_is_refused(client: CallerdeskClient, tmp_path: Path):
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    with pytest.raises(Stop):
        await export_calls(
            client, out, start=START, end=END, checkpoint=ckpt, on_progress=stop_at(4)
        )
    part = tmp_path / "calls.csv.part"
    with open(part, "r+b") as f:
        f.truncate(10)
    with pytest.raises(CheckpointError, match="holds 10 bytes"):
        await export_calls(client, out, start=START, end=END, checkpoint=ckpt, resume=True)
    part.unlink()
    with pytest.raises(CheckpointError, match="missing"):
        await export_calls(client, out, start=START, end=END, checkpoint=ckpt, resume=True)
    ckpt.write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        await export_calls(client, out, start=START, end=END, checkpoint=ckpt, resume=True)


async def test_checkpoint_is_saved_only_after_the_data_is_fsynced(
    client: CallerdeskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    part = str(tmp_path / "calls.csv.part")
    events: list[tuple[str, Any]] = []
    real_fsync, real_save = os.fsync, _output.save_checkpoint

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def save(path: Path, checkpoint: Any) -> None:
        events.append(("save", (checkpoint.bytes, os.stat(part).st_size)))
        real_save(path, checkpoint)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(_output, "save_checkpoint", save)
    await export_calls(
        client, out, start=START, end=END, per_page=100, checkpoint=ckpt, options=EVERY_PAGE
    )
    saves = [i for i, (kind, _) in enumerate(events) if kind == "save"]
    assert len(saves) > 30
    for i in saves:
        recorded, on_disk = events[i][1]
        assert recorded <= on_disk
        assert events[i - 1] == ("fsync", part)


async def test_parquet_resume_starts_over(client: CallerdeskClient, tmp_path: Path):
    expected = await reference(client, tmp_path / "ref.parquet", format="parquet")
    out, ckpt = tmp_path / "calls.parquet", tmp_path / "calls.ckpt"
    with pytest.raises(Stop):
        await export_calls(
            client,
            out,
            start=START,
            end=END,
            format="parquet",
            checkpoint=ckpt,
            on_progress=stop_at(5),
        )
    assert ckpt.exists() and not out.exists()
    summary = await export_calls(
        client, out, start=START, end=END, format="parquet", checkpoint=ckpt, resume=True
    )
    assert not summary.resumed and summary.rows == 3000
    # Only the export time in the file's metadata differs from an uninterrupted run.
    assert pq.read_table(out).equals(pq.read_table(io.BytesIO(expected)))


async def test_resume_right_after_a_window_ended(tmp_path: Path):
    async with (
        Sandbox(make_config(max_per_page=1000)) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd,
    ):
        expected = await reference(cd, tmp_path / "ref.csv", per_page=1000)
        out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
        kwargs: dict[str, Any] = {
            "per_page": 1000,
            "checkpoint": ckpt,
            "options": ExportOptions(merge_pages=0),  # one window per day
        }
        with pytest.raises(Stop):  # stops after the first day's only page
            await export_calls(cd, out, start=START, end=END, on_progress=stop_at(1), **kwargs)
        saved = json.loads(ckpt.read_text())
        state = PageState.from_dict(saved["state"])
        assert saved["window"] == 0 and state.offset == state.total
        summary = await export_calls(cd, out, start=START, end=END, resume=True, **kwargs)
    assert summary.resumed and summary.rows == 3000
    assert out.read_bytes() == expected
