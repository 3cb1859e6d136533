"""Errors of distributed exports (beside :mod:`callerdesk_async.export`'s own)."""

from __future__ import annotations

from ..export._errors import ExportError

__all__ = ["DistributedExportError", "PlanError"]


class PlanError(ExportError):
    """A plan cannot be used: not a plan, another plan format or SDK version, malformed, or
    its shards directory cannot be written."""


class DistributedExportError(ExportError):
    """A distributed export cannot finish: a window failed on every attempt, or a shard does
    not match its marker when merged."""
