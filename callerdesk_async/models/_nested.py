"""Lets a model hold other models (``Profile.login_account``, ``LiveCalls.calls``).

Compiled structurers read a field typed ``X | None`` or ``list[X]`` (``X`` an attrs model)
through ``X``'s own structurer, so nested objects get the same loose-type handling and keep
their own unknown keys in ``extra``. :func:`nested` registers the same two readers with the
shared cattrs converter, for code that structures through it.
"""

from __future__ import annotations

from typing import TypeVar

from .._convert import converter
from .._structurer import STRICT, nested_hooks

__all__ = ["nested"]

T = TypeVar("T")


def nested(cls: type[T]) -> type[T]:
    """Class decorator: allow ``cls`` and ``list[cls]`` as field types of other models.

    A single-object field also accepts a one-item list (the API wraps single objects in lists
    at times, e.g. ``grouplist`` of ``getgroupbyid_v2``); ``""``/``[]``/``None`` mean absent.
    A list field accepts ``None``/``""`` as empty and a lone object as a one-item list.
    """
    one, many = nested_hooks(cls)
    list_type = list[cls]  # type: ignore[valid-type]
    converter.register_structure_hook(cls, lambda value, _: one(value, STRICT))
    converter.register_structure_hook_func(
        lambda t: t == list_type, lambda value, _: many(value, STRICT)
    )
    return cls
