"""Output formats: encode pages of raw API rows for CSV, NDJSON and Parquet.

Every writer appends to a binary file it is handed. CSV and NDJSON encode each page to bytes
independently of page boundaries (so a resumed export appends exactly the bytes an
uninterrupted one would have); Parquet buffers rows into row groups and cannot be resumed in
place.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, BinaryIO, Literal, Protocol

from ._columns import EXTRA_COLUMN, Column

__all__ = ["FORMATS", "CsvWriter", "ExportFormat", "NdjsonWriter", "RowWriter", "make_writer"]

ExportFormat = Literal["csv", "ndjson", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "ndjson", "parquet")

# allow_nan=False: a NaN or Infinity the API sent is written as null (bare NaN is not JSON).
_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False
)
_json_sorted = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def utf8(text: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate (which UTF-8 cannot hold) becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def json_text(encoder: json.JSONEncoder, value: Any) -> str:
    """``value`` as JSON text, NaN and ±Infinity (anywhere inside) as ``null``."""
    try:
        return encoder.encode(value)
    except ValueError:
        return encoder.encode(_finite(value))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class RowWriter(Protocol):
    """Writes rows into an open binary file."""

    resumable: bool
    """True when a run can continue from any written byte length (CSV, NDJSON)."""

    def begin(self, file: BinaryIO) -> None:
        """Start a fresh file (headers)."""
        ...

    def resume(self, file: BinaryIO) -> None:
        """Continue a file that already holds the header and some rows."""
        ...

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append rows (buffered writers may hold them back until :meth:`flush`)."""
        ...

    def flush(self) -> None:
        """Push everything that can be pushed into the file (not necessarily to disk)."""
        ...

    def close(self) -> None:
        """Write whatever ends the file (Parquet's footer); the file object stays open."""
        ...


def _extra_text(row: Mapping[str, Any], known: frozenset[str]) -> str:
    if row.keys() <= known:
        return ""
    return json_text(_json_sorted, {k: v for k, v in row.items() if k not in known})


_PLAIN = frozenset({str, int, float, type(None)})


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json_text(_json_sorted, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvWriter:
    """CSV (RFC 4180 quoting, ``\\n`` line ends, UTF-8, header row).

    Columns are the model's attribute names in declaration order plus ``extra``; each cell
    holds the API's value verbatim (``None`` → empty, nested values → JSON) and ``extra``
    holds unknown fields as a JSON object with sorted keys (empty when there are none).
    """

    resumable = True

    def __init__(self, columns: Sequence[Column]) -> None:
        self._keys = tuple(c.key for c in columns)
        self._names = (*(c.name for c in columns), EXTRA_COLUMN)
        self._known = frozenset(self._keys)
        self._file: BinaryIO | None = None

    def _encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return utf8(buf.getvalue())

    def begin(self, file: BinaryIO) -> None:
        """Write the header row."""
        self._file = file
        file.write(self._encode([self._names]))

    def resume(self, file: BinaryIO) -> None:
        """Append after existing rows."""
        self._file = file

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Encode and append one page."""
        assert self._file is not None
        keys, known, width = self._keys, self._known, len(self._keys)
        take = itemgetter(*keys)
        lines = []
        for row in rows:
            # Fast path: every column present, only plain scalars (the usual API row); the
            # per-cell conversion and the extra-column scan are only needed otherwise.
            try:
                values = take(row) if width > 1 else (take(row),)
                complete = len(row) == width
            except KeyError:
                values = tuple(row.get(k) for k in keys)
                complete = False
            if not _PLAIN.issuperset(map(type, values)):
                values = tuple(_cell(v) for v in values)
            lines.append((*values, "" if complete else _extra_text(row, known)))
        self._file.write(self._encode(lines))

    def flush(self) -> None:
        """Nothing is buffered beyond the file object."""

    def close(self) -> None:
        """CSV has no footer."""


class NdjsonWriter:
    """NDJSON: one JSON object per line, the API's row exactly as received (its key order),
    compact separators, UTF-8 without escaping non-ASCII, ``\\n`` after every line."""

    resumable = True

    def __init__(self) -> None:
        self._file: BinaryIO | None = None

    def begin(self, file: BinaryIO) -> None:
        """NDJSON has no header."""
        self._file = file

    def resume(self, file: BinaryIO) -> None:
        """Append after existing lines."""
        self._file = file

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Encode and append one page."""
        assert self._file is not None
        try:
            text = "".join([_json.encode(row) + "\n" for row in rows])
        except ValueError:  # a NaN or Infinity somewhere in the page
            text = "".join([json_text(_json, row) + "\n" for row in rows])
        self._file.write(utf8(text))

    def flush(self) -> None:
        """Nothing is buffered beyond the file object."""

    def close(self) -> None:
        """NDJSON has no footer."""


def make_writer(format: str, columns: Sequence[Column], *, row_group_size: int) -> RowWriter:
    """The writer for ``format`` (``ExportError`` naming the extra if pyarrow is missing)."""
    if format == "csv":
        return CsvWriter(columns)
    if format == "ndjson":
        return NdjsonWriter()
    if format == "parquet":
        from ._parquet import ParquetRowWriter

        return ParquetRowWriter(columns, row_group_size=row_group_size)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
