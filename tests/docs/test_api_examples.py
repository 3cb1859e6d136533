"""Bar 4 of issue 14: every example in docs/api.md that the sandbox can serve runs, as written.

Each ```python block is compiled with top-level ``await`` allowed and run against a fresh
sandbox, with ``CALLERDESK_AUTHCODE`` / ``CALLERDESK_BASE_URL`` pointing at it (the examples
build their client with ``CallerdeskClient()``). A block that cannot run carries
``<!-- norun: reason -->`` on the line above its fence; those are listed, not skipped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import attrs
import pytest

from callerdesk_async.sandbox import Sandbox, SandboxConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_NORUN = re.compile(r"<!--\s*norun:\s*(?P<reason>.+?)\s*-->")


@attrs.frozen
class Block:
    line: int
    code: str
    norun: str | None


def blocks() -> list[Block]:
    """The ```python blocks of docs/api.md with their first line number and norun reason."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            marker = _NORUN.search(lines[i - 1]) if i else None
            found.append(
                Block(start + 1, "\n".join(lines[start:end]), marker["reason"] if marker else None)
            )
            i = end
        i += 1
    return found


RUNNABLE = [b for b in blocks() if b.norun is None]


def test_the_doc_has_runnable_examples_and_every_other_one_says_why() -> None:
    assert len(RUNNABLE) >= 6
    for block in blocks():
        assert block.norun is None or block.norun.strip(), block.line


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"api.md:{b.line}" for b in RUNNABLE])
async def test_example_runs_against_the_sandbox(
    block: Block, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Sandbox(SandboxConfig(calls=500)) as sandbox:
        monkeypatch.setenv("CALLERDESK_AUTHCODE", sandbox.authcode)
        monkeypatch.setenv("CALLERDESK_BASE_URL", sandbox.base_url)
        code = compile(
            block.code, f"{DOC}:{block.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
        result = eval(code, {"__name__": "docs_example"})  # noqa: S307 - our own docs
        if result is not None:
            await result
        assert sandbox.stats.requests_total > 0, "the example sent no request"
    assert "Traceback" not in capsys.readouterr().err
