"""Output formats: encode pages of raw API rows for CSV, NDJSON and Parquet.

Every writer appends to a binary file it is handed, with one ``write`` per page (so a
compressing file can make each page one gzip member / zstd frame). CSV and NDJSON encode each
page to bytes independently of page boundaries (so a resumed export appends exactly the bytes
an uninterrupted one would have); Parquet buffers rows into row groups and cannot be resumed
in place.

Timestamps are written as ISO 8601 with their ``+05:30`` offset, and the API's
``0000-00-00 00:00:00`` "never" as an empty cell (CSV) or ``null`` (NDJSON), so data tools
infer them as timestamps.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, BinaryIO, Protocol

from .._convert import parse_datetime
from ._columns import EXTRA_COLUMN, Column
from ._formats import FORMATS, ExportFormat

__all__ = [
    "FORMATS",
    "CsvWriter",
    "ExportFormat",
    "NdjsonWriter",
    "RowWriter",
    "iso_date",
    "iso_timestamp",
    "make_writer",
]

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


_OFFSET = "+05:30"
_NEVER = "0000-00-00 00:00:00"


def iso_timestamp(value: Any) -> Any:
    """An API timestamp as ISO 8601 with its offset (``2026-10-01T09:30:00+05:30``); the
    "never" sentinels (``0000-00-00 00:00:00``, ``""``) → ``None``. A value that is not a
    timestamp is returned unchanged (an export never drops data)."""
    if not isinstance(value, str):
        return value
    if len(value) == 19 and value[10] == " " and value[4] == "-" and value[0] != "0":
        return f"{value[:10]}T{value[11:]}{_OFFSET}"  # the API's usual form, fast
    if value == _NEVER:  # the usual "never", fast (a third of a call row's LegB_Picked_time)
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return value
    return None if parsed is None else parsed.isoformat()


def iso_date(value: Any) -> Any:
    """A ``YYYY-MM-DD`` date unchanged; the ``0000-00-00`` / ``""`` sentinels → ``None``."""
    if isinstance(value, str) and (not value or value.startswith("0000-00-00")):
        return None
    return value


def _normalizers(columns: Sequence[Column]) -> tuple[tuple[int, str, Any], ...]:
    """(position, API key, function) for every column whose text is normalised."""
    pick = {"datetime": iso_timestamp, "date": iso_date}
    return tuple((i, c.key, pick[c.kind]) for i, c in enumerate(columns) if c.kind in pick)


class CsvWriter:
    """CSV (RFC 4180 quoting, ``\\n`` line ends, UTF-8, header row).

    Columns are the model's attribute names in declaration order plus ``extra``; each cell
    holds the API's value verbatim (``None`` → empty, nested values → JSON) except timestamps
    (ISO 8601 with offset, sentinels empty), and ``extra`` holds unknown fields as a JSON
    object with sorted keys (empty when there are none). Phone numbers are text with their
    leading zeros: read them as strings (``docs/export.md`` has the recipes).
    """

    resumable = True

    def __init__(self, columns: Sequence[Column]) -> None:
        self._keys = tuple(c.key for c in columns)
        self._names = (*(c.name for c in columns), EXTRA_COLUMN)
        self._known = frozenset(self._keys)
        self._normalize = _normalizers(columns)
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
            line = [*values, "" if complete else _extra_text(row, known)]
            for i, _, normalize in self._normalize:
                line[i] = normalize(line[i])
            lines.append(line)
        self._file.write(self._encode(lines))

    def flush(self) -> None:
        """Nothing is buffered beyond the file object."""

    def close(self) -> None:
        """CSV has no footer."""


class NdjsonWriter:
    """NDJSON: one JSON object per line, the API's row as received (its keys and key order)
    except timestamps (ISO 8601 with offset, sentinels ``null``), compact separators, UTF-8
    without escaping non-ASCII, ``\\n`` after every line."""

    resumable = True

    def __init__(self, columns: Sequence[Column] = ()) -> None:
        self._normalize = tuple((key, f) for _, key, f in _normalizers(columns))
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
        encode, normalize = _json.encode, self._normalize
        if normalize:
            rows = [_normalized(row, normalize) for row in rows]
        try:
            text = "".join([encode(row) + "\n" for row in rows])
        except ValueError:  # a NaN or Infinity somewhere in the page
            text = "".join([json_text(_json, row) + "\n" for row in rows])
        self._file.write(utf8(text))

    def flush(self) -> None:
        """Nothing is buffered beyond the file object."""

    def close(self) -> None:
        """NDJSON has no footer."""


def _normalized(row: Mapping[str, Any], normalize: Sequence[tuple[str, Any]]) -> Mapping[str, Any]:
    copy = None
    for key, f in normalize:
        if key in row:
            value = row[key]
            new = f(value)
            if new is not value:
                if copy is None:
                    copy = dict(row)
                copy[key] = new
    return row if copy is None else copy


def make_writer(
    format: str,
    columns: Sequence[Column],
    *,
    row_group_size: int,
    compression: str = "zstd",
    metadata: Mapping[str, str] | None = None,
) -> RowWriter:
    """The writer for ``format`` (``ExportError`` naming the extra if pyarrow is missing);
    ``compression`` and ``metadata`` are Parquet's codec and key/value metadata."""
    if format == "csv":
        return CsvWriter(columns)
    if format == "ndjson":
        return NdjsonWriter(columns)
    if format == "parquet":
        from ._parquet import ParquetRowWriter

        return ParquetRowWriter(
            columns, row_group_size=row_group_size, compression=compression, metadata=metadata
        )
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
