"""Parquet output through pyarrow (the ``parquet`` extra), written in row groups."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, BinaryIO

from .._convert import parse_date, parse_datetime, parse_float, parse_int
from ._arrow import arrow_array
from ._columns import EXTRA_COLUMN, Column, ColumnKind
from ._errors import ExportError, MissingDependencyError
from ._writers import _extra_text

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:  # pragma: no cover - exercised by a test that hides pyarrow
    pa = None
    pq = None

__all__ = ["PARQUET_MISSING", "ParquetRowWriter"]

PARQUET_MISSING = "Parquet output needs pyarrow: pip install 'callerdesk-async[parquet]'"
TIMEZONE = "Asia/Kolkata"
METADATA_PREFIX = "callerdesk."
"""Key/value metadata keys of the file start with this (``callerdesk.report``, ...)."""


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _bool(value: object) -> bool | None:
    number = parse_int(value) if not isinstance(value, bool) else int(value)
    return None if number is None else number != 0


_PARSERS: dict[ColumnKind, Callable[[Any], Any]] = {
    "str": _text,
    "int": parse_int,
    "float": parse_float,
    "bool": _bool,
    "datetime": parse_datetime,
    "date": parse_date,
}


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


def _to_arrow(kind: ColumnKind, values: Sequence[Any]) -> Any:
    try:
        return arrow_array(pa, _arrow_type(kind), kind, values)
    except OverflowError as exc:  # e.g. an int beyond int64
        raise ExportError(f"a {kind} value does not fit its Parquet column: {exc}") from None


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
        self._known = frozenset(c.key for c in columns)
        self._compression = compression
        self._schema = pa.schema(
            [pa.field(c.name, _arrow_type(c.kind)) for c in columns]
            + [pa.field(EXTRA_COLUMN, pa.string())],
            metadata={METADATA_PREFIX + k: v for k, v in (metadata or {}).items()},
        )
        self._row_group_size = row_group_size
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
        """Convert a page to columns; write a row group once enough rows are buffered."""
        if not rows:
            return
        self._pending.append(self._batch(rows))
        self._pending_rows += len(rows)
        while self._pending_rows >= self._row_group_size:
            self._write_group(self._row_group_size)

    def _batch(self, rows: Sequence[Mapping[str, Any]]) -> Any:
        assert pa is not None
        arrays = []
        for column in self._columns:
            parse = _PARSERS[column.kind]
            key = column.key
            try:
                values = [parse(row.get(key)) for row in rows]
            except ValueError as exc:
                raise ExportError(f"column {column.name!r}: {exc}") from None
            arrays.append(_to_arrow(column.kind, values))
        known = self._known
        arrays.append(_to_arrow("str", [_extra_text(row, known) or None for row in rows]))
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
        if self._pending_rows:
            self._write_group(self._pending_rows)

    def close(self) -> None:
        """Write the remaining rows and the footer."""
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
