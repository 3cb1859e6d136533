"""Progress output: a tqdm bar on a terminal, plain log lines otherwise, and the summary."""

from __future__ import annotations

import os
import time
from typing import Any, TextIO

from ..export import ExportProgress, ExportSummary

__all__ = ["ProgressPrinter", "format_summary"]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover - unreachable


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def format_progress(label: str, p: ExportProgress) -> str:
    """One plain progress line."""
    done = f"{p.rows:,}"
    if p.total:
        done += f"/{p.total:,} rows ({min(100.0, 100 * p.rows / p.total):.1f}%)"
    else:
        done += " rows"
    return (
        f"{label}: {done}, {p.pages:,} pages, {p.rate:,.0f} rows/s, "
        f"elapsed {_duration(p.elapsed)}, ETA {_duration(p.eta)}"
    )


def format_summary(summary: ExportSummary, shown_path: str) -> str:
    """The closing line: rows, pages, size, time, rate, retries and 429s."""
    rate = summary.rows / summary.elapsed if summary.elapsed > 0 else 0.0
    resumed = " (resumed)" if summary.resumed else ""
    return (
        f"wrote {_count(summary.rows, 'row')} in {_count(summary.pages, 'page')} to {shown_path} "
        f"({_size(summary.bytes)}) in {summary.elapsed:.1f} s{resumed}: "
        f"{rate:,.0f} rows/s, {summary.retries} retries, {summary.throttled} 429s"
    )


def _columns(stream: TextIO) -> int:
    """The terminal's width (0 when unknown: a bar would draw nothing, so plain lines)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


class ProgressPrinter:
    """An ``on_progress`` callback.

    On a terminal it drives a tqdm bar (rows against the API's total, pages, rate, ETA);
    elsewhere (or without tqdm) it prints a plain line every ``interval`` seconds.
    """

    def __init__(
        self, stream: TextIO, label: str, *, tty: bool | None = None, interval: float = 5.0
    ) -> None:
        self._stream = stream
        self._label = label
        self._interval = interval
        self._last_line = time.monotonic()
        self._bar: Any = None
        self._tty = (stream.isatty() and _columns(stream) > 0) if tty is None else tty
        self._tqdm: Any = None
        if self._tty:
            try:
                from tqdm import tqdm
            except ImportError:  # the cli extra is not installed: plain lines it is
                self._tty = False
            else:
                self._tqdm = tqdm
        self._last: ExportProgress | None = None

    def __call__(self, progress: ExportProgress) -> None:
        """Show ``progress`` (throttled)."""
        self._last = progress
        if self._tqdm is not None:
            self._update_bar(progress)
            return
        now = time.monotonic()
        if now - self._last_line >= self._interval:
            self._last_line = now
            self._stream.write(format_progress(self._label, progress) + "\n")
            self._stream.flush()

    def _update_bar(self, p: ExportProgress) -> None:
        if self._bar is None:
            self._bar = self._tqdm(
                total=p.total,
                initial=p.rows,
                desc=self._label,
                unit=" rows",
                unit_scale=True,
                dynamic_ncols=True,
                file=self._stream,
                mininterval=0.2,
            )
            self._pages = -1
        bar = self._bar
        if p.total is not None and bar.total != p.total:
            bar.total = p.total
        if p.pages != self._pages:
            self._pages = p.pages
            bar.set_postfix_str(f"{p.pages:,} pages", refresh=False)
        bar.update(p.rows - bar.n)

    def close(self) -> None:
        """Finish the bar (leaving it on screen)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
