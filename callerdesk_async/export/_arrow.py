"""Arrow arrays built from their buffers, without ``pyarrow.array``.

``pyarrow.array`` imports pandas the first time it runs, whenever pandas is installed (to
check whether its argument is a pandas object): about 50 MB of RSS an export never uses.
Building each column from its validity bitmap and value buffers avoids that import.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate, repeat
from operator import is_not
from typing import Any

from ._writers import utf8

__all__ = ["arrow_array"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_MS = timedelta(milliseconds=1)


_BIT_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _bits(flags: Sequence[bool]) -> bytes:
    """A little-endian bitmap (Arrow's bit order) of ``flags``: the flags, last first, read
    as one binary number."""
    if not flags:
        return b""
    digits = bytes(flags[::-1]).translate(_BIT_DIGITS)
    return int(digits, 2).to_bytes((len(flags) + 7) // 8, "little")


def _ms(value: datetime) -> int:
    return (value - _EPOCH) // _MS


def arrow_array(pa: Any, type: Any, kind: str, values: Sequence[Any]) -> Any:
    """The Arrow array of ``type`` holding ``values`` (``None`` → null) of column ``kind``;
    text is UTF-8, a lone surrogate (which UTF-8 cannot hold) as U+FFFD."""
    n = len(values)
    nulls = values.count(None)
    present = list(map(is_not, values, repeat(None))) if nulls else []
    validity = None if nulls == 0 else pa.py_buffer(_bits(present))
    if kind == "str":
        text = "".join(filter(None, values))
        if text.isascii():  # a character is a byte: the offsets are the lengths' sums
            lengths = [0 if v is None else len(v) for v in values] if nulls else map(len, values)
            offsets = array("i", accumulate(lengths, initial=0))
            data = text.encode("ascii")
        else:
            chunks = [b"" if v is None else utf8(v) for v in values]
            offsets = array("i", accumulate(map(len, chunks), initial=0))
            data = b"".join(chunks)
        buffers = [validity, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    elif kind == "bool":
        buffers = [validity, pa.py_buffer(_bits([bool(v) for v in values]))]
    else:
        raw: array[Any]
        if kind == "int":
            raw = array("q", [0 if v is None else v for v in values] if nulls else values)
        elif kind == "float":
            raw = array("d", [0.0 if v is None else v for v in values] if nulls else values)
        elif kind == "datetime":
            raw = array("q", [0 if v is None else _ms(v) for v in values])
        else:  # date
            raw = array("i", [0 if v is None else v.toordinal() - _EPOCH_DAY for v in values])
        buffers = [validity, pa.py_buffer(raw.tobytes())]
    return pa.Array.from_buffers(type, n, buffers, null_count=nulls)
