"""``callerdesk export``: options, authcode handling, the in-process sandbox, the run."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from .._client import (
    AUTHCODE_ENV,
    BASE_URL_ENV,
    BASIC_PASSWORD_ENV,
    BASIC_USER_ENV,
    DEFAULT_BASE_URL,
    CallerdeskClient,
)
from .._dispatcher import RateLimit
from .._retry import RetryPolicy
from ..export import (
    COMPRESSIONS,
    EXTENSIONS,
    FORMATS,
    SOURCES,
    ExportOptions,
    ExportSummary,
    export,
)
from ..export._formats import COMPRESSION_SUFFIXES, resolve_compression, split_extension
from ._progress import ProgressPrinter, format_summary

__all__ = ["add_export_parser", "checkpoint_path", "run_export_command"]

REPORTS = tuple(SOURCES)
SANDBOX_CALLS = 100_000
STDOUT = "-"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The filter options the CLI offers; which reports take each is what export/_sources.py declares.
_FILTER_OPTIONS = (
    "deskphone",
    "member_num",
    "caller_num",
    "callresult",
    "flow_type",
    "callstatus",
    "member_name",
    "status",
    "number",
    "contact_id",
)


class UsageError(Exception):
    """A bad combination of options (exit code 2)."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _int_at_least(minimum: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(1, text)


