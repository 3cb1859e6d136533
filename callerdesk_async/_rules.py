"""The conversion rules: what each loose API value becomes, each rule defined once.

Callerdesk sends numbers as strings (``"42"``), datetimes as ``YYYY-MM-DD HH:MM:SS`` in India
time with no zone, ``0000-00-00 00:00:00`` for "never", ``""`` or ``null`` for "nothing". A
:class:`Rule` holds the function that *is* the rule (``parse_int``, ``parse_datetime``, ...) and,
optionally, the shortcut the compiled structurers inline for the usual values: source text that
hands every value it does not take to the rule's function (the ``{slow}`` line). The shortcut
lives next to the function it must agree with, and a differential property test checks every
compiled structurer against the functions alone.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs

__all__ = [
    "IST",
    "ConversionError",
    "LooseIntEnum",
    "Rule",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_duration",
    "parse_float",
    "parse_int",
    "parse_required_int",
    "parse_required_str",
    "parse_str",
    "rule_for",
]

IST = timezone(timedelta(hours=5, minutes=30))
"""India Standard Time (+05:30): the zone of every timestamp Callerdesk sends.

Unnamed (``tzname()`` is ``"UTC+05:30"``), so a datetime read from ``...+05:30`` text and one
given this zone are the same in every respect.
"""

_NEVER = frozenset({"", "0000-00-00 00:00:00", "0000-00-00", "0000-00-00 00:00", "null", "None"})
T = TypeVar("T")


class ConversionError(ValueError):
    """API data a rule cannot convert. Its message names the field and the value's type, never
    the value (a server may echo anything into a field, the API key included)."""


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
            number = _float_or_none(text)
        if number is None:
            raise ValueError("expected an integer, got text that is not a number")
    elif isinstance(value, float):
        number = value
    elif isinstance(value, bool):
        return int(value)
    else:
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    if not number.is_integer():
        raise ValueError("expected an integer, got a fraction")
    return int(number)


def _float_or_none(text: str) -> float | None:
    # Error messages of the SDK never quote a value (a server may echo a secret into a field),
    # so the built-in parsers' messages, which do, are dropped here and replaced by callers.
    try:
        return float(text)
    except ValueError:
        return None


def parse_required_int(value: object) -> int:
    """:func:`parse_int` for a field that is never empty: nothing reads as 0."""
    number = parse_int(value)
    return 0 if number is None else number


def parse_float(value: object) -> float | None:
    """``"1.5"``, ``1.5``, ``1`` → float; ``""``/``None`` → ``None``.

    Raises:
        ValueError: anything else, including NaN and the infinities (``"nan"``, ``"inf"``,
            ``"1e400"``, a JSON ``NaN``): no field of the API carries one, so such a value is a
            garbled one, kept in ``extra`` like any other.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError("number too large for a float") from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        read = _float_or_none(text)
        if read is None:
            raise ValueError("expected a number, got text that is not a number")
        number = read
    else:
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError("expected a finite number, got NaN or an infinity")
    return number


_CLOCK = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)")


def parse_duration(value: object) -> timedelta | None:
    """A duration as the summaries send it: seconds (``"75030"``, ``75030``, ``"12.5"``) or an
    ``[H]H:MM:SS`` / ``MM:SS`` label (``"05:12:40"``); ``""``/``None`` → ``None``.

    Raises:
        ValueError: anything else (e.g. ``"ten"`` or a negative number).
    """
    if isinstance(value, str):
        text = value.strip()
        match = _CLOCK.fullmatch(text)
        if match is not None:
            hours, minutes, seconds = (int(part or 0) for part in match.groups())
            return timedelta(hours=hours, minutes=minutes, seconds=seconds)
        value = text
    if isinstance(value, bool):
        raise ValueError("expected a duration, got a bool")
    try:
        number = parse_float(value)
    except ValueError:
        raise ValueError("expected a duration (seconds or HH:MM:SS)") from None
    if number is None:
        return None
    if not 0 <= number < float("inf"):
        raise ValueError("expected a duration (seconds or HH:MM:SS), got a negative or endless one")
    try:
        return timedelta(seconds=number)
    except OverflowError:
        raise ValueError("expected a duration, got one longer than timedelta holds") from None


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
    parsed = _fromiso_or_none(datetime.fromisoformat, text)
    if parsed is None:
        raise ValueError("expected a timestamp, got text that is not one")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=IST)


def _fromiso_or_none(parse: Callable[[str], T], text: str) -> T | None:
    try:
        return parse(text)
    except ValueError:  # its message quotes the text
        return None


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
    parsed = _fromiso_or_none(date.fromisoformat, text[:10])
    if parsed is None:
        raise ValueError("expected a date, got text that is not one")
    return parsed


