"""The values an export reports while it runs and when it is done."""

from __future__ import annotations

from pathlib import Path

import attrs

__all__ = ["ExportProgress", "ExportSummary"]


@attrs.frozen(slots=True)
class ExportProgress:
    """Where a running export stands; handed to ``on_progress`` after every written page.

    Attributes:
        rows, pages: written so far (a resumed export counts what the earlier runs wrote).
        total: the API's total for the whole range (known after one request), or ``None``.
        elapsed: seconds since this run started.
        rate: rows per second written by this run.
        eta: estimated seconds left (from ``total`` and ``rate``), or ``None``.
        windows_done, windows: date windows completed, and how many there are.
    """

    rows: int
    pages: int
    total: int | None
    elapsed: float
    rate: float
    eta: float | None
    windows_done: int = 0
    windows: int = 1


@attrs.frozen(slots=True)
class ExportSummary:
    """What a finished export wrote.

    Attributes:
        path: the output file.
        format: ``csv``, ``ndjson`` or ``parquet``.
        rows, pages: written in total (including earlier runs of a resumed export).
        total: the API's total for the range when the export started.
        windows: date windows the range was split into.
        bytes: size of the output file.
        elapsed: seconds this run took.
        retries: this export's retried requests during this run (not those of other work
            sharing the client).
        throttled: HTTP 429 answers to this export's requests during this run.
        resumed: True when the run continued from a checkpoint.
        compression: ``none``, ``gzip`` or ``zstd`` (CSV/NDJSON); Parquet's column codec.
        run_rows: rows written by this run (``rows`` minus a resumed run's earlier rows).
    """

    path: Path
    format: str
    rows: int
    pages: int
    total: int | None
    windows: int
    bytes: int
    elapsed: float
    retries: int
    throttled: int
    resumed: bool
    compression: str = "none"
    run_rows: int | None = None
