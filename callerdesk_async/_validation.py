"""Input checks run before anything is sent: each raises ValueError naming the parameter."""

from __future__ import annotations

import re
from datetime import date, datetime

__all__ = [
    "MAX_PER_PAGE",
    "check_date_range",
    "check_per_page",
    "normalize_phone",
    "phones_match",
    "to_date",
]

MAX_PER_PAGE = 1000
"""The largest page size the SDK asks for. The API documents no maximum (see docs/pagination.md)."""

_SEPARATORS = re.compile(r"[\s\-().]")


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
    if not text.isdigit():
        raise ValueError(f"{name} must contain only digits, got {value!r}")
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
        raise ValueError(
            f"{start_name} ({start_date}) is after {end_name} ({end_date}); swap them"
        )
    return start_date, end_date


def check_per_page(value: int, name: str = "per_page") -> int:
    """A page size between 1 and :data:`MAX_PER_PAGE`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {type(value).__name__}")
    if not 1 <= value <= MAX_PER_PAGE:
        raise ValueError(f"{name} must be between 1 and {MAX_PER_PAGE}, got {value}")
    return value
