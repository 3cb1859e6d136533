"""Benchmarks of callerdesk_async against the code a user would otherwise write.

Run ``python -m benchmarks`` (or ``nox -s bench``); ``--quick`` for a short run, ``--targets``
to pick targets. Raw results go to ``benchmarks/results/``, the summary to
``docs/performance.md``.
"""
