"""The export engine: windows fetched concurrently, written in order, checkpointed durably.

A bounded number of windows are in flight at once. Each has a producer task iterating its
paginator (raw row dicts, through the client's dispatcher at ``Priority.BULK``) into a small
queue; the writer drains the queue of the oldest unfinished window only, so the output order is
that of a sequential run and memory is bounded by ``windows_in_flight × (buffer_pages +
prefetch)`` pages whatever the number of rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

from .._dispatcher import Priority
from .._observe import tallied
from .._pagination import Page, PageState
from .._validation import check_per_page
from .._version import __version__
from ._checkpoint import Checkpoint, load_checkpoint
from ._errors import CheckpointError
from ._formats import compressor, resolve_compression, resolve_format
from ._lock import output_lock
from ._output import Output
from ._progress import ExportProgress, ExportSummary
from ._sources import ExportSource
from ._windows import DateWindow, WindowPlan, check_window_days, split_windows
from ._writers import make_writer

if TYPE_CHECKING:
    from .._client import CallerdeskClient

__all__ = ["ExportOptions", "run_export"]

logger = logging.getLogger("callerdesk_async.export")

ProgressCallback = Callable[[ExportProgress], None]


@attrs.frozen(slots=True)
class ExportOptions:
    """Tuning knobs that do not change the output (so a resume may change them)."""

    windows_in_flight: int = 4
    buffer_pages: int = 4
    checkpoint_interval: float = 1.0
    row_group_size: int = 10_000
    merge_pages: int = 10
    """Neighbouring windows holding at most ``merge_pages × per_page`` rows together are
    fetched as one (0: never merge); see :class:`~callerdesk_async.export.WindowPlan`."""


@attrs.frozen(slots=True)
class _Item:
    rows: Sequence[Mapping[str, Any]] | None = None
    state: PageState | None = None
    error: BaseException | None = None
    done: bool = False


class _Lane:
    """One window being fetched ahead of the writer."""

    def __init__(self, index: int, task: asyncio.Task[None], queue: asyncio.Queue[_Item]) -> None:
        self.index = index
        self.task = task
        self.queue = queue


async def _produce(
    source: ExportSource,
    client: CallerdeskClient,
    window: DateWindow | None,
    filters: Mapping[str, Any],
    per_page: int,
    resume: PageState | None,
    queue: asyncio.Queue[_Item],
) -> None:
    try:
        pager = source.pager(
            client,
            start=None if window is None else window.start,
            end=None if window is None else window.end,
            filters=filters,
            per_page=per_page,
            resume=resume,
        )
        raw = pager.raw()
        async with raw:
            async for page in raw.pages():
                await queue.put(_Item(rows=page.items, state=raw.state))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        await queue.put(_Item(error=exc))
        return
    await queue.put(_Item(done=True))


def _check_params(saved: Mapping[str, Any], wanted: Mapping[str, Any], where: Path) -> None:
    if dict(saved) == dict(wanted):
        return
    keys = sorted(set(saved) | set(wanted))
    diffs = [
        f"{k}: {saved.get(k)!r} in the checkpoint, {wanted.get(k)!r} now"
        for k in keys
        if saved.get(k) != wanted.get(k)
    ]
    raise CheckpointError(
        f"the checkpoint {str(where)!r} belongs to an export with other parameters "
        f"({'; '.join(diffs)}); use the same options, or delete the checkpoint to start over"
    )


def _check_file(path: Path, what: str) -> None:
    """Refuse a path that cannot be a file we write (before anything is fetched)."""
    if not path.name or str(path) in ("", "."):
        raise ValueError(f"the {what} path is empty")
    if path.is_dir():
        raise ValueError(f"the {what} {str(path)!r} is a directory; name a file in it")
    parent = path.parent
    for up in (parent, *parent.parents):
        if up.exists():
            if not up.is_dir():
                raise ValueError(f"the {what} {str(path)!r} is inside {str(up)!r}, a file")
            break
    if not parent.is_dir():
        raise ValueError(f"the {what}'s directory {str(parent)!r} does not exist")


def _paths(
    path: str | os.PathLike[str], checkpoint: str | os.PathLike[str] | None
) -> tuple[Path, Path | None]:
    if not os.fspath(path):
        raise ValueError("the output path is empty")
    target = Path(path).absolute()
    _check_file(target, "output")
    if checkpoint is None:
        return target, None
    if not os.fspath(checkpoint):
        raise ValueError("the checkpoint path is empty")
    checkpoint_path = Path(checkpoint).absolute()
    _check_file(checkpoint_path, "checkpoint")
    if checkpoint_path == target:
        raise ValueError("the checkpoint cannot be the output file itself")
    return target, checkpoint_path


def _metadata(params: Mapping[str, Any]) -> dict[str, str]:
    """What a Parquet file says about itself (never the authcode: it is not a parameter)."""
    return {
        "sdk_version": __version__,
        "report": str(params["report"]),
        "start": params["start"] or "",
        "end": params["end"] or "",
        "filters": json.dumps(params["filters"], sort_keys=True, default=str),
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


async def run_export(
    client: CallerdeskClient,
    source: ExportSource,
    path: str | os.PathLike[str] | BinaryIO,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: Mapping[str, Any],
    format: str | None = None,
    per_page: int = 100,
    window_days: int = 1,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    on_progress: ProgressCallback | None = None,
    options: ExportOptions | None = None,
    compression: str | None = None,
) -> ExportSummary:
    """Export ``source`` into ``path``; see :func:`callerdesk_async.export.export_calls`."""
    started = time.monotonic()
    options = options or ExportOptions()
    named = path if isinstance(path, (str, os.PathLike)) else None
    format = resolve_format(format, named)
    if options.windows_in_flight < 1 or options.buffer_pages < 1:
        raise ValueError("windows_in_flight and buffer_pages must be >= 1")
    if options.row_group_size < 1:
        raise ValueError(f"row_group_size must be >= 1, got {options.row_group_size}")
    if options.merge_pages < 0:
        raise ValueError(f"merge_pages must be >= 0, got {options.merge_pages}")
    check_per_page(per_page)
    check_window_days(window_days)
    unknown = sorted(set(filters) - set(source.filters))
    if unknown:
        raise ValueError(f"{source.kind} cannot be filtered by {', '.join(unknown)}")
    stream: BinaryIO | None = None
    if isinstance(path, (str, os.PathLike)):
        target, checkpoint_path = _paths(path, checkpoint)
        codec = resolve_compression(format, compression, target)
    else:
        if checkpoint is not None or resume:
            raise ValueError("an export to a stream cannot be checkpointed or resumed")
        stream, checkpoint_path = path, None
        target = Path("-")
        codec = resolve_compression(format, compression, None)
    # Held for the whole run, before the checkpoint is read: a second run on the same
    # output refuses instead of racing this one for the .part file and the checkpoint.
    # The tally counts this export's retries and 429s only (its producer tasks inherit it),
    # not those of other work sharing the client.
    with (
        output_lock(target) if stream is None else contextlib.nullcontext(),
        tallied() as tally,
    ):
        compress = None if format == "parquet" else compressor(codec)
        if (start is None) != (end is None) or (source.dates_required and start is None):
            raise ValueError(f"exporting {source.kind} needs a start and an end date")
        windowed = source.windowed and start is not None and end is not None
        if windowed:
            uniform = split_windows(start, end, window_days)  # type: ignore[arg-type]
            first_day, last_day = uniform[-1].start, uniform[0].end
        else:
            uniform, first_day, last_day = [], None, None
        view = client.with_options(priority=Priority.BULK)

        # One cheap request: validates the filters (normalised by the list method), checks the
        # credentials before any file is touched, and gives the total for progress and ETA.
        probe = source.pager(view, start=first_day, end=last_day, filters=filters, per_page=1)
        normalized = {
            k: v for k, v in probe.state.params.items() if k not in ("start_date", "end_date")
        }
        params: dict[str, Any] = {
            "report": source.kind,
            "format": format,
            "compression": codec,
            "start": None if first_day is None else first_day.isoformat(),
            "end": None if last_day is None else last_day.isoformat(),
            "window_days": window_days if first_day is not None else None,
            "filters": normalized,
            "per_page": per_page,
            "output": str(target),
        }
        writer = make_writer(
            format,
            source.columns,
            row_group_size=options.row_group_size,
            compression=codec,
            metadata=_metadata(params),
        )
        saved: Checkpoint | None = None
        if checkpoint_path is not None:
            saved = load_checkpoint(checkpoint_path)
            if saved is not None and not resume:
                raise CheckpointError(
                    f"a checkpoint from an earlier run exists at {str(checkpoint_path)!r}; resume "
                    "it (resume=True, --resume) or delete it to start over"
                )
            if saved is not None:
                _check_params(saved.params, params, checkpoint_path)
        elif resume:
            raise ValueError("resume=True needs a checkpoint path")
        first_page = await probe
        total = first_page.total
        resumed = saved is not None and writer.resumable
        planned: tuple[DateWindow, ...] | None = None
        if windowed and resumed:
            assert saved is not None
            # The plan the export started with (totals asked now could plan other windows);
            # a version-2 checkpoint's windows are the uniform ones it was made with.
            planned = saved.windows or tuple(uniform)
            saved = attrs.evolve(saved, windows=planned)
        elif windowed:
            merge_rows = per_page * options.merge_pages
            planned = await _plan_windows(
                view, source, uniform, filters, merge_rows, _known_total(first_page)
            )
        windows: Sequence[DateWindow | None] = [None] if planned is None else planned
        out = Output(stream or target, writer, checkpoint_path, params, compress, windows=planned)
        if saved is not None and not writer.resumable:
            logger.info("a %s export cannot be continued in place; starting it over", format)
        out.open(saved if resumed else None)
        base_rows = out.progress.rows
        pump = _Pump(view, source, out, windows, filters, per_page, options, on_progress, total)
        try:
            await pump.run(started)
            size = out.finish()
        except BaseException:
            out.abort()
            raise
        p = out.progress
        return ExportSummary(
            path=target,
            format=format,
            rows=p.rows,
            pages=p.pages,
            total=total,
            windows=len(windows),
            bytes=size,
            elapsed=time.monotonic() - started,
            retries=tally.retries,
            throttled=tally.throttled,
            resumed=resumed,
            compression=codec,
            run_rows=p.rows - base_rows,
        )


def _known_total(page: Page[Any]) -> int | None:
    """The rows a probed span holds: its total, 0 for an empty page without one."""
    if page.total is not None:
        return page.total
    return 0 if not page.items else None


async def _plan_windows(
    client: CallerdeskClient,
    source: ExportSource,
    uniform: Sequence[DateWindow],
    filters: Mapping[str, Any],
    merge_rows: int,
    range_total: int | None,
) -> tuple[DateWindow, ...]:
    """Run a :class:`WindowPlan` over ``uniform``: one ``per_page=1`` request per span whose
    total it needs, those of one round concurrently."""
    plan = WindowPlan(uniform, merge_rows=merge_rows)
    for span in plan.wanted():  # only the whole range, whose total the first probe gave
        plan.tell(span, range_total)

    async def span_total(span: DateWindow) -> int | None:
        pager = source.pager(client, start=span.start, end=span.end, filters=filters, per_page=1)
        return _known_total(await pager)

    while not plan.done:
        spans = plan.wanted()
        tasks = [asyncio.ensure_future(span_total(span)) for span in spans]
        try:
            totals = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        for span, span_rows in zip(spans, totals, strict=True):
            plan.tell(span, span_rows)
    return tuple(plan.windows)


class _Pump:
    """Moves pages from the windows' producers to the output, in window order."""

    def __init__(
        self,
        client: CallerdeskClient,
        source: ExportSource,
        out: Output,
        windows: Sequence[DateWindow | None],
        filters: Mapping[str, Any],
        per_page: int,
        options: ExportOptions,
        on_progress: ProgressCallback | None,
        total: int | None,
    ) -> None:
        self.client = client
        self.source = source
        self.out = out
        self.windows = windows
        self.filters = filters
        self.per_page = per_page
        self.options = options
        self.on_progress = on_progress
        self.total = total
        self.lanes: deque[_Lane] = deque()
        self.next_window = out.progress.window
        self.started = 0.0
        self.base_rows = out.progress.rows

    def _report(self) -> None:
        if self.on_progress is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        progress = self.out.progress
        rate = (progress.rows - self.base_rows) / elapsed
        eta = None
        if self.total is not None and rate > 0:
            eta = max(0.0, (self.total - progress.rows) / rate)
        self.on_progress(
            ExportProgress(
                rows=progress.rows,
                pages=progress.pages,
                total=self.total,
                elapsed=elapsed,
                rate=rate,
                eta=eta,
                windows_done=progress.window,
                windows=len(self.windows),
            )
        )

    def _launch(self, resume: PageState | None) -> None:
        """Start producers until ``windows_in_flight`` windows are on their way."""
        while self.next_window < len(self.windows) and (
            len(self.lanes) < self.options.windows_in_flight
        ):
            index = self.next_window
            self.next_window += 1
            queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=self.options.buffer_pages)
            task = asyncio.ensure_future(
                _produce(
                    self.source,
                    self.client,
                    self.windows[index],
                    self.filters,
                    self.per_page,
                    resume,
                    queue,
                )
            )
            resume = None  # only the window in progress continues; later ones start afresh
            self.lanes.append(_Lane(index, task, queue))

    async def run(self, started: float) -> None:
        """Write every remaining window; producers are cancelled on the way out."""
        self.started = started
        out = self.out
        resume = out.progress.state
        if resume is not None and resume.total is not None and resume.offset >= resume.total:
            # The window was complete when the checkpoint was taken: go on with the next.
            out.record(0, out.progress.window + 1, None)
            self.next_window += 1
            resume = None
        hidden = self.source.hidden_keys
        last_save = time.monotonic()
        self._report()
        try:
            self._launch(resume)
            while self.lanes:
                lane = self.lanes[0]
                item = await lane.queue.get()
                if item.error is not None:
                    raise item.error
                if item.done:
                    self.lanes.popleft()
                    out.record(0, lane.index + 1, None)
                    self._launch(None)
                else:
                    assert item.rows is not None
                    rows = item.rows
                    if hidden:
                        rows = [{k: v for k, v in r.items() if k not in hidden} for r in rows]
                    out.writer.write(rows)
                    out.record(len(rows), lane.index, item.state)
                    self._report()
                now = time.monotonic()
                if now - last_save >= self.options.checkpoint_interval:
                    out.save()
                    last_save = now
        finally:
            for lane in self.lanes:
                lane.task.cancel()
            if self.lanes:
                await asyncio.gather(*(lane.task for lane in self.lanes), return_exceptions=True)
