"""Issue 17: formats and compression from the path, streams, and arguments checked before
any file is created or any request is sent."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.export import export_calls, export_members
from callerdesk_async.export._formats import resolve_compression, resolve_format

from .conftest import END, START


@pytest.mark.parametrize(
    ("name", "fmt", "codec"),
    [
        ("a.csv", "csv", "none"),
        ("a.CSV.GZ", "csv", "gzip"),
        ("a.jsonl.zst", "ndjson", "zstd"),
        ("a.ndjson", "ndjson", "none"),
        ("a.parquet", "parquet", "zstd"),
        ("a.txt", "csv", "none"),
    ],
)
def test_format_and_compression_come_from_the_name(name: str, fmt: str, codec: str):
    assert resolve_format(None, name) == fmt
    assert resolve_compression(fmt, None, name) == codec


@pytest.mark.parametrize(
    ("fmt", "codec", "name", "match"),
    [
        ("ndjson", None, "a.csv", "does not match the file name 'a.csv'"),
        ("csv", "gzip", "a.csv", r"needs a \.gz ending"),
        ("csv", "zstd", "a.csv.gz", r"needs a \.zst ending"),
        ("csv", "none", "a.csv.gz", "needs no .gz/.zst suffix"),
        ("csv", "snappy", "a.csv", "csv compression must be one of none, gzip, zstd"),
        ("parquet", None, "a.parquet.gz", "compresses its columns itself"),
        ("parquet", "brotli", "a.parquet", "zstd, snappy, gzip, none"),
    ],
)
def test_contradictions_are_refused(fmt: str, codec: str | None, name: str, match: str):
    def resolve() -> None:
        resolve_compression(resolve_format(fmt, name), codec, name)

    with pytest.raises(ValueError, match=match):
        resolve()


BAD: list[tuple[dict[str, Any], str]] = [
    ({"per_page": 1_000_000}, "per_page must be between 1 and 1000"),
    ({"window_days": 0}, "window_days must be >= 1"),
    ({"format": "ndjson"}, "does not match the file name"),
    ({"compression": "zstd"}, r"needs a \.zst ending"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD)
async def test_bad_arguments_create_nothing_and_send_nothing(
    client: CallerdeskClient, tmp_path: Path, kwargs: dict[str, Any], match: str
):
    out, ckpt = tmp_path / "calls.csv", tmp_path / "calls.ckpt"
    with pytest.raises(ValueError, match=match):
        await export_calls(client, out, start=START, end=END, checkpoint=ckpt, **kwargs)
    assert list(tmp_path.iterdir()) == []
    assert client.stats.admitted == 0
    # ... so the corrected command runs, with no stale checkpoint in the way.
    summary = await export_calls(client, out, start=START, end=END, checkpoint=ckpt)
    assert summary.rows == 3000 and not ckpt.exists()


async def test_output_paths_that_cannot_be_files(client: CallerdeskClient, tmp_path: Path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    cases = {
        str(tmp_path / "dir"): "is a directory",
        str(tmp_path / "file" / "x.csv"): "is inside .*file.*, a file",
        str(tmp_path / "missing" / "x.csv"): "directory .* does not exist",
        "": "the output path is empty",
    }
    for path, match in cases.items():
        with pytest.raises(ValueError, match=match):
            await export_calls(client, path, start=START, end=END)
    assert client.stats.admitted == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "file"]


async def test_a_stream_gets_the_same_bytes_as_a_file(client: CallerdeskClient, tmp_path: Path):
    await export_calls(client, tmp_path / "calls.csv.gz", start=START, end=END)
    stream = io.BytesIO()
    summary = await export_calls(client, stream, start=START, end=END, compression="gzip")
    assert stream.getvalue() == (tmp_path / "calls.csv.gz").read_bytes()
    assert summary.bytes == len(stream.getvalue()) and summary.compression == "gzip"
    assert gzip.decompress(stream.getvalue()).count(b"\n") == 3001
    with pytest.raises(ValueError, match="cannot be checkpointed or resumed"):
        await export_members(client, io.BytesIO(), checkpoint=tmp_path / "c.json")


async def test_compressed_resume_appends_what_an_unbroken_run_writes(
    client: CallerdeskClient, tmp_path: Path
):
    class Stop(Exception):
        pass

    def stop_at(pages: int) -> Any:
        def on_progress(p: Any) -> None:
            if p.pages >= pages:
                raise Stop

        return on_progress

    for name in ("calls.csv.gz", "calls.ndjson.zst"):
        ref = tmp_path / f"ref-{name}"
        await export_calls(client, ref, start=START, end=END, per_page=60)
        out, ckpt = tmp_path / name, tmp_path / f"{name}.ckpt"
        for pages in (3, 17):
            with pytest.raises(Stop):
                await export_calls(
                    client,
                    out,
                    start=START,
                    end=END,
                    per_page=60,
                    checkpoint=ckpt,
                    resume=ckpt.exists(),
                    on_progress=stop_at(pages),
                )
        summary = await export_calls(
            client, out, start=START, end=END, per_page=60, checkpoint=ckpt, resume=True
        )
        assert summary.resumed and summary.run_rows is not None
        assert 0 < summary.run_rows < summary.rows == 3000
        assert out.read_bytes() == ref.read_bytes(), name
