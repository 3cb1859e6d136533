"""One cattrs converter for the API's loose types, and the helpers models are declared with.

Callerdesk sends numbers as strings (``"42"``), datetimes as ``YYYY-MM-DD HH:MM:SS`` in India
time with no zone, ``0000-00-00 00:00:00`` for "never", ``""`` or ``null`` for "nothing", and
adds fields without notice. The hooks here turn all of that into ints, floats and aware
datetimes; :func:`structure` keeps any field a model does not declare in its ``extra`` mapping.

Models declare API field names with :func:`api_field` when the Python name differs
(``Flow_type`` → ``flow_type``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

__all__ = [
    "IST",
    "LooseIntEnum",
    "api_field",
    "converter",
    "parse_date",
    "parse_datetime",
    "parse_float",
    "parse_int",
    "structure",
    "structurer_for",
    "unstructure",
]

IST = timezone(timedelta(hours=5, minutes=30), "IST")
"""India Standard Time (+05:30): the zone of every timestamp Callerdesk sends."""

_NEVER = frozenset({"", "0000-00-00 00:00:00", "0000-00-00", "0000-00-00 00:00", "null", "None"})
_API_KEY = "callerdesk_api_key"
T = TypeVar("T")


def api_field(key: str, default: Any = None) -> Any:
    """Declare a model attribute filled from API field ``key`` (e.g. ``"Flow_type"``)."""
    return attrs.field(default=default, metadata={_API_KEY: key})


def parse_int(value: object) -> int | None:
    """``"42"``, ``42``, ``"42.0"`` → 42; ``""``/``None`` → ``None``; else ValueError."""
    if value is None or value == "":
        return None
    if type(value) is int:
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            number = float(text)
    elif isinstance(value, float):
        number = value
    elif isinstance(value, bool):
        return int(value)
    else:
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    if not number.is_integer():
        raise ValueError(f"expected an integer, got {value!r}")
    return int(number)


def parse_float(value: object) -> float | None:
    """``"1.5"``, ``1.5``, ``1`` → float; ``""``/``None`` → ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        return float(text) if text else None
    raise ValueError(f"expected a number, got {type(value).__name__}")


def parse_datetime(value: object) -> datetime | None:
    """Read an API timestamp as an aware datetime at +05:30.

    Accepts ``YYYY-MM-DD HH:MM:SS`` (the API's form), ISO 8601 with or without an offset, and
    the legacy webhook form with ``n`` between date and time (``2020-04-09n13:46:56``).
    ``0000-00-00 00:00:00``, ``""`` and ``None`` mean "never" and give ``None``.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=IST)
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp string, got {type(value).__name__}")
    text = value.strip()
    if text in _NEVER or text.startswith("0000-00-00"):
        return None
    if len(text) > 10 and text[10] == "n":
        text = f"{text[:10]} {text[11:]}"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=IST)


def parse_date(value: object) -> date | None:
    """``YYYY-MM-DD`` (or a timestamp, whose date part is taken) → date; sentinels → ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {type(value).__name__}")
    text = value.strip()
    if text in _NEVER or text.startswith("0000-00-00"):
        return None
    return date.fromisoformat(text[:10])


def _parse_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def _parse_required_str(value: object) -> str:
    text = _parse_str(value)
    return "" if text is None else text


def _parse_bool(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"1", "yes", "true", "y", "on"}:
            return True
        if text in {"0", "no", "false", "n", "off"}:
            return False
    raise ValueError(f"expected a yes/no flag, got {value!r}")


class LooseIntEnum(enum.IntEnum):
    """An IntEnum that keeps codes it does not know instead of failing.

    ``MemberAccess(9)`` gives a pseudo-member named ``UNKNOWN_9`` whose value is 9, so a code
    Callerdesk adds tomorrow round-trips unchanged.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member

    @classmethod
    def parse(cls: type[T], value: object) -> T | None:
        """Parse a code that may arrive as ``"2"``, ``2``, ``""`` or ``None``."""
        code = parse_int(value)
        return None if code is None else cls(code)  # type: ignore[call-arg]


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_structure_hook(int | None, lambda v, _: parse_int(v))
    conv.register_structure_hook(float | None, lambda v, _: parse_float(v))
    conv.register_structure_hook(str | None, lambda v, _: _parse_str(v))
    conv.register_structure_hook(str, lambda v, _: _parse_required_str(v))
    conv.register_structure_hook(bool | None, lambda v, _: _parse_bool(v))
    conv.register_structure_hook(datetime | None, lambda v, _: parse_datetime(v))
    conv.register_structure_hook(date | None, lambda v, _: parse_date(v))

    def _int(value: object, _: object) -> int:
        parsed = parse_int(value)
        return 0 if parsed is None else parsed

    conv.register_structure_hook(int, _int)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    return conv


converter = _make_converter()
"""The SDK's shared cattrs converter (API dicts ↔ models, and resumable states ↔ dicts)."""

_structurers: dict[type, Callable[[Mapping[str, Any]], Any]] = {}


def _build_structurer(cls: type[T]) -> Callable[[Mapping[str, Any]], T]:
    fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var,arg-type]
    overrides: dict[str, Any] = {}
    known: set[str] = set()
    enum_fields: list[tuple[str, str, type[LooseIntEnum]]] = []
    for field in fields:
        if field.name == "extra":
            overrides["extra"] = override(omit=True)
            continue
        key = field.metadata.get(_API_KEY, field.name)
        known.add(key)
        enum_type = _loose_enum_of(field.type)
        if enum_type is not None:
            overrides[field.name] = override(omit=True)
            enum_fields.append((field.name, key, enum_type))
        elif key != field.name:
            overrides[field.name] = override(rename=key)
    base = make_dict_structure_fn(cls, converter, **overrides)
    known_keys = frozenset(known)
    has_extra = any(f.name == "extra" for f in fields)

    def structure_one(data: Mapping[str, Any]) -> T:
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        obj = base(data, cls)
        # Frozen classes: fields cattrs cannot fill (enums parsed leniently, extras) are set
        # the way attrs documents for frozen instances.
        for name, key, enum_type in enum_fields:
            if key in data:
                object.__setattr__(obj, name, enum_type.parse(data[key]))
        if has_extra and not data.keys() <= known_keys:
            extra = {k: v for k, v in data.items() if k not in known_keys}
            object.__setattr__(obj, "extra", extra)
        return obj

    return structure_one


def _loose_enum_of(annotation: Any) -> type[LooseIntEnum] | None:
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, LooseIntEnum):
            return candidate
    return None


def structure(data: Mapping[str, Any], cls: type[T]) -> T:
    """Build model ``cls`` from one API object, keeping unknown fields in ``extra``."""
    return structurer_for(cls)(data)


def structurer_for(cls: type[T]) -> Callable[[Mapping[str, Any]], T]:
    """The compiled structure function for ``cls`` (cached), for hot loops over many rows."""
    structurer = _structurers.get(cls)
    if structurer is None:
        structurer = _structurers[cls] = _build_structurer(cls)
    return structurer


def unstructure(obj: Any) -> Any:
    """Turn a model or state value into plain JSON-ready data."""
    return converter.unstructure(obj)
