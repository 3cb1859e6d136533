"""Completion markers: ``w00003.done.json`` says window 3's shard is complete, and proves it.

A marker is written (atomically, after the shard is fsynced and renamed into place) with the
shard's size, SHA-256 and row count, and a seal over its own content. A window counts as done
only while its marker parses, is sealed, belongs to this plan and window, and matches the
shard byte for byte and row for row; anything else makes the window missing again.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, cast

import attrs

from ..export._checkpoint import _seal, write_atomic
from ..export._errors import MissingDependencyError
from ..export._formats import ZSTD_MISSING
from ._plan import ExportPlan

__all__ = ["MARKER_KIND", "Marker", "marker_problem", "read_marker", "shard_facts", "write_marker"]

MARKER_KIND = "callerdesk_async.distributed.done"
_BLOCK = 1 << 20


@attrs.frozen(slots=True)
class Marker:
    """What a finished window's marker records.

    Attributes:
        plan_id, window: the plan and the window index it belongs to.
        shard: the shard's file name (in the plan's shards directory).
        rows, bytes, sha256: the shard's row count, size and SHA-256.
        resumed_rows: rows the finishing attempt took over from an earlier attempt's
            checkpoint (0 when it wrote the window from its start).
    """

    plan_id: str
    window: int
    shard: str
    rows: int
    bytes: int
    sha256: str
    resumed_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the seal)."""
        return {"kind": MARKER_KIND, **attrs.asdict(self)}


def write_marker(plan: ExportPlan, marker: Marker) -> None:
    """Write ``marker`` as window ``marker.window``'s ``.done.json``, sealed."""
    body = marker.to_dict()
    body["seal"] = _seal(body)
    write_atomic(plan.marker_path(marker.window), json.dumps(body, sort_keys=True).encode())


def read_marker(plan: ExportPlan, index: int) -> Marker | str:
    """Window ``index``'s marker, or why there is no usable one (missing, not JSON, edited,
    of another plan or window)."""
    path = plan.marker_path(index)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return "no marker"
    except (OSError, ValueError) as exc:
        return f"unreadable marker ({type(exc).__name__})"
    if not isinstance(data, Mapping) or data.get("kind") != MARKER_KIND:
        return "not a marker"
    if data.get("seal") != _seal(data):
        return "the marker was changed after it was written (its seal does not match)"
    try:
        marker = Marker(
            plan_id=str(data["plan_id"]),
            window=int(data["window"]),
            shard=str(data["shard"]),
            rows=int(data["rows"]),
            bytes=int(data["bytes"]),
            sha256=str(data["sha256"]),
            resumed_rows=int(data["resumed_rows"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        return f"malformed marker ({exc!r})"
    if marker.plan_id != plan.plan_id:
        return f"the marker belongs to plan {marker.plan_id}, not {plan.plan_id}"
    if marker.window != index or marker.shard != plan.shard_path(index).name:
        return f"the marker is window {marker.window}'s ({marker.shard})"
    return marker


def marker_problem(plan: ExportPlan, index: int) -> str | None:
    """``None`` when window ``index`` is done (its marker is valid and matches its shard);
    otherwise why it is missing."""
    marker = read_marker(plan, index)
    if isinstance(marker, str):
        return marker
    try:
        size, digest, rows = shard_facts(plan, plan.shard_path(index))
    except FileNotFoundError:
        return "the marker's shard is missing"
    except (OSError, ValueError, EOFError, csv.Error) as exc:
        return f"the shard cannot be read ({type(exc).__name__}: {exc})"
    if size != marker.bytes or digest != marker.sha256:
        return f"the shard ({size} bytes) is not the one the marker records ({marker.bytes})"
    if rows != marker.rows:
        return f"the shard holds {rows} rows, the marker records {marker.rows}"
    return None


def shard_facts(plan: ExportPlan, path: Path) -> tuple[int, str, int]:
    """``(bytes, sha256, rows)`` of the shard at ``path`` (read twice: raw, then decoded)."""
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            hasher.update(block)
            size += len(block)
    return size, hasher.hexdigest(), count_rows(plan, path)


def count_rows(plan: ExportPlan, path: Path) -> int:
    """The data rows in a shard (CSV without its header; Parquet from its footer)."""
    if plan.format == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with _decompressed(path, plan.compression) as raw:
        if plan.format == "ndjson":
            return sum(block.count(b"\n") for block in iter(lambda: raw.read(_BLOCK), b""))
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        return max(0, sum(1 for _ in csv.reader(text)) - 1)


@contextlib.contextmanager
def _decompressed(path: Path, compression: str) -> Iterator[IO[bytes]]:
    """``path`` opened for reading its uncompressed bytes (every gzip member / zstd frame)."""
    if compression == "gzip":
        with gzip.open(path, "rb") as g:
            yield cast(IO[bytes], g)
        return
    with open(path, "rb") as f:
        if compression != "zstd":
            yield f
            return
        try:
            import zstandard
        except ImportError:
            raise MissingDependencyError(ZSTD_MISSING) from None
        with zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True) as z:
            yield z
