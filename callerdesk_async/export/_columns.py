"""The columns of an export, derived from a model: order, names, API keys and value kinds."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

import attrs

__all__ = ["EXTRA_COLUMN", "Column", "ColumnKind", "columns_for"]

ColumnKind = Literal["str", "int", "float", "bool", "datetime", "date"]

EXTRA_COLUMN = "extra"
"""The last column of CSV and Parquet exports: API fields the model does not know, as JSON."""

_API_KEY = "callerdesk_api_key"  # the metadata key used by ``_convert.api_field``


@attrs.frozen(slots=True)
class Column:
    """One output column: its ``name`` (the model attribute), the API ``key`` it is read
    from (``Flow_type`` for ``flow_type``) and the ``kind`` of value it holds."""

    name: str
    key: str
    kind: ColumnKind


def _kind_of(annotation: Any) -> ColumnKind:
    args = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    for arg in args:
        if arg is type(None):
            continue
        if isinstance(arg, type):
            if issubclass(arg, bool):
                return "bool"
            if issubclass(arg, (int, enum.IntEnum)):
                return "int"
            if issubclass(arg, float):
                return "float"
            if issubclass(arg, datetime):
                return "datetime"
            if issubclass(arg, date):
                return "date"
    return "str"


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def columns_for(model: type[Any]) -> tuple[Column, ...]:
    """The columns of ``model`` in attribute order, without ``extra``."""
    fields: Sequence[attrs.Attribute[Any]] = attrs.fields(attrs.resolve_types(model))
    return tuple(
        Column(f.name, str(f.metadata.get(_API_KEY, f.name)), _kind_of(f.type))
        for f in fields
        if f.name != EXTRA_COLUMN
    )
