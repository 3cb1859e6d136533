"""Input checks run before anything is sent: each raises ValueError naming the parameter."""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TypeVar

__all__ = [
    "MAX_PER_PAGE",
    "check_clock_time",
    "check_date_range",
    "check_deskphone",
    "check_enum",
    "check_flag",
    "check_id",
    "check_optional_enum",
    "check_optional_id",
    "check_per_page",
    "check_text",
    "check_time",
    "check_weekdays",
    "normalize_optional_phone",
    "normalize_phone",
    "phones_match",
    "to_date",
]

E = TypeVar("E", bound=enum.IntEnum)

MAX_PER_PAGE = 1000
"""The largest page size the SDK asks for. The API documents no maximum (see docs/pagination.md)."""

_SEPARATORS = re.compile(r"[\s\-().]")


def is_ascii_digits(text: str) -> bool:
    """``0``-``9`` only: ``str.isdigit`` also accepts Arabic-Indic, full-width and superscript
    digits, which the API does not read as a number."""
    return text.isascii() and text.isdigit()


def normalize_phone(value: str | int, name: str = "phone") -> str:
    """An Indian number as the API's request parameters want it: exactly 10 digits.

    Strips spaces, dashes, dots and brackets, then a leading ``+91``/``0091``/``91`` (when 12
    digits) or ``0`` (when 11 digits). Anything that does not leave 10 digits raises
    ``ValueError`` naming ``name``.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{name} must be a phone number string, got {type(value).__name__}")
    text = _SEPARATORS.sub("", str(value))
    if text.startswith("+"):
        text = text[1:]
    if not is_ascii_digits(text):
        raise ValueError(f"{name} must contain only the digits 0-9, got {value!r}")
    if len(text) == 14 and text.startswith("0091"):
        text = text[4:]
    elif len(text) == 12 and text.startswith("91"):
        text = text[2:]
    elif len(text) == 11 and text.startswith("0"):
        text = text[1:]
    if len(text) != 10:
        raise ValueError(f"{name} must be a 10-digit Indian number, got {value!r}")
    return text


def phones_match(a: str | None, b: str | None) -> bool:
    """True when two numbers as the API returns them are the same line (last 10 digits)."""
    if not a or not b:
        return False
    digits_a = re.sub(r"\D", "", a)[-10:]
    digits_b = re.sub(r"\D", "", b)[-10:]
    return len(digits_a) == 10 and digits_a == digits_b


def to_date(value: date | str | None, name: str) -> date | None:
    """A ``date`` from a date, a datetime (its date) or an ISO ``YYYY-MM-DD`` string."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be a date or 'YYYY-MM-DD', got {value!r}") from None
    raise ValueError(f"{name} must be a date or 'YYYY-MM-DD', got {type(value).__name__}")


def check_date_range(
    start: date | str | None,
    end: date | str | None,
    start_name: str = "start_date",
    end_name: str = "end_date",
) -> tuple[date | None, date | None]:
    """Both ends parsed; ``ValueError`` if the start is after the end."""
    start_date = to_date(start, start_name)
    end_date = to_date(end, end_name)
    if start_date is not None and end_date is not None and start_date > end_date:
        raise ValueError(f"{start_name} ({start_date}) is after {end_name} ({end_date}); swap them")
    return start_date, end_date


def check_per_page(value: int, name: str = "per_page") -> int:
    """A page size between 1 and :data:`MAX_PER_PAGE`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {type(value).__name__}")
    if not 1 <= value <= MAX_PER_PAGE:
        raise ValueError(f"{name} must be between 1 and {MAX_PER_PAGE}, got {value}")
    return value


def normalize_optional_phone(value: str | int | None, name: str) -> str | None:
    """:func:`normalize_phone` for optional parameters: ``None`` stays ``None``."""
    return None if value is None else normalize_phone(value, name)


def check_deskphone(value: str | int, name: str = "deskphone") -> str:
    """A DID exactly as the account lists it (digits; a leading 0 is kept, never stripped)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{name} must be the DID's digits as listed, got {type(value).__name__}")
    text = str(value).strip()
    if not is_ascii_digits(text):
        raise ValueError(f"{name} must be the DID's digits (0-9) as listed, got {value!r}")
    return text


