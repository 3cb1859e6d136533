"""Lets a model hold other models (``Profile.login_account``, ``LiveCalls.calls``).

The shared converter only knows how to build top-level models through
:func:`~callerdesk_async._convert.structure`; :func:`nested` registers the hooks that make a
field typed ``X | None`` or ``list[X]`` go through the same path, so nested objects get the
same loose-type handling and keep their own unknown keys in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .._convert import converter, structure

__all__ = ["nested"]

T = TypeVar("T")


def nested(cls: type[T]) -> type[T]:
    """Class decorator: allow ``cls`` and ``list[cls]`` as field types of other models.

    A single-object field also accepts a one-item list (the API wraps single objects in lists
    at times, e.g. ``grouplist`` of ``getgroupbyid_v2``); ``""``/``[]``/``None`` mean absent.
    A list field accepts ``None``/``""`` as empty and a lone object as a one-item list.
    """

    def one(value: Any, _: object) -> T | None:
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None or value == "":
            return None
        return structure(value, cls)

    def many(value: Any, _: object) -> list[T]:
        if value is None or value == "":
            return []
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"expected a list of {cls.__name__}, got {type(value).__name__}")
        return [structure(item, cls) for item in value]

    list_type = list[cls]  # type: ignore[valid-type]
    converter.register_structure_hook(cls, one)
    converter.register_structure_hook_func(lambda t: t == list_type, many)
    return cls