def _non_negative_int(text: str) -> int:
    return _int_at_least(0, text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def add_export_parser(subparsers: Any) -> None:
    """Register ``export`` on the top-level subparsers."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="export a report to CSV, NDJSON or Parquet",
        description="Export a report to a file, streaming, resumable, with a progress bar. "
        f"The authcode comes from ${AUTHCODE_ENV} or --authcode-file; a white-label /api_v3/ "
        f"host's HTTP Basic credentials from ${BASIC_USER_ENV} and ${BASIC_PASSWORD_ENV}.",
    )
    p.add_argument("report", choices=REPORTS, help="what to export")
    p.add_argument(
        "--from", dest="start", type=_day, metavar="YYYY-MM-DD", help="first day (IST), inclusive"
    )
    p.add_argument(
        "--to", dest="end", type=_day, metavar="YYYY-MM-DD", help="last day (IST), inclusive"
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from --out's extension: .csv, .ndjson/.jsonl, "
        ".parquet; csv without --out or with -o -)",
    )
    p.add_argument(
        "--out",
        "-o",
        metavar="FILE",
        help="output file; .gz/.zst after .csv/.ndjson compresses it; '-' writes to stdout "
        "(not resumable) (default: <report>.<format>)",
    )
    p.add_argument(
        "--compression",
        choices=COMPRESSIONS,
        help="csv/ndjson: none, gzip or zstd (default: from --out's .gz/.zst); parquet: its "
        "column codec zstd, snappy, gzip or none (default: zstd)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    f = p.add_argument_group("filters")
    f.add_argument("--deskphone", help="only calls on this DID")
    f.add_argument("--member-num", dest="member_num", help="only this member's calls/entry")
    f.add_argument("--caller-num", dest="caller_num", help="only calls with this number")
    f.add_argument("--callresult", help="e.g. Answered, 'No Answer'")
    f.add_argument(
        "--flow-type",
        dest="flow_type",
        choices=("IVR", "WEBOBD"),
        help="IVR (incoming) or WEBOBD (click-to-call)",
    )
    f.add_argument("--callstatus", help="e.g. ANSWER, 'NO ANSWER'")
    f.add_argument("--member-name", dest="member_name", help="contacts: only this member's")
    f.add_argument("--status", help="contacts: lead status (e.g. HOT or 1)")
    f.add_argument("--number", help="contacts: only the contact with this number")
    f.add_argument("--contact-id", dest="contact_id", help="contacts: only this contact")
    t = p.add_argument_group("speed")
    t.add_argument(
        "--per-page", type=_positive_int, default=100, help="rows per request (default 100)"
    )
    t.add_argument(
        "--window-days",
        type=_positive_int,
        default=1,
        help="days per date window; windows are fetched concurrently, sparse neighbours "
        "merged (default 1)",
    )
    t.add_argument(
        "--concurrency",
        type=_positive_int,
        default=8,
        help="requests in flight at once (default 8)",
    )
    t.add_argument(
        "--rate",
        type=_positive_float,
        help="at most this many requests per second (default: no cap)",
    )
    c = p.add_argument_group("connection")
    c.add_argument(
        "--base-url",
        metavar="URL",
        help=f"API prefix (default ${BASE_URL_ENV}, else {DEFAULT_BASE_URL})",
    )
    c.add_argument(
        "--timeout",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="total seconds per request attempt (default 60)",
    )
    c.add_argument(
        "--max-retries",
        type=_non_negative_int,
        default=RetryPolicy().max_retries,
        metavar="N",
        help=f"retries of a failed request (default {RetryPolicy().max_retries})",
    )
    c.add_argument(
        "--authcode-file",
        type=Path,
        help=f"read the authcode from this file instead of ${AUTHCODE_ENV}",
    )
    r = p.add_argument_group("resume")
    r.add_argument(
        "--checkpoint",
        type=Path,
        metavar="FILE",
        help="checkpoint file (default: <out>.checkpoint.json)",
    )
    r.add_argument("--no-checkpoint", action="store_true", help="do not keep a checkpoint")
    r.add_argument(
        "--resume", action="store_true", help="continue an interrupted export from its checkpoint"
    )
    r.add_argument(
        "--checkpoint-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between checkpoints; 0: after every page (default 1)",
    )
    s = p.add_argument_group("sandbox")
    s.add_argument(
        "--sandbox",
        action="store_true",
        help="start the built-in sandbox on 127.0.0.1 and export from it",
    )
    s.add_argument(
        "--sandbox-calls",
        type=_positive_int,
        default=SANDBOX_CALLS,
        metavar="N",
        help=f"calls in the sandbox's report (default {SANDBOX_CALLS:,})",
    )
    s.add_argument(
        "--sandbox-seed",
        type=int,
        default=1,
        metavar="N",
        help="the sandbox's data seed (default 1)",
    )
    o = p.add_argument_group("output")
    o.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary")
    o.add_argument(
        "--log-level",
        choices=_LOG_LEVELS,
        type=str.upper,
        help="log the SDK's messages at this level to stderr (default WARNING)",
    )
    o.add_argument(
        "--verbose",
        "-v",
        action="count",
        default=0,
        help="-v logs at INFO, -vv at DEBUG (same as --log-level)",
    )
    o.add_argument(
        "--json",
        nargs="?",
        const=STDOUT,
        metavar="FILE",
        dest="json_summary",
        help="also write the summary as one JSON line to FILE (without FILE: to stderr)",
    )


def _accepted() -> str:
    stream = ", ".join(s for s, f in EXTENSIONS.items() if f != "parquet")
    return f"{', '.join(EXTENSIONS)} (and {stream} followed by {', '.join(COMPRESSION_SUFFIXES)})"


def output_format(ns: argparse.Namespace) -> str:
    """``--format``, else the one ``--out``'s extension names (csv without ``--out`` and for
    stdout); an unknown extension or one that contradicts ``--format`` is a UsageError."""
    if ns.out is None or ns.out == STDOUT:
        return str(ns.format or "csv")
    suffix, _ = split_extension(ns.out)
    named = EXTENSIONS.get(suffix)
    if ns.format is None:
        if named is None:
            shown = repr(suffix) if suffix else "no extension"
            raise UsageError(
                f"--out {ns.out!r} has {shown}: use one of {_accepted()}, or pass --format"
            )
        return named
    if named is not None and named != ns.format:
        raise UsageError(
            f"--out {ns.out!r} names a {named} file but --format is {ns.format}: change one of them"
        )
    return str(ns.format)


def output_compression(ns: argparse.Namespace) -> str:
    """``--compression``, checked against the format and ``--out``'s ``.gz``/``.zst``."""
    path = None if ns.out is None or ns.out == STDOUT else ns.out
    try:
        return resolve_compression(output_format(ns), ns.compression, path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def output_path(ns: argparse.Namespace) -> Path:
    """``--out`` or ``<report>.<format>[.gz|.zst]`` (``-`` for stdout)."""
    if ns.out is not None:
        return Path(ns.out)
    fmt = output_format(ns)
    codec = output_compression(ns) if fmt != "parquet" else "none"
    suffix = next((s for s, c in COMPRESSION_SUFFIXES.items() if c == codec), "")
    return Path(f"{ns.report}.{fmt}{suffix}")


def checkpoint_path(ns: argparse.Namespace) -> Path | None:
    """The checkpoint the run uses (``None`` with ``--no-checkpoint`` or for stdout)."""
    if ns.no_checkpoint or ns.out == STDOUT:
        return None
    if ns.checkpoint is not None:
        return Path(ns.checkpoint)
    out = output_path(ns)
    return out.with_name(out.name + ".checkpoint.json")


def _read_authcode(ns: argparse.Namespace) -> str | None:
    """The authcode, or ``None`` for a host that takes HTTP Basic credentials alone (the
    client reads them from the environment)."""
    if ns.authcode_file is not None:
        try:
            text = Path(ns.authcode_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"cannot read --authcode-file: {exc.strerror or exc}") from None
        if not text:
            raise UsageError("--authcode-file is empty")
        return text
    text = os.environ.get(AUTHCODE_ENV, "").strip()
    if text:
        return text
    basic = [
        bool(os.environ.get(name, "").strip()) for name in (BASIC_USER_ENV, BASIC_PASSWORD_ENV)
    ]
    if all(basic):
        return None
    if any(basic):
        raise UsageError(f"set both ${BASIC_USER_ENV} and ${BASIC_PASSWORD_ENV}, or neither")
    raise UsageError(
        f"no authcode: set ${AUTHCODE_ENV} or pass --authcode-file, or set ${BASIC_USER_ENV} "
        f"and ${BASIC_PASSWORD_ENV} for a white-label /api_v3/ host (or try --sandbox)"
    )


def _rate_limit(rate: float | None) -> RateLimit | None:
    if rate is None:
        return None
    fraction = Fraction(rate).limit_denominator(1000)
    return RateLimit(max(1, fraction.numerator), per=float(fraction.denominator))


def _filters(ns: argparse.Namespace) -> dict[str, str | None]:
    filters: dict[str, str | None] = {}
    accepted = SOURCES[ns.report].filters
    for dest in _FILTER_OPTIONS:
        value = getattr(ns, dest)
        if value is None:
            continue
        if dest not in accepted:
            option = "--" + dest.replace("_", "-")
            raise UsageError(f"{option} does not apply to {ns.report}")
        filters[dest] = value
    return filters


def validate(ns: argparse.Namespace) -> None:
    """Checks argparse cannot express; raises :class:`UsageError`."""
    if ns.out == "":
        raise UsageError("--out is empty: name a file, or '-' for stdout")
    output_format(ns)  # an unknown extension first: it is the one mistake in `-o out.xlsx`
    source = SOURCES[ns.report]
    if source.windowed and (ns.start is None) != (ns.end is None):
        raise UsageError(f"exporting {ns.report} needs both --from and --to")
    if source.dates_required and ns.start is None:
        raise UsageError(f"exporting {ns.report} needs --from and --to")
    if not source.windowed and ns.start is not None:
        raise UsageError(f"{ns.report} have no dates: drop --from/--to")
    if ns.start is not None and ns.start > ns.end:
        raise UsageError(f"--from {ns.start} is after --to {ns.end}")
    if ns.sandbox and (ns.base_url or ns.authcode_file):
        raise UsageError("--sandbox starts its own server: drop --base-url/--authcode-file")
    if ns.resume and ns.no_checkpoint:
        raise UsageError("--resume needs a checkpoint: drop --no-checkpoint")
    if ns.checkpoint_interval < 0:
        raise UsageError("--checkpoint-interval must be >= 0")
    _filters(ns)
    output_compression(ns)
    if ns.out == STDOUT:
        if ns.resume or ns.checkpoint is not None:
            raise UsageError(
                "-o - streams to stdout, which cannot be resumed: drop --resume/--checkpoint"
            )
        return
    out = output_path(ns)
    if out.is_dir():
        raise UsageError(f"--out {str(out)!r} is a directory: name a file in it")
    # --resume re-runs the same export (a retry loop may run it once more after success).
    if out.exists() and not (ns.force or ns.resume):
        raise UsageError(f"{str(out)!r} exists: pass --force to overwrite it")


@contextlib.asynccontextmanager
async def _endpoint(ns: argparse.Namespace) -> AsyncIterator[tuple[str | None, str | None]]:
    """(base_url, authcode): the in-process sandbox's, or the configured API's (no authcode
    for a host that takes HTTP Basic credentials alone)."""
    if not ns.sandbox:
        yield ns.base_url, _read_authcode(ns)
        return
    from ..sandbox import Sandbox, SandboxConfig

    dates: dict[str, Any] = {}
    if ns.start is not None and ns.end is not None:
        dates = {"start_date": ns.start, "end_date": ns.end}
    config = SandboxConfig(
        seed=ns.sandbox_seed, calls=ns.sandbox_calls, app_calls=ns.sandbox_calls, **dates
    )
    async with Sandbox(config) as sb:
        yield sb.base_url, sb.authcode


async def run_export_command(ns: argparse.Namespace) -> int:
    """Run ``callerdesk export`` as parsed; returns 0 (errors propagate to ``main``)."""
    validate(ns)
    _configure_logging(ns)
    fmt = output_format(ns)
    out = output_path(ns)
    target: Any = sys.stdout.buffer if ns.out == STDOUT else out
    label = f"export {ns.report}"
    printer = None if ns.quiet else ProgressPrinter(sys.stderr, label)
    async with _endpoint(ns) as (base_url, authcode):
        client = CallerdeskClient(
            authcode,
            base_url=base_url,
            max_concurrency=ns.concurrency,
            rate_limit=_rate_limit(ns.rate),
            retry=RetryPolicy(max_retries=ns.max_retries),
            timeout=ns.timeout,
        )
        async with client:
            try:
                summary = await export(
                    client,
                    ns.report,
                    target,
                    start=ns.start,
                    end=ns.end,
                    format=fmt,  # type: ignore[arg-type]
                    filters=_filters(ns),
                    per_page=ns.per_page,
                    window_days=ns.window_days,
                    checkpoint=checkpoint_path(ns),
                    resume=ns.resume,
                    on_progress=printer,
                    options=ExportOptions(checkpoint_interval=ns.checkpoint_interval),
                    compression=ns.compression,
                )
            finally:
                if printer is not None:
                    printer.close()
    shown = "stdout" if ns.out == STDOUT else str(out)
    if not ns.quiet:
        sys.stderr.write(f"callerdesk: {format_summary(summary, shown)}\n")
    if ns.json_summary is not None:
        _write_json(ns.json_summary, summary, shown)
    return 0


def _configure_logging(ns: argparse.Namespace) -> None:
    level = ns.log_level or (None, "INFO", "DEBUG")[min(ns.verbose, 2)]
    if level is None:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("callerdesk_async")
    root.addHandler(handler)
    root.setLevel(level)


def summary_json(summary: ExportSummary, shown_path: str) -> str:
    """The summary as one JSON object (``--json``)."""
    data = attrs.asdict(summary)
    data["path"] = shown_path
    return json.dumps(data, sort_keys=True)


def _write_json(where: str, summary: ExportSummary, shown_path: str) -> None:
    line = summary_json(summary, shown_path) + "\n"
    if where == STDOUT:
        sys.stderr.write(line)
        sys.stderr.flush()
        return
    with open(where, "a", encoding="utf-8") as f:
        f.write(line)
