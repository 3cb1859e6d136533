"""Distributed exports: the windows of one export written as shards by many workers.

Install the extra (``pip install "callerdesk-async[distributed]"``). The pieces, none of which
needs a task engine (only :mod:`callerdesk_async.distributed.worker` imports Taskiq):

- :func:`plan_export` → an :class:`ExportPlan`, saved as plain JSON (never the authcode);
- :func:`export_window` writes one window's shard under a lease on a :class:`WindowBoard`
  (Redis), resuming from its checkpoint, then an atomic ``.done.json`` marker;
- :meth:`ExportPlan.missing` lists the windows without a valid marker;
- :func:`coordinate` sends the missing windows through any engine, sends again those whose
  worker died, and finishes with :func:`merge_shards`: the file a single-process export of
  the same range writes, byte for byte (CSV and NDJSON, compressed or not).

See ``docs/distributed.md``.
"""

from __future__ import annotations

from ._board import Lease, WindowBoard, WindowStatus
from ._coordinator import Enqueue, EventCallback, coordinate
from ._errors import DistributedExportError, PlanError
from ._markers import Marker, marker_problem, read_marker
from ._merge import MergeSummary, merge_shards
from ._plan import PLAN_KIND, PLAN_VERSION, ExportPlan, plan_export
from ._task import REDIS_URL_ENV, run_window_task
from ._window import LeaseLostError, WindowOutcome, export_window

__all__ = [
    "PLAN_KIND",
    "PLAN_VERSION",
    "REDIS_URL_ENV",
    "DistributedExportError",
    "Enqueue",
    "EventCallback",
    "ExportPlan",
    "Lease",
    "LeaseLostError",
    "Marker",
    "MergeSummary",
    "PlanError",
    "WindowBoard",
    "WindowOutcome",
    "WindowStatus",
    "coordinate",
    "export_window",
    "marker_problem",
    "merge_shards",
    "plan_export",
    "read_marker",
    "run_window_task",
]
