"""Reading API data into models: the public face of the rules and the compiled structurers.

Callerdesk sends numbers as strings (``"42"``), datetimes as ``YYYY-MM-DD HH:MM:SS`` in India
time with no zone, ``0000-00-00 00:00:00`` for "never", ``""`` or ``null`` for "nothing", and
adds fields without notice. :mod:`._rules` says what each value becomes (one definition per
rule); :mod:`._structurer` compiles a structure function per model from those rules and keeps
any field a model does not declare in its ``extra`` mapping.

Models declare API field names with :func:`api_field` when the Python name differs
(``Flow_type`` → ``flow_type``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs
import cattrs

from ._rules import (
    _RULES,
    IST,
    ConversionError,
    LooseIntEnum,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
)
from ._structurer import Decoding, structurer_for
from .errors import APIResponseError

__all__ = [
    "IST",
    "ConversionError",
    "Decoding",
    "LooseIntEnum",
    "api_field",
    "converter",
    "parse_date",
    "parse_datetime",
    "parse_float",
    "parse_int",
    "reading",
    "structure",
    "structurer_for",
]

_API_KEY = "callerdesk_api_key"
T = TypeVar("T")


def api_field(key: str, default: Any = None) -> Any:
    """Declare a model attribute filled from API field ``key`` (e.g. ``"Flow_type"``)."""
    return attrs.field(default=default, metadata={_API_KEY: key})


def _hook(parse: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda value, _: parse(value)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=False)
    for annotation, rule in _RULES.items():
        conv.register_structure_hook(annotation, _hook(rule.parse))
    return conv


converter = _make_converter()
"""The SDK's shared cattrs converter (API dicts → models)."""


def structure(data: Mapping[str, Any], cls: type[T], decoding: Decoding | None = None) -> T:
    """Build model ``cls`` from one API object, keeping unknown fields in ``extra``.

    Without ``decoding`` a value that cannot be converted raises :class:`ConversionError`.
    """
    return structurer_for(cls, decoding)(data)


@contextmanager
def reading(endpoint: str | None) -> Iterator[None]:
    """Turn a failure to convert API data into :class:`APIResponseError` naming the endpoint.

    Only :class:`ConversionError` (what structurers raise for data they cannot read) is
    turned; any other exception is a bug and surfaces as itself.
    """
    failure: ConversionError | None = None
    try:
        yield
    except ConversionError as exc:
        failure = exc
    if failure is not None:
        # The parser's own exception (its message may quote the value) is cut from the chain.
        failure.__context__ = failure.__cause__ = None
        raise APIResponseError(
            f"could not read the response: {failure}", endpoint=endpoint
        ) from None
