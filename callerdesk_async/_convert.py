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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import cattrs

from .errors import APIResponseError, CallerdeskError

__all__ = [
    "IST",
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
    "unstructure",
]

IST = timezone(timedelta(hours=5, minutes=30), "IST")
"""India Standard Time (+05:30): the zone of every timestamp Callerdesk sends."""

_NEVER = frozenset({"", "0000-00-00 00:00:00", "0000-00-00", "0000-00-00 00:00", "null", "None"})
_API_KEY = "callerdesk_api_key"
_MISSING = object()
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


_fromisoformat = datetime.fromisoformat


# Per field type: the function the generated code calls, and the value classes that pass
# through unchanged (so the common case costs one class check and no call).
# (Datetimes, ints and floats get inline fast paths in the generated code instead.)
_FAST_PATHS: dict[Any, tuple[Callable[[Any], Any], tuple[type, ...]]] = {
    str | None: (_parse_str, (str,)),
    date | None: (parse_date, ()),
    bool | None: (_parse_bool, (bool,)),
}


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None] | None:
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            return getattr(type(descriptor), "__set__", None) and descriptor.__set__
    return None


class _MissingKey(Exception):
    """A declared key is absent: the fast structurer hands the object to the general one."""


def _guarded(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``function`` for the fast structurer's odd values, refusing the missing-key marker."""

    def convert(value: Any) -> Any:
        if value is _MISSING:
            raise _MissingKey
        return function(value)

    return convert


def _builder_for(cls: type) -> type | None:
    """A plain slotted class laid out like frozen ``cls``, or None if there is none.

    Filling a frozen slotted instance costs a descriptor call per field; filling a plain one is
    a specialised attribute store. Built this way and then re-classed (``obj.__class__ = cls``,
    which CPython allows between identical layouts), a model costs about a third as much. It
    needs ``cls`` to derive from ``object`` alone and to have no ``__weakref__`` slot (models
    are declared ``weakref_slot=False``).
    """
    slots = cls.__dict__.get("__slots__")
    if cls.__bases__ != (object,) or not slots or "__weakref__" in slots:
        return None
    builder = type(f"{cls.__name__}Builder", (), {"__slots__": tuple(slots)})
    try:
        builder().__class__ = cls
    except TypeError:
        return None
    return builder


def _build_structurer(cls: type[T]) -> Callable[[Mapping[str, Any]], T]:
    """Compile a structure function for ``cls``: one straight-line function per model.

    Each field is read with ``dict.get``, converted with the hook for its type (skipped when
    the value already has the right class) and stored through the slot descriptor, which is
    what attrs' own ``__init__`` does for frozen classes minus the per-field bound-method
    lookups. Types without a fast path use the cattrs converter's hook, so there is still one
    set of conversion rules.

    Where the model's layout allows (see :func:`_builder_for`), a second, faster function
    handles the usual object, the one holding every declared key: it fills a plain builder
    instance and re-classes it. An object missing a declared key goes to the general function.
    """
    general = _compile_structurer(cls, None)
    builder = _builder_for(cls)
    if builder is None:
        return general
    return _compile_structurer(cls, (builder, general))


def _compile_structurer(
    cls: type[T], fast: tuple[type, Callable[[Mapping[str, Any]], T]] | None
) -> Callable[[Mapping[str, Any]], T]:
    fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var,arg-type]
    setters = {f.name: _slot_setter(cls, f.name) for f in fields}
    slotted = (
        all(setter is not None for setter in setters.values())
        and not any(f.validator or f.converter for f in fields)
        and not hasattr(cls, "__attrs_post_init__")
    )
    if fast is not None and not slotted:
        return fast[1]
    namespace: dict[str, Any] = {
        "_fromisoformat": _fromisoformat,
        "_cls": cls,
        "_new": object.__new__,
        "_Mapping": Mapping,
        "_MISSING": _MISSING,
        "_MissingKey": _MissingKey,
    }
    # In the fast variant a missing key reaches a converter (wrapped by _guarded), which
    # raises _MissingKey; the whole object then goes to the general variant.
    wrap: Callable[[Callable[[Any], Any]], Callable[[Any], Any]] = (
        _guarded if fast is not None else (lambda function: function)
    )
    lines = [
        "def structure_one(data):",
        "    if data.__class__ is not dict and not isinstance(data, _Mapping):",
        f"        raise ValueError('expected an object for {cls.__name__}, got '"
        " + type(data).__name__)",
        "    get = data.get",
    ]
    if fast is not None:
        namespace["_builder"], namespace["_general"] = fast
        lines.append("    obj = _builder()")
        lines.append("    try:")
        indent = "        "
    else:
        lines.append("    obj = _new(_cls)" if slotted else "    values = {}")
        lines.append("    missing = 0")
        indent = "    "
    # Hot names as locals (a local load is the cheapest there is).
    body: list[str] = [
        "missing_, iso_ = _MISSING, _fromisoformat",
        "str_, int_, float_, bool_ = str, int, float, bool",
        "first_text = first_time = None",
    ]
    known: set[str] = set()
    first_datetime = True
    for index, field in enumerate(fields):
        name = field.name
        if name == "extra":
            continue
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"_factory{index}"] = default.factory
            fallback = f"_factory{index}()"
        else:
            namespace[f"_default{index}"] = default
            fallback = f"_default{index}"
        if not field.init:
            # Derived attributes (filled after construction by their owner) start at default.
            if fast is not None:
                body.append(f"obj.{name} = {fallback}")
            elif slotted:
                namespace[f"_set{index}"] = setters[name]
                body.append(f"_set{index}(obj, {fallback})")
            continue
        key = field.metadata.get(_API_KEY, name)
        known.add(key)
        body.append(f"x = get({key!r}, missing_)")
        if fast is None:
            body.append("if x is _MISSING:")
            body.append(f"    x = {fallback}")
            body.append("    missing += 1")
            branch = "elif"
        else:
            branch = "if"
        enum_type = _loose_enum_of(field.type)
        fast_path = _FAST_PATHS.get(field.type)
        if enum_type is not None:
            namespace[f"_conv{index}"] = wrap(enum_type.parse)
            body.append(f"{branch} x is not None:")
            body.append(f"    x = _conv{index}(x)")
        elif field.type == (datetime | None):
            # Inline fast path for the API's own "YYYY-MM-DD HH:MM:SS": 19 characters (a
            # date-only "YYYY-MM-DD" + "+05:30" would read as 05:30 local time) and a year that
            # does not start with 0 (the 0000-00-00 sentinel). Everything else, and whatever
            # fromisoformat refuses with the suffix, goes to the general parser.
            namespace[f"_conv{index}"] = wrap(parse_datetime)
            body.append(f"{branch} x.__class__ is str and len(x) == 19 and x >= '1':")
            if first_datetime:
                body.append("    first_text = x")
                body.append("    try:")
                body.append("        x = iso_(x + '+05:30')")
                body.append("    except ValueError:")
                body.append(f"        x = _conv{index}(x)")
                body.append("    first_time = x")
            else:
                # A record's timestamps often repeat its first one (call_date is the start;
                # the agent's leg starts with the call): reuse that parse.
                body.append("    if x == first_text:")
                body.append("        x = first_time")
                body.append("    else:")
                body.append("        try:")
                body.append("            x = iso_(x + '+05:30')")
                body.append("        except ValueError:")
                body.append(f"            x = _conv{index}(x)")
            body.append("elif x == '0000-00-00 00:00:00':")
            body.append("    x = None")
            body.append("elif x is not None:")
            body.append(f"    x = _conv{index}(x)")
            first_datetime = False
        elif field.type in (int | None, float | None):
            # A numeric string goes straight to int()/float(); anything odd ("", "42.0",
            # a float for an int field) takes the lenient parser.
            is_int = field.type == (int | None)
            number = "int_" if is_int else "float_"
            namespace[f"_conv{index}"] = wrap(parse_int if is_int else parse_float)
            body.append(f"{branch} x.__class__ is str:")
            body.append("    try:")
            body.append(f"        x = {number}(x)")
            body.append("    except ValueError:")
            body.append(f"        x = _conv{index}(x)")
            body.append(f"elif x.__class__ is not {number} and x is not None:")
            body.append(f"    x = _conv{index}(x)")
        elif fast_path is not None:
            function, passthrough = fast_path
            namespace[f"_conv{index}"] = wrap(function)
            if passthrough:
                body.append(
                    f"{branch} x.__class__ is not {passthrough[0].__name__}_ and x is not None:"
                )
            else:
                body.append(f"{branch} x is not None:")
            body.append(f"    x = _conv{index}(x)")
        else:
            hook = converter.get_structure_hook(field.type)
            namespace[f"_hook{index}"] = hook
            namespace[f"_type{index}"] = field.type
            if fast is not None:
                body.append("if x is _MISSING:")
                body.append("    raise _MissingKey")
                body.append(f"x = _hook{index}(x, _type{index})")
            else:
                body.append("else:")
                body.append(f"    x = _hook{index}(x, _type{index})")
        if fast is not None:
            body.append(f"obj.{name} = x")
        elif slotted:
            namespace[f"_set{index}"] = setters[name]
            body.append(f"_set{index}(obj, x)")
        else:
            body.append(f"values[{name!r}] = x")
    lines.extend(indent + line for line in body)
    has_extra = any(f.name == "extra" for f in fields)
    namespace["_known"] = frozenset(known)
    if fast is not None:
        lines.append("    except _MissingKey:")
        lines.append("        return _general(data)")
        if has_extra:
            # Every declared key is present, so extra keys exist exactly when there are more.
            lines.append(f"    if len(data) == {len(known)}:")
            lines.append("        obj.extra = {}")
            lines.append("    else:")
            lines.append("        obj.extra = {k: v for k, v in data.items() if k not in _known}")
        lines.append("    obj.__class__ = _cls")
        lines.append("    return obj")
    else:
        if has_extra:
            # Every declared key that was present is counted, so extra keys exist exactly when
            # the object holds more keys than that.
            lines.append(f"    if len(data) == {len(known)} - missing:")
            lines.append("        extra = {}")
            lines.append("    else:")
            lines.append("        extra = {k: v for k, v in data.items() if k not in _known}")
            if slotted:
                namespace["_set_extra"] = setters["extra"]
                lines.append("    _set_extra(obj, extra)")
            else:
                lines.append("    values['extra'] = extra")
        lines.append("    return obj" if slotted else "    return _cls(**values)")
    source = "\n".join(lines)
    variant = "fast " if fast is not None else ""
    filename = f"<callerdesk_async structure {variant}{cls.__name__}>"
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    return namespace["structure_one"]  # type: ignore[no-any-return]


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


@contextmanager
def reading(endpoint: str | None) -> Iterator[None]:
    """Turn a failure to convert API data into :class:`APIResponseError` naming the endpoint.

    Loose-type hooks raise ``ValueError`` (and malformed shapes ``TypeError`` and friends);
    callers see one error type for "the API sent something we cannot read".
    """
    try:
        yield
    except CallerdeskError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise APIResponseError(
            f"could not read the response: {type(exc).__name__}: {exc}", endpoint=endpoint
        ) from None
