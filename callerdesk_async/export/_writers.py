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

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
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

_fast_dumps: Callable[..., bytes] | None
try:  # a dependency on CPython: about 7x faster than the json module at encoding a page
    from orjson import OPT_APPEND_NEWLINE
    from orjson import dumps as _fast_dumps
except ImportError:  # pragma: no cover - exercised by a test that hides orjson
    _fast_dumps = None


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


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json_text(_json_sorted, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _cell_text(value: Any) -> str:
    """A value as the text of its CSV cell: ``None`` empty, nested values JSON, booleans
    ``true``/``false``, anything else ``str()`` (floats are their ``repr``)."""
    if value is None:
        return ""
    value = _cell(value)
    return value if isinstance(value, str) else str(value)


_TEXT = frozenset({str})
_NONE = frozenset({type(None)})
_TEXT_OR_NONE = _TEXT | _NONE


def _column_texts(values: Sequence[Any]) -> Sequence[str]:
    """:func:`_cell_text` of each value; a column of text alone is returned as it is."""
    kinds = set(map(type, values))
    if kinds <= _TEXT:
        return values
    if kinds <= _NONE:
        return [""] * len(values)
    if kinds <= _TEXT_OR_NONE:
        return ["" if v is None else v for v in values]
    return [_cell_text(v) for v in values]


def _needs_quotes(text: str) -> bool:
    return '"' in text or "," in text or "\n" in text or "\r" in text


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _needs_quotes(text) else text


def csv_text(columns: Sequence[Sequence[str]]) -> str:
    """Rows, given column by column as cell texts (at least two columns), as CSV text.

    RFC 4180: a cell holding ``"``, ``,``, CR or LF is quoted, its quotes doubled, and every
    row ends with ``\n``. (The ``csv`` module with ``lineterminator="\n"`` leaves a lone CR
    unquoted, which pandas, DuckDB and ``csv.reader`` then read as a line break.) Only the
    columns that hold such a cell are scanned cell by cell.
    """
    if not columns or not columns[0]:
        return ""
    if _needs_quotes("".join(chain.from_iterable(columns))):
        columns = [
            [_quoted(cell) for cell in column] if _needs_quotes("".join(column)) else column
            for column in columns
        ]
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


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


_NEVER_CELL = f"0000-00-00T00:00:00{_OFFSET}"


def api_layout(values: list[Any]) -> tuple[str, int] | None:
    """``values`` joined by ``\\n`` and how many are the "never" sentinel, when every value is
    a string in the API's ``YYYY-MM-DD HH:MM:SS`` layout: exactly 19 characters, a space at
    10 (and no other), "-" at 4, and starting with "0" only when it is the sentinel (what
    :func:`iso_timestamp` takes its fast path or its sentinel case on); else ``None``. A few
    C-level passes over the joined text instead of a check per value."""
    n = len(values)
    try:
        text = "\n".join(values)
    except TypeError:  # not all strings
        return None
    zeros = text[0::20].count("0")
    if (
        len(text) != 20 * n - 1
        or text.count("\n") != n - 1
        or text[19::20] != "\n" * (n - 1)
        or text.count(" ") != n
        or text[10::20] != " " * n
        or text[4::20] != "-" * n
        or (zeros and text.count(_NEVER) != zeros)
    ):
        return None
    return text, zeros


def _batched_iso(values: list[Any]) -> list[str] | None:
    """:func:`iso_timestamp` of a batch in the API's layout (:func:`api_layout`; the "never"
    sentinel among them becomes ``""``), rewritten as one text with a handful of C-level
    string operations, about 2.5x faster than one call per value; ``None`` when the batch
    holds anything else (then convert value by value)."""
    laid = api_layout(values)
    if laid is None:
        return None
    text, zeros = laid
    text = text.replace(" ", "T").replace("\n", _OFFSET + "\n") + _OFFSET
    if zeros:
        text = text.replace(_NEVER_CELL, "")
    return text.split("\n")


def row_values(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> list[tuple[Any, ...]] | None:
    """The values of ``keys`` in each row, one ``itemgetter`` call per row; ``None`` when a
    row lacks one of them."""
    take = itemgetter(*keys)
    try:
        values = [take(row) for row in rows]
    except KeyError:
        return None
    return [(v,) for v in values] if len(keys) == 1 else values


def page_columns(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> tuple[list[Sequence[Any]], bool]:
    """The values of ``keys`` in ``rows``, column by column (a missing key reads as
    ``None``), and whether every row holds exactly those keys (so none holds an unknown one).
    The usual page is read with :func:`row_values` and transposed in C."""
    values = row_values(rows, keys)
    if values is None:
        values = [tuple(row.get(k) for k in keys) for row in rows]
        complete = False
    else:
        complete = set(map(len, rows)) == {len(keys)}
    return list(zip(*values, strict=True)) or [() for _ in keys], complete


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
        kinds = [c.kind for c in columns]
        self._timestamps = tuple(i for i, kind in enumerate(kinds) if kind == "datetime")
        self._dates = tuple(i for i, kind in enumerate(kinds) if kind == "date")
        self._file: BinaryIO | None = None

    def begin(self, file: BinaryIO) -> None:
        """Write the header row."""
        self._file = file
        file.write(utf8(csv_text([[name] for name in self._names])))

    def resume(self, file: BinaryIO) -> None:
        """Append after existing rows."""
        self._file = file

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Encode and append one page."""
        assert self._file is not None
        # Column by column: each step is a few C-level passes over the page (the usual page:
        # every row has exactly the known keys, text in every column), not a loop per row.
        n = len(rows)
        columns, complete = page_columns(rows, self._keys)
        if self._timestamps:
            stamps = list(chain.from_iterable(columns[i] for i in self._timestamps))
            cells: Sequence[Any] | None = _batched_iso(stamps)
            if cells is None:
                cells = [iso_timestamp(_cell(v)) for v in stamps]
            for j, i in enumerate(self._timestamps):
                columns[i] = cells[j * n : (j + 1) * n]
        for i in self._dates:
            columns[i] = [iso_date(_cell(v)) for v in columns[i]]
        known = self._known
        columns.append([""] * n if complete else [_extra_text(r, known) for r in rows])
        # One write per page, even an empty one: a compressed file makes each a member/frame.
        self._file.write(utf8(csv_text([_column_texts(c) for c in columns])))

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
        self._timestamp_keys = tuple(c.key for c in columns if c.kind == "datetime")
        self._others = tuple((k, f) for k, f in self._normalize if k not in self._timestamp_keys)
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
        if self._normalize:
            rows = self._normalized(rows)
        self._file.write(_ndjson_bytes(rows))

    def _normalized(self, rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
        """The page with its timestamps (and dates) normalised: batched when every row has
        every timestamp field in the API's usual form, else row by row."""
        keys = self._timestamp_keys
        values = row_values(rows, keys) if rows and keys else None
        cells = None if values is None else _batched_iso(list(chain.from_iterable(values)))
        if cells is None:
            return [_normalized(row, self._normalize) for row in rows]
        stamps: list[Any] = cells
        if "" in stamps:  # the sentinel: null, as iso_timestamp gives it
            stamps = [None if c == "" else c for c in stamps]
        out = []
        chunks = zip(*[iter(stamps)] * len(keys), strict=True)  # the row's timestamps
        for row, chunk in zip(rows, chunks, strict=True):
            copy = dict(row)
            copy.update(zip(keys, chunk, strict=True))
            out.append(copy)
        others = self._others
        return [_normalized(row, others) for row in out] if others else out

    def flush(self) -> None:
        """Nothing is buffered beyond the file object."""

    def close(self) -> None:
        """NDJSON has no footer."""


def _ndjson_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Each row as compact JSON and ``\\n``, UTF-8.

    orjson writes the same bytes as the ``json`` module (compact separators, non-ASCII as
    is, NaN and the infinities as ``null``) except that a float's exponent has no ``+`` or
    leading zero (``1e16``, ``1e-7``; both read back as the same number). A page orjson
    refuses (an integer past 64 bits, a lone surrogate) is written by the ``json`` module."""
    if _fast_dumps is not None:
        dumps = _fast_dumps
        try:
            return b"".join([dumps(row, option=OPT_APPEND_NEWLINE) for row in rows])
        except TypeError:  # orjson.JSONEncodeError
            pass
    encode = _json.encode
    try:
        text = "".join([encode(row) + "\n" for row in rows])
    except ValueError:  # a NaN or Infinity somewhere in the page
        text = "".join([json_text(_json, row) + "\n" for row in rows])
    return utf8(text)


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
