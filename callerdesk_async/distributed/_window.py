"""One window of a plan, written as one shard under a lease: what a worker's task runs.

The attempt holding the lease writes its own temporary file (``w00003.<attempt>.part``), so
an attempt that lost its lease (stalled past it) can never write into the file of the one
that took over. It continues from the window's checkpoint when there is one (copying the
checkpointed prefix of the earlier attempt's file), then fsyncs and renames the shard into
place and writes the ``.done.json`` marker. Shards hold exactly the bytes the single-process
export writes for that window (CSV: after its own header row).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .._dispatcher import Priority
from ..export._checkpoint import Checkpoint, load_checkpoint
from ..export._errors import CheckpointError
from ..export._formats import compressor
from ..export._output import Output
from ..export._runner import ExportOptions, _metadata, _Pump
from ..export._writers import make_writer
from ._board import Lease, WindowBoard
from ._errors import DistributedExportError
from ._markers import Marker, marker_problem, shard_facts, write_marker
from ._plan import ExportPlan

if TYPE_CHECKING:
    from .._client import CallerdeskClient

__all__ = ["LeaseLostError", "WindowOutcome", "export_window"]

logger = logging.getLogger("callerdesk_async.distributed")

Status = Literal["written", "done", "busy"]


class LeaseLostError(DistributedExportError):
    """The attempt's lease expired or was taken over before the window was finished; the
    attempt stopped writing (the window is someone else's now)."""


@attrs.frozen(slots=True)
class WindowOutcome:
    """What :func:`export_window` did.

    Attributes:
        window: the window index.
        status: ``written`` (this call finished the shard), ``done`` (it was already
            finished: nothing was sent) or ``busy`` (another worker holds its lease: nothing
            was sent).
        rows: rows in the shard (``written``).
        resumed_rows: rows taken over from an earlier attempt's checkpoint (``written``).
        holder: who holds the lease (``busy``).
    """

    window: int
    status: Status
    rows: int = 0
    resumed_rows: int = 0
    holder: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (a task's result)."""
        return attrs.asdict(self)


async def export_window(
    client: CallerdeskClient,
    plan: ExportPlan,
    index: int,
    *,
    board: WindowBoard,
    owner: str | None = None,
    options: ExportOptions | None = None,
) -> WindowOutcome:
    """Write window ``index`` of ``plan`` as its shard, under a lease on ``board``.

    A finished window (valid marker) or one whose lease another worker holds is left alone,
    so a task delivered twice changes nothing. The lease is renewed every third of
    ``plan.lease_seconds``; if a renewal fails the attempt stops with
    :class:`LeaseLostError`.

    Raises:
        ValueError: ``index`` is not a window of the plan.
        PlanError: the shards directory cannot be written (checked before anything is sent).
        LeaseLostError: the lease was lost mid-window.
        Any client error (after its retries); the lease is released with the error recorded.
    """
    plan.check_index(index)
    plan.check_writable()
    if marker_problem(plan, index) is None:
        logger.info("window %d: already done; nothing sent", index)
        return WindowOutcome(index, "done")
    lease = await board.acquire(index, plan.lease_seconds, owner=owner)
    if isinstance(lease, str):
        logger.info("window %d: leased by %s; nothing sent", index, lease)
        return WindowOutcome(index, "busy", holder=lease)
    try:
        if marker_problem(plan, index) is None:  # finished while we took the lease
            logger.info("window %d: already done; nothing sent", index)
            outcome = WindowOutcome(index, "done")
        else:
            outcome = await _with_heartbeat(board, lease, plan, client, options)
            logger.info(
                "window %d: written, %d rows (%d taken over from a checkpoint)",
                index,
                outcome.rows,
                outcome.resumed_rows,
            )
    except BaseException as exc:
        with contextlib.suppress(Exception):
            await board.release(lease, error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    await board.release(lease)
    return outcome


async def _with_heartbeat(
    board: WindowBoard,
    lease: Lease,
    plan: ExportPlan,
    client: CallerdeskClient,
    options: ExportOptions | None,
) -> WindowOutcome:
    """Write the window while renewing its lease; :class:`LeaseLostError` once a renewal
    finds the lease gone (the writing is stopped first)."""

    async def heartbeat() -> None:  # returns when the lease is lost
        while True:
            await asyncio.sleep(plan.lease_seconds / 3)
            try:
                if not await board.renew(lease, plan.lease_seconds):
                    return
            except Exception as exc:  # Redis away: try again; the lease tells if it ran out
                logger.warning("could not renew the lease on window %d: %s", lease.window, exc)

    work = asyncio.ensure_future(_write_window(client, plan, lease, board, options))
    beat = asyncio.ensure_future(heartbeat())
    try:
        await asyncio.wait({work, beat}, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            return work.result()
        raise LeaseLostError(
            f"the lease on window {lease.window} ran out before it was finished; another "
            "worker takes it over"
        )
    finally:
        beat.cancel()
        work.cancel()
        await asyncio.gather(beat, work, return_exceptions=True)


def _params(plan: ExportPlan, index: int) -> dict[str, Any]:
    window = plan.windows[index]
    return {
        "plan_id": plan.plan_id,
        "window": index,
        "report": plan.report,
        "format": plan.format,
        "compression": plan.compression,
        "start": None if window is None else window.start.isoformat(),
        "end": None if window is None else window.end.isoformat(),
        "filters": dict(plan.filters),
        "per_page": plan.per_page,
    }


async def _write_window(
    client: CallerdeskClient,
    plan: ExportPlan,
    lease: Lease,
    board: WindowBoard,
    options: ExportOptions | None,
) -> WindowOutcome:
    index = lease.window
    options = options or ExportOptions()
    source = plan.source
    params = _params(plan, index)
    temp = plan.temp_path(index, lease.token[:16])
    checkpoint_path = plan.checkpoint_path(index)
    saved = _take_over(checkpoint_path, params, temp)

    def output() -> Output:
        writer = make_writer(
            plan.format,
            source.columns,
            row_group_size=options.row_group_size,
            compression=plan.compression,
            metadata=_metadata(params),
        )
        compress = None if plan.format == "parquet" else compressor(plan.compression)  # type: ignore[arg-type]
        return Output(plan.shard_path(index), writer, checkpoint_path, params, compress, temp=temp)

    out = output()
    if saved is not None and not out.writer.resumable:
        saved = None  # Parquet starts the window over
    try:
        out.open(saved)
    except CheckpointError as exc:
        logger.info("window %d: the checkpoint cannot be used (%s); starting over", index, exc)
        out, saved = output(), None
        out.open(None)
    resumed_rows = 0 if saved is None else saved.rows
    view = client.with_options(priority=Priority.BULK)
    pump = _Pump(view, source, out, [plan.windows[index]], plan.filters, plan.per_page,
                 options, None, None)  # fmt: skip
    try:
        await pump.run(time.monotonic())
        if not await board.renew(lease, plan.lease_seconds):
            raise LeaseLostError(f"the lease on window {index} ran out just before it was finished")
        out.finish()
    except BaseException:
        out.abort()
        raise
    shard = plan.shard_path(index)
    size, digest, rows = shard_facts(plan, shard)
    if rows != out.progress.rows:
        raise DistributedExportError(
            f"window {index}: {rows} rows in the shard, {out.progress.rows} written"
        )
    write_marker(
        plan,
        Marker(plan.plan_id, index, shard.name, rows, size, digest, resumed_rows=resumed_rows),
    )
    _remove_leftovers(plan, index)
    return WindowOutcome(index, "written", rows=rows, resumed_rows=resumed_rows)


def _take_over(checkpoint_path: Path, params: dict[str, Any], temp: Path) -> Checkpoint | None:
    """The window's checkpoint, moved onto this attempt's own temporary file (its verified
    prefix copied from the earlier attempt's), or ``None`` to start the window over."""
    try:
        saved = load_checkpoint(checkpoint_path)
    except CheckpointError as exc:
        logger.info("the checkpoint %s cannot be used (%s); starting over", checkpoint_path, exc)
        return None
    if saved is None or dict(saved.params) != params:
        return None
    source = Path(saved.temp_path)
    if source == temp:
        return saved
    hasher = hashlib.sha256()
    try:
        with open(source, "rb") as src, open(temp, "wb") as dst:
            left = saved.bytes
            while left > 0:
                block = src.read(min(1 << 20, left))
                if not block:
                    return None  # shorter than the checkpoint says: start over
                hasher.update(block)
                dst.write(block)
                left -= len(block)
            dst.flush()
            os.fsync(dst.fileno())
    except OSError as exc:
        logger.info("cannot take over %s (%s); starting over", source, exc)
        return None
    if hasher.hexdigest() != saved.digest:
        return None
    return attrs.evolve(saved, temp_path=str(temp))


def _remove_leftovers(plan: ExportPlan, index: int) -> None:
    """Earlier attempts' temporary files and a stale checkpoint of a finished window."""
    stem = plan.shard_path(index).name.split(".")[0]
    for path in plan.shards.glob(f"{stem}.*.part"):
        with contextlib.suppress(OSError):
            path.unlink()
    with contextlib.suppress(OSError):
        plan.checkpoint_path(index).unlink()