def parse_str(value: object) -> str | None:
    """Text as sent; a number or flag becomes its text (``17`` → ``"17"``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def parse_required_str(value: object) -> str:
    """:func:`parse_str` for a field that is never empty: nothing reads as ``""``."""
    text = parse_str(value)
    return "" if text is None else text


def parse_bool(value: object) -> bool | None:
    """``1``/``"yes"``/``"true"``... → True, ``0``/``"no"``/``"false"``... → False."""
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
    raise ValueError(f"expected a yes/no flag, got {type(value).__name__}")


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


@attrs.frozen
class Rule:
    """One conversion rule.

    Attributes:
        name: what the rule reads, for messages (``"an integer"``).
        parse: the rule itself; every path that converts this type must agree with it.
        inline: the shortcut compiled structurers use instead of calling ``parse``: source
            lines reading and rebinding ``x``, in which a line ``{slow}`` stands for "give
            ``x`` to ``parse``" (the structurer fills in the call and what a failure does).
            Empty means "always call ``parse``".
        setup: lines run once per structured object, binding the names ``inline`` uses.
    """

    name: str
    parse: Callable[[Any], Any]
    inline: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()


_HOT = ("str_, int_, float_, bool_ = str, int, float, bool",)

_SLOW_UNLESS_NONE = ("if x is not None:", "    {slow}")

INT = Rule(
    "an integer",
    parse_int,
    inline=(
        # A numeric string goes straight to int(); "42.0", floats, bools take parse_int.
        "if x.__class__ is str_:",
        "    if x:",
        "        try:",
        "            x = int_(x)",
        "        except ValueError:",
        "            {slow}",
        "    else:",
        "        x = None",
        "elif x.__class__ is not int_ and x is not None:",
        "    {slow}",
    ),
    setup=_HOT,
)

FLOAT = Rule(
    "a number",
    parse_float,
    inline=(
        # ``number - number`` is 0.0, which is false, only for a finite number: NaN and the
        # infinities take parse_float, which refuses them.
        "if x.__class__ is str_:",
        "    if x:",
        "        try:",
        "            number = float_(x)",
        "        except ValueError:",
        "            {slow}",
        "        else:",
        "            if number - number:",
        "                {slow}",
        "            else:",
        "                x = number",
        "    else:",
        "        x = None",
        "elif x.__class__ is int_:",
        "    try:",
        "        x = float_(x)",
        "    except OverflowError:",
        "        {slow}",
        "elif x.__class__ is float_:",
        "    if x - x:",
        "        {slow}",
        "elif x is not None:",
        "    {slow}",
    ),
    setup=_HOT,
)

DATETIME = Rule(
    "a timestamp",
    parse_datetime,
    inline=(
        # The API's own "YYYY-MM-DD HH:MM:SS": 19 characters (a date-only "YYYY-MM-DD" +
        # "+05:30" would read as 05:30 local time) and a first digit of 1 or more (not the
        # 0000-00-00 sentinel). A record's timestamps often repeat one another: its first
        # (call_date is the start, and the legs start with the call) or the one just before
        # (the end and the last update), so both of those parses are reused.
        "if x.__class__ is str_:",
        "    if len(x) == 19 and x >= '1':",
        "        if x == seen_text:",
        "            x = seen_time",
        "        elif x == first_text:",
        "            x = first_time",
        "        else:",
        "            try:",
        "                seen_time = iso_(x + '+05:30')",
        "            except ValueError:",
        "                {slow}",
        "            else:",
        "                if not first_text:",
        "                    first_text = x",
        "                    first_time = seen_time",
        "                seen_text = x",
        "                x = seen_time",
        "    elif x == '0000-00-00 00:00:00' or not x:",
        "        x = None",
        "    else:",
        "        {slow}",
        "elif x is not None:",
        "    {slow}",
    ),
    setup=(*_HOT, "iso_ = _fromisoformat", "seen_text = seen_time = first_text = first_time = ''"),
)

STR = Rule(
    "text",
    parse_str,
    inline=("if x.__class__ is not str_ and x is not None:", "    {slow}"),
    setup=_HOT,
)

BOOL = Rule(
    "a yes/no flag",
    parse_bool,
    inline=("if x.__class__ is not bool_ and x is not None:", "    {slow}"),
    setup=_HOT,
)

DATE = Rule("a date", parse_date, inline=_SLOW_UNLESS_NONE)
DURATION = Rule("a duration", parse_duration, inline=_SLOW_UNLESS_NONE)
REQUIRED_INT = Rule("an integer", parse_required_int)
REQUIRED_STR = Rule("text", parse_required_str)

_RULES: dict[Any, Rule] = {
    int | None: INT,
    float | None: FLOAT,
    datetime | None: DATETIME,
    str | None: STR,
    bool | None: BOOL,
    date | None: DATE,
    timedelta | None: DURATION,
    int: REQUIRED_INT,
    str: REQUIRED_STR,
}

GLOBALS: dict[str, Any] = {"_fromisoformat": datetime.fromisoformat}
"""Names the ``setup`` lines of the rules read."""


def rule_for(annotation: Any) -> Rule | None:
    """The rule for a field annotation (a loose enum gets one from its ``parse``)."""
    rule = _RULES.get(annotation)
    if rule is not None:
        return rule
    enum_type = loose_enum_of(annotation)
    if enum_type is not None:
        return Rule(f"a {enum_type.__name__} code", enum_type.parse, inline=_SLOW_UNLESS_NONE)
    return None


def loose_enum_of(annotation: Any) -> type[LooseIntEnum] | None:
    """``X`` for an annotation ``X`` or ``X | None`` where ``X`` is a :class:`LooseIntEnum`."""
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, LooseIntEnum):
            return candidate
    return None
