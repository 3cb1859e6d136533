"""What users import from the top-level package."""

from __future__ import annotations

import callerdesk_async
from callerdesk_async import errors


def test_every_error_class_is_importable_from_the_package() -> None:
    # docs/errors.md: `from callerdesk_async import OutcomeUnknownError` works.
    assert len(errors.__all__) >= 12
    for name in errors.__all__:
        assert getattr(callerdesk_async, name) is getattr(errors, name), name
        assert name in callerdesk_async.__all__
    from callerdesk_async import OutcomeUnknownError

    assert OutcomeUnknownError is errors.OutcomeUnknownError


def test_all_names_exist_once() -> None:
    names = callerdesk_async.__all__
    assert len(names) == len(set(names))
    assert all(hasattr(callerdesk_async, name) for name in names)