def check_id(value: int | str, name: str) -> int:
    """A positive numeric id (``42`` or ``"42"``), as the API's ``*_id`` fields hold."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{name} must be a positive integer id, got {type(value).__name__}")
    text = str(value).strip()
    if not is_ascii_digits(text) or int(text) < 1:
        raise ValueError(f"{name} must be a positive integer id, got {value!r}")
    return int(text)


def check_optional_id(value: int | str | None, name: str) -> int | None:
    """:func:`check_id` for optional parameters: ``None`` stays ``None``."""
    return None if value is None else check_id(value, name)


def check_flag(value: bool | None, name: str) -> bool | None:
    """A yes/no parameter: ``True``, ``False`` or ``None`` (not given); ints are refused."""
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def check_enum(value: E | int | str, enum_cls: type[E], name: str) -> int:
    """The code to send for an enum parameter.

    Accepts a member (including a ``LooseIntEnum`` pseudo-member such as ``CallStrategy(9)``,
    the way to send a code the SDK does not list yet), a listed code as ``int`` or digit
    string, or a member name in any case with spaces or dashes (``"round robin"``).
    """
    if isinstance(value, enum_cls):
        return int(value)
    listed = {int(m): m for m in enum_cls}
    names = ", ".join(m.name for m in enum_cls)
    if isinstance(value, str):
        key = re.sub(r"[\s\-]+", "_", value.strip()).upper()
        if is_ascii_digits(key):
            return check_enum(int(key), enum_cls, name)
        member = enum_cls.__members__.get(key)
        if member is None:
            raise ValueError(f"{name} must be one of {names}, got {value!r}")
        return int(member)
    if isinstance(value, int) and not isinstance(value, bool):
        if value not in listed:
            raise ValueError(
                f"{name} must be one of {names} (codes {sorted(listed)}), got {value}; "
                f"pass {enum_cls.__name__}({value}) to send an unlisted code deliberately"
            )
        return value
    raise ValueError(f"{name} must be a {enum_cls.__name__}, int or name, got {value!r}")


def check_optional_enum(value: E | int | str | None, enum_cls: type[E], name: str) -> int | None:
    """:func:`check_enum` for optional parameters: ``None`` stays ``None``."""
    return None if value is None else check_enum(value, enum_cls, name)


def check_text(value: str, name: str) -> str:
    """A required text parameter, stripped; blank raises ``ValueError``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


def check_time(value: time | str, name: str) -> str:
    """A time of day as ``HH:MM:SS`` from a ``time`` or an ISO string (``"09:30"``)."""
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip()).strftime("%H:%M:%S")
        except ValueError:
            pass
    raise ValueError(f"{name} must be a time or 'HH:MM[:SS]', got {value!r}")


_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CALENDAR_DAY: type | None = getattr(calendar, "Day", None)  # Python 3.12+, MONDAY = 0


def _iso_weekday(day: object, name: str) -> int:
    if _CALENDAR_DAY is not None and isinstance(day, _CALENDAR_DAY):
        return int(day) + 1  # type: ignore[call-overload,no-any-return]
    if isinstance(day, str):
        text = day.strip().lower()
        if text.isdigit():
            return _iso_weekday(int(text), name)
        for number, full in enumerate(_WEEKDAY_NAMES, start=1):
            if text in (full, full[:3]):
                return number
        raise ValueError(
            f"{name}: {day!r} is not a weekday; use a name ('monday', 'Mon') or an ISO "
            "number (1 = Monday ... 7 = Sunday)"
        )
    if isinstance(day, bool) or not isinstance(day, int):
        raise ValueError(f"{name} must hold weekday names or numbers, got {day!r}")
    if day == 0:
        raise ValueError(
            f"{name}: 0 is not an ISO weekday (1 = Monday ... 7 = Sunday, as "
            "date.isoweekday() counts); date.weekday() and calendar.MONDAY count from 0"
        )
    if not 1 <= day <= 7:
        raise ValueError(f"{name} must hold ISO weekday numbers 1-7 (1 = Monday), got {day}")
    return day


def check_weekdays(days: Iterable[object], name: str = "days") -> str:
    """Weekdays as the API's comma list (``"1,2,3"``, 1 = Monday ... 7 = Sunday).

    Accepts Python's own vocabularies: ``date.isoweekday()`` numbers (1 = Monday, the API's
    numbering too), ``calendar.Day`` members (Python 3.12+), and English names or three-letter
    abbreviations in any case (``"Monday"``, ``"mon"``). Duplicates collapse; 0 is refused,
    since ``date.weekday()`` counts Monday as 0.
    """
    if isinstance(days, (str, bytes)) or not isinstance(days, Iterable):
        raise ValueError(f"{name} must be a sequence of weekdays (names or 1-7), got {days!r}")
    result = sorted({_iso_weekday(day, name) for day in days})
    if not result:
        raise ValueError(f"{name} must name at least one weekday")
    return ",".join(str(d) for d in result)


def check_clock_time(value: time | str, name: str) -> str:
    """A working-hours time as ``hh:mm AM``/``hh:mm PM`` (``"09:30 AM"``), the form the
    reference's docs and the official app's default use for group schedules.

    Accepts a ``time``, an ISO string (``"09:30"``, ``"21:30:00"``) or the AM/PM form itself.
    Seconds are refused unless zero: the API's form has none.
    """
    parsed: time | None = value if isinstance(value, time) else None
    if isinstance(value, str):
        text = value.strip().upper()
        for fmt in ("%I:%M %p", "%I:%M%p"):
            try:
                parsed = datetime.strptime(text, fmt).time()
                break
            except ValueError:
                pass
        else:
            try:
                parsed = time.fromisoformat(text)
            except ValueError:
                parsed = None
    if parsed is None:
        raise ValueError(f"{name} must be a time, 'HH:MM' or 'hh:mm AM', got {value!r}")
    if parsed.second or parsed.microsecond:
        raise ValueError(f"{name} has seconds ({value!r}); the API takes hours and minutes only")
    suffix = "AM" if parsed.hour < 12 else "PM"
    return f"{parsed.hour % 12 or 12:02d}:{parsed.minute:02d} {suffix}"
