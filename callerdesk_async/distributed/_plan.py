"""The export plan: what every worker and the coordinator agree on, saved as plain JSON.

A plan names the report, its filters, the date windows, the output layout and the format. It
never holds the authcode: workers read credentials from their own environment.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from .._client import DEFAULT_BASE_URL, CallerdeskClient
from .._dispatcher import RateLimit
from .._validation import check_per_page
from .._version import __version__
from ..export._checkpoint import write_atomic
from ..export._formats import COMPRESSION_SUFFIXES, resolve_compression, resolve_format
from ..export._sources import ExportSource, source_for
from ..export._windows import DateWindow, check_window_days, split_windows
from ._errors import PlanError

__all__ = ["PLAN_KIND", "PLAN_VERSION", "ExportPlan", "plan_export"]

PLAN_KIND = "callerdesk_async.distributed.plan"
PLAN_VERSION = 1
"""1: the first plan format."""

_FORMAT_SUFFIX = {"csv": ".csv", "ndjson": ".ndjson", "parquet": ".parquet"}
_DEFAULT_LEASE_SECONDS = 30.0


@attrs.frozen(slots=True)
class ExportPlan:
    """One export cut into windows that independent workers write as shards.

    Build it with :func:`plan_export`, share it with :meth:`save` / :meth:`load`. Paths are
    absolute in memory; in the file they are relative to the plan's own directory when they
    lie inside it, so a plan on a shared volume works wherever the volume is mounted.

    Attributes:
        plan_id: a random id; it names the plan's keys in Redis and is checked by markers.
        report: ``calls``, ``app-calls``, ``members`` or ``contacts``.
        start, end: the inclusive IST days (``None`` for an undated export).
        window_days: days per window (``None`` for an undated export).
        windows: the windows, newest first (one ``None`` window for an undated export).
        filters: the list method's keyword filters (validated by it when planning).
        per_page: rows per request (the pages, hence the bytes, of every shard depend on it).
        format, compression: as for :func:`~callerdesk_async.export.export`.
        output: where :func:`~callerdesk_async.distributed.merge_shards` writes by default.
        shards: the directory of the shards, their markers, checkpoints and leases' files.
        lease_seconds: how long a worker's lease on a window lasts without a heartbeat.
        rate_limit: the account's quota, shared by every worker through Redis (``None``: only
            a 429 slows the workers down).
        max_concurrency: requests in flight per worker process.
        sdk_version: the SDK that made the plan; a worker of another version refuses it (the
            bytes of a shard depend on the writer).
    """

    plan_id: str
    report: str
    start: date | None
    end: date | None
    window_days: int | None
    windows: tuple[DateWindow | None, ...]
    filters: Mapping[str, str | int]
    per_page: int
    format: str
    compression: str
    output: Path
    shards: Path
    lease_seconds: float = _DEFAULT_LEASE_SECONDS
    rate_limit: RateLimit | None = None
    max_concurrency: int = 8
    sdk_version: str = __version__

    @property
    def source(self) -> ExportSource:
        """The report's :class:`~callerdesk_async.export.ExportSource`."""
        return source_for(self.report)

    @property
    def suffix(self) -> str:
        """A shard's file-name ending: ``.csv``, ``.ndjson.gz``, ``.parquet``, ..."""
        compressed: dict[str, str] = {c: s for s, c in COMPRESSION_SUFFIXES.items()}
        extra = "" if self.format == "parquet" else compressed.get(self.compression, "")
        return _FORMAT_SUFFIX[self.format] + extra

    def shard_path(self, index: int) -> Path:
        """Window ``index``'s shard (``w00003.csv``, ...)."""
        return self.shards / f"{self._stem(index)}{self.suffix}"

    def marker_path(self, index: int) -> Path:
        """Window ``index``'s completion marker (``w00003.done.json``)."""
        return self.shards / f"{self._stem(index)}.done.json"

    def checkpoint_path(self, index: int) -> Path:
        """Window ``index``'s checkpoint (``w00003.checkpoint.json``)."""
        return self.shards / f"{self._stem(index)}.checkpoint.json"

    def temp_path(self, index: int, attempt: str) -> Path:
        """The temporary file one attempt at window ``index`` writes (``w00003.<attempt>.part``)."""
        return self.shards / f"{self._stem(index)}.{attempt}.part"

    def _stem(self, index: int) -> str:
        self.check_index(index)
        return f"w{index:05d}"

    def check_index(self, index: int) -> int:
        """``index`` if it names one of the windows; ``ValueError`` otherwise."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"a window index is an int, got {type(index).__name__}")
        if not 0 <= index < len(self.windows):
            raise ValueError(f"window {index} is not in the plan (it has {len(self.windows)})")
        return index

    def missing(self) -> list[int]:
        """The windows without a valid ``.done.json`` marker (see :func:`marker_problem`)."""
        from ._markers import marker_problem

        return [i for i in range(len(self.windows)) if marker_problem(self, i) is not None]

    def check_writable(self) -> None:
        """``PlanError`` unless the shards directory exists and this process can write in it
        (checked before a worker sends anything)."""
        _check_writable_dir(self.shards)

    def to_dict(self, base: Path | None = None) -> dict[str, Any]:
        """A JSON-ready dict; paths inside ``base`` are written relative to it."""
        return {
            "kind": PLAN_KIND,
            "version": PLAN_VERSION,
            "sdk_version": self.sdk_version,
            "plan_id": self.plan_id,
            "report": self.report,
            "start": None if self.start is None else self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "window_days": self.window_days,
            "windows": [None if w is None else w.to_dict() for w in self.windows],
            "filters": dict(self.filters),
            "per_page": self.per_page,
            "format": self.format,
            "compression": self.compression,
            "output": _relative(self.output, base),
            "shards": _relative(self.shards, base),
            "lease_seconds": self.lease_seconds,
            "rate_limit": None
            if self.rate_limit is None
            else {
                "requests": self.rate_limit.requests,
                "per": self.rate_limit.per,
                "margin": self.rate_limit.margin,
                "burst": self.rate_limit.burst,
            },
            "max_concurrency": self.max_concurrency,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: Path) -> ExportPlan:
        """Rebuild a plan; relative paths are taken from ``base``. ``PlanError`` if the data
        is not a plan, is of another plan format or SDK version, or is malformed."""
        if data.get("kind") != PLAN_KIND:
            raise PlanError(f"not an export plan (kind {data.get('kind')!r})")
        if data.get("version") != PLAN_VERSION:
            raise PlanError(
                f"plan format {data.get('version')!r} is not supported (this SDK reads "
                f"format {PLAN_VERSION}); make the plan again with this SDK"
            )
        if data.get("sdk_version") != __version__:
            raise PlanError(
                f"the plan was made by callerdesk-async {data.get('sdk_version')!r}, this is "
                f"{__version__}: every worker and the coordinator must run the version that made "
                "the plan (a shard's bytes depend on it)"
            )
        try:
            rate = data["rate_limit"]
            windows = tuple(None if w is None else DateWindow.from_dict(w) for w in data["windows"])
            plan = cls(
                plan_id=_text(data["plan_id"], "plan_id"),
                report=_text(data["report"], "report"),
                start=None if data["start"] is None else date.fromisoformat(data["start"]),
                end=None if data["end"] is None else date.fromisoformat(data["end"]),
                window_days=None if data["window_days"] is None else int(data["window_days"]),
                windows=windows,
                filters=_filters(data["filters"]),
                per_page=check_per_page(data["per_page"]),
                format=resolve_format(data["format"], None),
                compression=resolve_compression(data["format"], data["compression"], None),
                output=(base / _text(data["output"], "output")).absolute(),
                shards=(base / _text(data["shards"], "shards")).absolute(),
                lease_seconds=_positive(data["lease_seconds"], "lease_seconds"),
                rate_limit=None if rate is None else RateLimit(**rate),
                max_concurrency=int(data["max_concurrency"]),
            )
            source_for(plan.report)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanError(f"the plan is malformed: {exc!r}") from None
        if not plan.windows:
            raise PlanError("the plan has no windows")
        return plan

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the plan to ``path`` atomically; returns the absolute path."""
        target = Path(path).absolute()
        body = json.dumps(self.to_dict(target.parent), indent=1, sort_keys=True).encode()
        write_atomic(target, body + b"\n")
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ExportPlan:
        """Read a plan saved with :meth:`save`; ``PlanError`` if it cannot be used."""
        source = Path(path).absolute()
        try:
            data = json.loads(source.read_bytes())
        except FileNotFoundError:
            raise PlanError(f"no plan at {str(source)!r}") from None
        except ValueError:
            raise PlanError(f"the plan {str(source)!r} is not valid JSON") from None
        if not isinstance(data, Mapping):
            raise PlanError(f"the plan {str(source)!r} is not a JSON object")
        return cls.from_dict(data, source.parent)


