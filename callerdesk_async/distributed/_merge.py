"""The shards of a finished plan, joined into the file a single-process export writes.

CSV and NDJSON (compressed or not): one header, then each shard's bytes after its own header,
in window order (newest first, as the single-process export writes them). Every page of a
compressed shard is its own gzip member / zstd frame, and so is its header, so the joined
file is byte-identical to the single-process one. Parquet shards stay a dataset: a directory
of ``part-00000.parquet``, ... in window order.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
from pathlib import Path
from typing import BinaryIO, cast

import attrs

from ..export._checkpoint import fsync_dir
from ..export._formats import compressor
from ..export._lock import output_lock
from ..export._output import Sink
from ..export._writers import make_writer
from ._errors import DistributedExportError
from ._markers import Marker, marker_problem, read_marker
from ._plan import ExportPlan

__all__ = ["MergeSummary", "merge_shards"]

_BLOCK = 1 << 20


@attrs.frozen(slots=True)
class MergeSummary:
    """What :func:`merge_shards` wrote: ``path`` (a file; a directory for Parquet), its
    ``rows`` and ``bytes``, and how many ``windows`` it joined."""

    path: Path
    rows: int
    bytes: int
    windows: int


def header_bytes(plan: ExportPlan) -> bytes:
    """What every CSV/NDJSON shard of ``plan`` starts with (CSV's header row, compressed as
    its own member/frame; nothing for NDJSON)."""
    buffer = io.BytesIO()
    sink = Sink(cast(BinaryIO, buffer), compressor(plan.compression))  # type: ignore[arg-type]
    make_writer(plan.format, plan.source.columns, row_group_size=1).begin(cast(BinaryIO, sink))
    return buffer.getvalue()


def merge_shards(plan: ExportPlan, out: str | os.PathLike[str] | None = None) -> MergeSummary:
    """Join the plan's shards into ``out`` (default ``plan.output``), written as
    ``<out>.part`` and renamed into place when complete.

    Raises:
        DistributedExportError: a window is missing (no valid marker), or a shard changed
            while it was being joined.
        ExportLockedError: another export or merge is writing ``out``.
    """
    missing = {i: p for i in range(len(plan.windows)) if (p := marker_problem(plan, i))}
    if missing:
        shown = "; ".join(f"window {i}: {p}" for i, p in list(missing.items())[:5])
        raise DistributedExportError(
            f"{len(missing)} of {len(plan.windows)} windows are not finished ({shown})"
        )
    markers = [cast(Marker, read_marker(plan, i)) for i in range(len(plan.windows))]
    target = Path(out).absolute() if out is not None else plan.output
    with output_lock(target):
        if plan.format == "parquet":
            size = _link_dataset(plan, target)
        else:
            size = _join(plan, markers, target)
    return MergeSummary(target, sum(m.rows for m in markers), size, len(markers))


def _join(plan: ExportPlan, markers: list[Marker], target: Path) -> int:
    header = header_bytes(plan)
    temp = target.with_name(target.name + ".part")
    try:
        with open(temp, "wb") as dst:
            dst.write(header)
            for marker in markers:
                _append(plan.shards / marker.shard, marker, header, dst)
            dst.flush()
            os.fsync(dst.fileno())
            size = dst.tell()
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(target.parent)
    return size


def _append(shard: Path, marker: Marker, header: bytes, dst: BinaryIO) -> None:
    """Copy ``shard`` after its header into ``dst``, checking it against ``marker``."""
    hasher = hashlib.sha256()
    with open(shard, "rb") as src:
        head = src.read(len(header))
        hasher.update(head)
        if head != header:
            raise DistributedExportError(f"{shard} does not start with the plan's header")
        while block := src.read(_BLOCK):
            hasher.update(block)
            dst.write(block)
    if hasher.hexdigest() != marker.sha256:
        raise DistributedExportError(f"{shard} changed after its marker was written")


def _link_dataset(plan: ExportPlan, target: Path) -> int:
    """A directory of the Parquet shards in window order (hard links where possible)."""
    if target.exists():
        raise DistributedExportError(
            f"{str(target)!r} exists; a Parquet merge makes a new directory (remove it first)"
        )
    temp = target.with_name(target.name + ".part")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    size = 0
    for i in range(len(plan.windows)):
        shard, part = plan.shard_path(i), temp / f"part-{i:05d}.parquet"
        try:
            os.link(shard, part)
        except OSError:
            shutil.copyfile(shard, part)
        size += part.stat().st_size
    os.replace(temp, target)
    fsync_dir(target.parent)
    return size
