"""Parquet output through pyarrow (the ``parquet`` extra), written in row groups."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from itertools import repeat
from operator import floordiv, sub
from typing import Any, BinaryIO

from .._convert import parse_date, parse_datetime, parse_float, parse_int
from ._arrow import arrow_array
from ._columns import EXTRA_COLUMN, Column, ColumnKind
from ._errors import ExportError, MissingDependencyError
from ._writers import _extra_text, api_layout, clean_text, page_columns

__all__ = ["ARROW_POOL_VARIABLE", "PARQUET_MISSING", "ParquetRowWriter"]

ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
"""Arrow reads it once, when pyarrow loads: the allocator of every Arrow buffer in the process."""


def _import_pyarrow() -> tuple[Any, Any]:
    """``pyarrow`` and ``pyarrow.parquet``, loaded with Arrow's ``system`` allocator when the
    SDK is the first to load pyarrow and ``ARROW_DEFAULT_MEMORY_POOL`` is not set.

    Arrow's default, mimalloc, commits its arenas eagerly, and where transparent huge pages
    are on for ``madvise`` (the usual Linux default) every 2 MiB page it touches stays
    resident: writing Parquet kept 14 MiB of huge pages for a pool whose peak was 0.5 MiB.
    The C++ Parquet encoders allocate from this process-wide default, which no per-writer
    option reaches (``pa.set_memory_pool`` changes pyarrow's own default only), so it has to
    be chosen before pyarrow loads. The variable is removed again once it has been read.
    """
    chosen = "pyarrow" not in sys.modules and ARROW_POOL_VARIABLE not in os.environ
    if chosen:
        os.environ[ARROW_POOL_VARIABLE] = "system"
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:  # pragma: no cover - exercised by a test that hides pyarrow
        return None, None
    finally:
        if chosen:
            os.environ.pop(ARROW_POOL_VARIABLE, None)
    return pyarrow, pyarrow.parquet


pa, pq = _import_pyarrow()

PARQUET_MISSING = "Parquet output needs pyarrow: pip install 'callerdesk-async[parquet]'"
TIMEZONE = "Asia/Kolkata"
METADATA_PREFIX = "callerdesk."
"""Key/value metadata keys of the file start with this (``callerdesk.report``, ...)."""


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.isascii() else clean_text(text)  # ASCII holds no surrogate


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_IST = datetime(1970, 1, 1, 5, 30)  # the epoch on an IST wall clock (no DST in IST)
_MS = timedelta(milliseconds=1)


def _datetime_ms(value: object) -> int | None:
    """Milliseconds since the epoch of an API timestamp, as :func:`parse_datetime` reads it.

    The API's own form (``YYYY-MM-DD HH:MM:SS``, IST) is computed from the naive wall-clock
    time: the same number without building an aware datetime per cell.
    """
    # value[0] != "0": "0000-00-00 00:00:00" (never) goes to parse_datetime without raising.
    if type(value) is str and len(value) == 19 and value[10] == " " and value[0] != "0":
        try:
            return (datetime.fromisoformat(value) - _EPOCH_IST) // _MS
        except ValueError:
            pass  # parse_datetime says what is wrong with it
    parsed = parse_datetime(value)
    return None if parsed is None else (parsed - _EPOCH) // _MS


def _bool(value: object) -> bool | None:
    number = parse_int(value) if not isinstance(value, bool) else int(value)
    return None if number is None else number != 0


_PARSERS: dict[ColumnKind, Callable[[Any], Any]] = {
    "str": _text,
    "int": parse_int,
    "float": parse_float,
    "bool": _bool,
    "datetime": _datetime_ms,
    "date": parse_date,
}
_STORED_AS: dict[ColumnKind, ColumnKind] = {"datetime": "int"}  # milliseconds, from _datetime_ms
_TEXT_OR_NONE = frozenset({str, type(None)})


def _column_cells(kind: ColumnKind, values: Sequence[Any]) -> Sequence[Any]:
    """``_PARSERS[kind]`` of every value, with C-level passes for the usual columns: text
    alone, integers as plain ASCII digits, numbers as text that
    ``float`` reads as a finite number (what :func:`parse_float` does with each)."""
    kinds = set(map(type, values))
    if kind == "str" and kinds <= _TEXT_OR_NONE:
        return values  # arrow_array makes a lone surrogate U+FFFD, as _text does
    if kind == "int":
        if kinds <= {int}:
            return values
        if kinds <= {str} and "" not in values:
            digits = "".join(values)
            if digits.isascii() and digits.isdigit():
                return list(map(int, values))
    if kind == "float" and kinds <= {str}:
        try:
            numbers = list(map(float, values))  # "" and any text that is no number raise
        except ValueError:
            pass
        else:
            if all(map(math.isfinite, numbers)):
                return numbers
    parse = _PARSERS[kind]
    return [parse(v) for v in values]


_NEVER_VALUES = frozenset({None, "", "0000-00-00 00:00:00"})


def _datetime_cells(columns: Sequence[Sequence[Any]]) -> dict[Any, int | None] | None:
    """The milliseconds of every distinct value of the datetime columns (a row's timestamps
    repeat one another: the call's start, its legs' starts); ``None`` when a value cannot be
    a key or is no timestamp (each column is then converted on its own, to name it).

    Values in the API's layout (:func:`api_layout`) go through ``fromisoformat`` and the
    arithmetic of :func:`_datetime_ms`'s fast path as C-level maps, without a call per value.
    """
    try:
        distinct = set().union(*columns)
    except TypeError:  # a nested value
        return None
    stamps = list(distinct - _NEVER_VALUES)
    laid = api_layout(stamps)
    try:
        if laid is not None and not laid[1]:
            parsed = map(datetime.fromisoformat, stamps)
            ms = map(floordiv, map(sub, parsed, repeat(_EPOCH_IST)), repeat(_MS))
            cells: dict[Any, int | None] = dict(zip(stamps, ms, strict=True))
        else:
            cells = {v: _datetime_ms(v) for v in stamps}
        for v in distinct & _NEVER_VALUES:
            cells[v] = None
    except ValueError:
        return None
    return cells


@functools.cache
def _arrow_type(kind: ColumnKind) -> Any:
    assert pa is not None
    return {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        # A zone name, not "+05:30": Polars cannot read fixed-offset zones.
        "datetime": pa.timestamp("ms", tz=TIMEZONE),
        "date": pa.date32(),
    }[kind]


def _to_arrow(kind: ColumnKind, values: Sequence[Any], name: str) -> Any:
    try:
        return arrow_array(pa, _arrow_type(kind), _STORED_AS.get(kind, kind), values)
    except OverflowError:  # e.g. 2**70 in an int column: past the int64 Parquet stores
        raise ExportError(
            f"column {name!r}: a value does not fit the column's {_arrow_type(kind)}"
        ) from None


CONVERT_ROWS = 1_000
"""Rows converted to columns at a time: each Arrow array costs about 7 µs whatever its length,
29 of them per batch (a page of 100 rows paid 2 µs a row); 1,000 raw rows hold about 2.5 MB."""


class ParquetRowWriter:
    """Parquet with typed columns: ints as int64, datetimes as ``timestamp[ms, Asia/Kolkata]``
    (``0000-00-00 00:00:00`` → null), strings as strings, ``extra`` as a JSON string; columns
    compressed with ``compression`` (``zstd``, ``snappy``, ``gzip`` or ``none``) and
    ``metadata`` stored as the file's key/value metadata (keys prefixed ``callerdesk.``).

    Rows are buffered and written as a row group every ``row_group_size`` rows. A Parquet
    file ends with a footer describing every row group, so it cannot be continued in place:
    resuming restarts the file (``resumable`` is False).
    """

    resumable = False

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        row_group_size: int = 10_000,
        compression: str = "zstd",
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        if pa is None or pq is None:
            raise MissingDependencyError(PARQUET_MISSING)
        if row_group_size < 1:
            raise ValueError(f"row_group_size must be >= 1, got {row_group_size}")
        self._columns = tuple(columns)
        self._keys = tuple(c.key for c in columns)
        self._known = frozenset(self._keys)
        self._datetimes = tuple(i for i, c in enumerate(columns) if c.kind == "datetime")
        self._compression = compression
        self._schema = pa.schema(
            [pa.field(c.name, _arrow_type(c.kind)) for c in columns]
            + [pa.field(EXTRA_COLUMN, pa.string())],
            metadata={METADATA_PREFIX + k: v for k, v in (metadata or {}).items()},
        )
        self._row_group_size = row_group_size
        self._rows: list[Mapping[str, Any]] = []  # not converted yet: fewer than CONVERT_ROWS
        self._pending: list[Any] = []  # record batches (columnar: far smaller than dicts)
        self._pending_rows = 0
        self._writer: Any = None

    def begin(self, file: BinaryIO) -> None:
        """Open the Parquet stream on ``file``."""
        assert pq is not None
        self._writer = pq.ParquetWriter(file, self._schema, compression=self._compression)

    def resume(self, file: BinaryIO) -> None:
        """Not supported: the runner restarts Parquet files instead."""
        raise ExportError("a Parquet file cannot be continued in place")

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Buffer a page; convert the buffered rows to columns once there are
        :data:`CONVERT_ROWS`, and write a row group once enough rows are converted."""
        if not rows:
            return
        self._rows.extend(rows)
        if len(self._rows) >= CONVERT_ROWS:
            self._convert()

    def _convert(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            self._pending.append(self._batch(rows))
            self._pending_rows += len(rows)
        while self._pending_rows >= self._row_group_size:
            self._write_group(self._row_group_size)

    def _batch(self, rows: Sequence[Mapping[str, Any]]) -> Any:
        assert pa is not None
        columns, complete = page_columns(rows, self._keys)
        times = _datetime_cells([columns[i] for i in self._datetimes])
        arrays = []
        for i, column in enumerate(self._columns):
            try:
                if times is not None and column.kind == "datetime":
                    cells: Sequence[Any] = [times[v] for v in columns[i]]
                else:
                    cells = _column_cells(column.kind, columns[i])
            except ValueError as exc:
                raise ExportError(f"column {column.name!r}: {exc}") from None
            arrays.append(_to_arrow(column.kind, cells, column.name))
        known = self._known
        extra = (
            [None] * len(rows)
            if complete
            else [clean_text(_extra_text(row, known)) or None for row in rows]
        )
        arrays.append(_to_arrow("str", extra, "extra"))
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)

    def _write_group(self, size: int) -> None:
        """Write the first ``size`` buffered rows as one row group."""
        assert pa is not None
        table = pa.Table.from_batches(self._pending, schema=self._schema)
        group, rest = table.slice(0, size), table.slice(size)
        self._writer.write_table(group, row_group_size=size)
        self._pending = rest.to_batches() if rest.num_rows else []
        self._pending_rows = rest.num_rows

    def flush(self) -> None:
        """Write the buffered rows as a (possibly short) row group."""
        self._convert()
        if self._pending_rows:
            self._write_group(self._pending_rows)

    def close(self) -> None:
        """Write the remaining rows and the footer."""
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
