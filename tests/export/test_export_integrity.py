"""Review round 2, export items: hostile values (NaN, lone surrogates, 2**70) give valid files
or a clear ExportError; checkpoints carry digests and refuse an edited checkpoint or .part
file; two exports to one output never run at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient
from callerdesk_async.export import (
    CheckpointError,
    ExportError,
    ExportLockedError,
    ExportProgress,
    export_calls,
)
from tests.conftest import AUTHCODE, LocalServer

from .conftest import END, START
from .test_resume import Stop, stop_at

ROWS_RAW = (
    '{"type":"success","total":3,"result":['
    '{"id":"1","nan_field":NaN,"inf_field":-Infinity,"caller_num":"a\\ud800b"},'
    '{"id":"2","total_duration":"5","caller_num":"\\udfff","x":[NaN]},'
    '{"id":"3","total_duration":"7","caller_num":"ok"}]}'
)


async def serve_one_page(server: LocalServer, first_page: str, total: int) -> LocalServer:
    """Answer page 1 with ``first_page`` (raw JSON text) and every later page with no rows."""

    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        page = int(str(form.get("current_page", "1")))
        empty = json.dumps({"type": "success", "total": total, "result": []})
        return web.Response(text=first_page if page == 1 else empty)

    server.route("*", "/api/{tail:.*}", handler)
    await server.start()
    return server


@pytest.fixture
async def hostile(local_server: LocalServer) -> LocalServer:
    return await serve_one_page(local_server, ROWS_RAW, total=3)


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "parquet"])
async def test_nan_and_lone_surrogates_give_a_valid_file(
    hostile: LocalServer, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"calls.{fmt}"
    async with CallerdeskClient(AUTHCODE, base_url=hostile.base_url) as cd:
        summary = await export_calls(cd, out, start=START, end=START, format=fmt)
    assert summary.rows == 3
    if fmt == "ndjson":
        lines = out.read_bytes().decode("utf-8").splitlines()
        rows = [json.loads(line) for line in lines]  # strict UTF-8 and JSON: no bare NaN
        assert rows[0]["nan_field"] is None and rows[0]["inf_field"] is None
        assert rows[1]["x"] == [None]
        assert rows[0]["caller_num"] == "a\ufffdb"
    elif fmt == "csv":
        assert "a\ufffdb" in out.read_bytes().decode("utf-8")
    else:
        table = pq.read_table(out)
        assert table.num_rows == 3


async def test_int_past_int64_in_parquet_is_a_clear_export_error(
    local_server: LocalServer, tmp_path: Path
) -> None:
    async def handler(request: web.Request) -> web.Response:
        row = {"id": "1", "total_duration": 2**70}
        return web.json_response({"type": "success", "total": 1, "result": [row]})

    local_server.route("*", "/api/{tail:.*}", handler)
    await local_server.start()
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        with pytest.raises(ExportError, match="total_duration"):
            await export_calls(cd, tmp_path / "c.parquet", start=START, end=START, format="parquet")
    assert not (tmp_path / "c.parquet").exists()


async def _interrupted(client: CallerdeskClient, tmp_path: Path) -> tuple[Path, Path, Path]:
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    with pytest.raises(Stop):
        await export_calls(
            client, out, start=START, end=END, checkpoint=ckpt, per_page=40,
            on_progress=stop_at(9),
        )  # fmt: skip
    return out, ckpt, tmp_path / "calls.csv.part"


def _edit(ckpt: Path, **changes: Any) -> None:
    data = json.loads(ckpt.read_text())
    for key, value in changes.items():
        if key == "offset":
            data["state"]["offset"] = value
        else:
            data[key] = value
    ckpt.write_text(json.dumps(data))


@pytest.mark.parametrize("field", ["bytes", "window", "offset", "rows"])
async def test_an_edited_checkpoint_is_refused(
    client: CallerdeskClient, tmp_path: Path, field: str
) -> None:
    out, ckpt, _ = await _interrupted(client, tmp_path)
    saved = json.loads(ckpt.read_text())
    assert len(saved["digest"]) == 64 and len(saved["seal"]) == 64
    value = saved["state"]["offset"] if field == "offset" else saved[field]
    _edit(ckpt, **{field: value - 1 if field == "window" and value else value + 1})
    with pytest.raises(CheckpointError, match="changed"):
        await export_calls(
            client, out, start=START, end=END, checkpoint=ckpt, per_page=40, resume=True
        )
    assert not out.exists()


async def test_a_flipped_byte_in_the_part_file_is_refused(
    client: CallerdeskClient, tmp_path: Path
) -> None:
    out, ckpt, part = await _interrupted(client, tmp_path)
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01
    part.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="not the ones the checkpoint recorded"):
        await export_calls(
            client, out, start=START, end=END, checkpoint=ckpt, per_page=40, resume=True
        )
    assert not out.exists()


async def test_an_untouched_checkpoint_still_resumes(client: CallerdeskClient, tmp_path: Path):
    out, ckpt, _ = await _interrupted(client, tmp_path)
    summary = await export_calls(
        client, out, start=START, end=END, checkpoint=ckpt, per_page=40, resume=True
    )
    assert summary.resumed and summary.rows == 3000


async def test_a_second_export_to_the_same_output_is_refused(
    client: CallerdeskClient, tmp_path: Path
) -> None:
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    inside = asyncio.Event()

    def on_progress(progress: ExportProgress) -> None:
        if progress.pages == 2 and not inside.is_set():
            inside.set()

    first = asyncio.ensure_future(
        export_calls(client, out, start=START, end=END, checkpoint=ckpt, on_progress=on_progress)
    )
    await inside.wait()
    with pytest.raises(ExportLockedError, match="another export is writing"):
        await export_calls(client, out, start=START, end=END, checkpoint=ckpt, resume=True)
    summary = await first
    assert summary.rows == 3000 and not ckpt.exists()
    # The lock went with the first run: the next one runs.
    again = await export_calls(client, out, start=START, end=END)
    assert again.rows == 3000
    assert not (tmp_path / "calls.csv.lock").exists()


ODD_FIRST_ROW = (
    '{"type":"success","total":2,"result":['
    '{"id":"not-a-number","startdatetime":"yesterday","total_duration":"long","is_contact":"?"},'
    '{"id":"2","startdatetime":"2026-10-01 10:00:00","total_duration":"5"}]}'
)


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
async def test_an_unreadable_first_row_does_not_fail_the_export(
    local_server: LocalServer, tmp_path: Path, fmt: str
) -> None:
    await serve_one_page(local_server, ODD_FIRST_ROW, total=2)
    out = tmp_path / f"calls.{fmt}"
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        summary = await export_calls(cd, out, start=START, end=START, format=fmt)
    assert summary.rows == 2
    text = out.read_text(encoding="utf-8")
    assert "not-a-number" in text  # the odd value is written as the API sent it
    assert "yesterday" in text