def _filters(value: Any) -> dict[str, str | int]:
    if not isinstance(value, Mapping):
        raise ValueError("filters is not an object")
    filters: dict[str, str | int] = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise ValueError(f"filter {k!r} is not a string or an integer")
        filters[str(k)] = v
    return filters


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def _relative(path: Path, base: Path | None) -> str:
    if base is not None and path.is_relative_to(base):
        return str(path.relative_to(base)) or "."
    return str(path)


def _check_writable_dir(directory: Path) -> None:
    if not directory.is_dir():
        raise PlanError(f"the shards directory {str(directory)!r} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=directory)
    except OSError as exc:
        raise PlanError(
            f"cannot write in the shards directory {str(directory)!r}: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    os.unlink(probe)


def plan_export(
    report: str,
    output: str | os.PathLike[str],
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: Mapping[str, object] | None = None,
    format: str | None = None,
    compression: str | None = None,
    per_page: int = 100,
    window_days: int = 1,
    shards: str | os.PathLike[str] | None = None,
    lease_seconds: float = _DEFAULT_LEASE_SECONDS,
    rate_limit: RateLimit | None = None,
    max_concurrency: int = 8,
) -> ExportPlan:
    """Plan a distributed export of ``report`` (arguments as :func:`~callerdesk_async.export.
    export`); nothing is sent. The shards directory (default ``<output>.shards``) is created.

    The merged output of the plan is byte-identical to ``export(client, report, output, ...)``
    with the same arguments and ``options=ExportOptions(merge_pages=0)`` (CSV and NDJSON,
    compressed or not): the plan's windows are the uniform ``window_days`` ones, since planning
    sends nothing to size them by totals. Uncompressed, it also equals the default export.

    Raises:
        ValueError: bad arguments (unknown report or filter, dates, page size, format).
        PlanError: the shards directory cannot be created or written.
    """
    source = source_for(report)
    target = Path(output).absolute()
    format = resolve_format(format, target)
    codec = resolve_compression(format, compression, target)
    check_per_page(per_page)
    check_window_days(window_days)
    _positive(lease_seconds, "lease_seconds")
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise ValueError(f"max_concurrency must be an int, got {max_concurrency!r}")
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
    given = {k: v for k, v in (filters or {}).items() if v is not None}
    unknown = sorted(set(given) - set(source.filters))
    if unknown:
        raise ValueError(f"{source.kind} cannot be filtered by {', '.join(unknown)}")
    if (start is None) != (end is None) or (source.dates_required and start is None):
        raise ValueError(f"exporting {source.kind} needs a start and an end date")
    windows: Sequence[DateWindow | None]
    if source.windowed and start is not None and end is not None:
        windows = split_windows(start, end, window_days)
        first, last = windows[-1].start, windows[0].end  # type: ignore[union-attr,unused-ignore]
    else:
        windows, first, last = [None], None, None
    if not target.parent.is_dir():
        raise ValueError(f"the output's directory {str(target.parent)!r} does not exist")
    directory = Path(shards).absolute() if shards is not None else _default_shards(target)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlanError(
            f"cannot create the shards directory {str(directory)!r}: {exc.strerror or exc}"
        ) from None
    _check_writable_dir(directory)
    return ExportPlan(
        plan_id=uuid.uuid4().hex,
        report=source.kind,
        start=first,
        end=last,
        window_days=window_days if first is not None else None,
        windows=tuple(windows),
        filters=_checked_filters(source, first, last, given),
        per_page=per_page,
        format=format,
        compression=codec,
        output=target,
        shards=directory,
        lease_seconds=float(lease_seconds),
        rate_limit=rate_limit,
        max_concurrency=max_concurrency,
    )


def _default_shards(target: Path) -> Path:
    return target.with_name(target.name + ".shards")


def _checked_filters(
    source: ExportSource, first: date | None, last: date | None, filters: Mapping[str, object]
) -> dict[str, str | int]:
    """``filters`` after the list method has validated them (``ValueError`` if it refuses one).
    The client is never opened: it only builds a paginator, which sends nothing."""
    checked = _filters(filters)
    client = CallerdeskClient(authcode="plan-only", base_url=DEFAULT_BASE_URL)
    source.pager(client, start=first, end=last, filters=checked, per_page=1)
    return checked
