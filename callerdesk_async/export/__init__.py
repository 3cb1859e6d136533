"""High-volume exports of call reports, app call reports, members (and contacts) to files.

>>> async with CallerdeskClient() as cd:  # doctest: +SKIP
...     summary = await export_calls(cd, "calls.csv", start="2026-10-01", end="2026-10-31",
...                                  checkpoint="calls.csv.checkpoint.json")

Rows are streamed from the API (raw dicts, no model objects) straight into the file, so memory
stays flat however many rows there are. The date range is cut into windows that are fetched
concurrently through the client (its rate and concurrency limits hold) and written in order,
newest first, so the file is the same as a sequential run's. The output is written to
``<path>.part`` and renamed into place only when complete (or, with an open binary stream as
``path``, straight to it). ``calls.csv.gz`` / ``calls.ndjson.zst`` are compressed. With a
``checkpoint`` an interrupted export continues with ``resume=True`` and produces a
byte-identical file (CSV and NDJSON, compressed or not; Parquet starts over). See
``docs/export.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, BinaryIO, TypedDict

from typing_extensions import Unpack

from ._checkpoint import Checkpoint
from ._columns import EXTRA_COLUMN, Column, columns_for
from ._errors import CheckpointError, ExportError, ExportLockedError, MissingDependencyError
from ._formats import COMPRESSIONS, EXTENSIONS, PARQUET_CODECS, STREAM_COMPRESSIONS, Compression
from ._progress import ExportProgress, ExportSummary
from ._runner import ExportOptions, ProgressCallback, run_export
from ._sources import SOURCES, ExportSource, source_for
from ._windows import DateWindow, WindowPlan, split_windows
from ._writers import FORMATS, ExportFormat

if TYPE_CHECKING:
    from .._client import CallerdeskClient

__all__ = [
    "COMPRESSIONS",
    "EXTENSIONS",
    "EXTRA_COLUMN",
    "FORMATS",
    "PARQUET_CODECS",
    "SOURCES",
    "STREAM_COMPRESSIONS",
    "Checkpoint",
    "CheckpointError",
    "Column",
    "Compression",
    "DateWindow",
    "ExportError",
    "ExportFormat",
    "ExportKeywords",
    "ExportLockedError",
    "ExportOptions",
    "ExportProgress",
    "ExportSource",
    "ExportSummary",
    "MissingDependencyError",
    "WindowPlan",
    "WindowedExportKeywords",
    "columns_for",
    "export",
    "export_app_calls",
    "export_calls",
    "export_contacts",
    "export_members",
    "split_windows",
    "text_columns",
]

PathLike = str | os.PathLike[str]


class ExportKeywords(TypedDict, total=False):
    """The keywords every export function takes beside its report's filters.

    Attributes:
        format: ``"csv"``, ``"ndjson"`` or ``"parquet"`` (needs the ``parquet`` extra); by
            default what ``path``'s extension names (``.csv``, ``.ndjson``/``.jsonl``,
            ``.parquet``), else CSV. One that contradicts the extension is refused.
        per_page: rows per request, default 100 (the server may cap it; that is detected).
        checkpoint: a JSON file to record durable progress in; ``None`` (default) for none.
            It is deleted when the export completes.
        resume: continue from ``checkpoint`` (refused with :class:`CheckpointError` if it was
            made with other parameters; a fresh start if there is none). Default ``False``.
        on_progress: called with an :class:`ExportProgress` after every written page.
        options: :class:`ExportOptions` (windows in flight, buffering, checkpoint interval,
            Parquet row-group size); they do not change the output.
        compression: CSV/NDJSON: ``"none"``, ``"gzip"`` or ``"zstd"`` (the ``zstd`` extra);
            by default what ``path`` ends in (``.gz``, ``.zst``), and it must agree with it.
            Parquet: the column codec, ``"zstd"`` (default), ``"snappy"``, ``"gzip"`` or
            ``"none"``.
    """

    format: ExportFormat | None
    per_page: int
    checkpoint: PathLike | None
    resume: bool
    on_progress: ProgressCallback | None
    options: ExportOptions | None
    compression: Compression | None


class WindowedExportKeywords(ExportKeywords, total=False):
    """:class:`ExportKeywords` plus ``window_days``, for reports fetched by date.

    Attributes:
        window_days: days per window (default 1; 31 for contacts); windows are fetched
            concurrently and written in order.
    """

    window_days: int


def text_columns(report: str) -> tuple[str, ...]:
    """The columns of ``report``'s CSV that must be read as text (phone numbers, ids, ...:
    a number-guessing reader would drop their leading zeros); for the read recipes in
    ``docs/export.md``, e.g. ``pd.read_csv(p, dtype=dict.fromkeys(text_columns("calls"),
    "string"))``."""
    return (*(c.name for c in source_for(report).columns if c.kind == "str"), EXTRA_COLUMN)


async def export(
    client: CallerdeskClient,
    report: str,
    path: PathLike | BinaryIO,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: Mapping[str, object] | None = None,
    **keywords: Unpack[WindowedExportKeywords],
) -> ExportSummary:
    """Export the report named ``report`` (``calls``, ``app-calls``, ``members``, ...).

    The generic form of :func:`export_calls` and friends, for callers that pick the report
    at run time (the CLI does). ``filters`` are the list method's keyword filters; the other
    keywords are :class:`WindowedExportKeywords`.
    """
    return await run_export(
        client,
        source_for(report),
        path,
        start=start,
        end=end,
        filters={k: v for k, v in (filters or {}).items() if v is not None},
        **keywords,
    )


async def export_calls(
    client: CallerdeskClient,
    path: PathLike | BinaryIO,
    *,
    start: date | str,
    end: date | str,
    deskphone: str | None = None,
    member_num: str | None = None,
    caller_num: str | None = None,
    callresult: str | None = None,
    flow_type: str | None = None,
    callstatus: str | None = None,
    **keywords: Unpack[WindowedExportKeywords],
) -> ExportSummary:
    """Export the call report (``call_list_v2``) for the days ``start``..``end`` to ``path``.

    Args:
        client: an open :class:`~callerdesk_async.CallerdeskClient`; its rate limit and
            concurrency apply, and export pages are sent at ``Priority.BULK``.
        path: the output file; written as ``<path>.part`` and renamed when complete. Or an
            open binary stream (``sys.stdout.buffer``): written as rows arrive, never
            checkpointed or resumed, and not cleaned up on failure.
        start, end: inclusive IST days (``date`` or ``YYYY-MM-DD``).
        deskphone, member_num, caller_num, callresult, flow_type, callstatus: the API's
            filters, as in :meth:`cd.calls.list <callerdesk_async.resources.CallsResource.list>`.
        **keywords: ``format``, ``per_page``, ``window_days``, ``checkpoint``, ``resume``,
            ``on_progress``, ``options``, ``compression``: see
            :class:`WindowedExportKeywords`.

    Returns:
        An :class:`ExportSummary`.

    Raises:
        ValueError: bad arguments. CheckpointError: the checkpoint cannot be used.
        ExportError: e.g. pyarrow missing for Parquet. Any client error
        (:class:`~callerdesk_async.errors.AuthenticationError`, ...) from the API.
    """
    filters = {
        "deskphone": deskphone,
        "member_num": member_num,
        "caller_num": caller_num,
        "callresult": callresult,
        "flow_type": flow_type,
        "callstatus": callstatus,
    }
    return await export(client, "calls", path, start=start, end=end, filters=filters, **keywords)


async def export_app_calls(
    client: CallerdeskClient,
    path: PathLike | BinaryIO,
    *,
    start: date | str,
    end: date | str,
    deskphone: str | None = None,
    caller_num: str | None = None,
    callresult: str | None = None,
    **keywords: Unpack[WindowedExportKeywords],
) -> ExportSummary:
    """Export the app call report (``app_call_list_v2``); arguments as :func:`export_calls`.

    The same columns as the call report. The agent filter is ``caller_num`` here.
    """
    filters = {"deskphone": deskphone, "caller_num": caller_num, "callresult": callresult}
    return await export(
        client, "app-calls", path, start=start, end=end, filters=filters, **keywords
    )


async def export_members(
    client: CallerdeskClient,
    path: PathLike | BinaryIO,
    *,
    member_num: str | None = None,
    **keywords: Unpack[ExportKeywords],
) -> ExportSummary:
    """Export the team members (``getmemberlist_V2``); columns are :class:`Member`'s
    attributes. The ``password`` field the API returns is never written. The other keywords
    are :class:`ExportKeywords` (no dates, so no ``window_days``)."""
    if "window_days" in keywords:
        raise TypeError("export_members() takes no window_days: members are not dated")
    return await export(client, "members", path, filters={"member_num": member_num}, **keywords)


async def export_contacts(
    client: CallerdeskClient,
    path: PathLike | BinaryIO,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    member_name: str | None = None,
    status: str | int | None = None,
    number: str | None = None,
    **keywords: Unpack[WindowedExportKeywords],
) -> ExportSummary:
    """Export contacts (``contact_list_v2``), newest saved first; columns are
    :class:`~callerdesk_async.models.Contact`'s attributes.

    ``start``/``end`` (both or neither) limit it to contacts saved on those days; without
    them every contact is exported. ``window_days`` defaults to 31 here. Filters as in
    ``cd.contacts.list``; the rest as :func:`export_calls`.
    """
    filters = {"member_name": member_name, "status": status, "number": number}
    keywords.setdefault("window_days", 31)
    return await export(client, "contacts", path, start=start, end=end, filters=filters, **keywords)
