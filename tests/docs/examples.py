"""The ```python blocks of README.md and docs/*.md, and a runner for them.

A block is run unless the line directly above its fence (blank lines aside) is
``<!-- norun: <reason> -->``. Each runs in a fresh namespace with top-level ``await``
allowed; a block that awaits or uses ``cd`` without defining it gets ``cd``, an open
``CallerdeskClient()`` (credentials from CALLERDESK_AUTHCODE / CALLERDESK_BASE_URL, which the
test points at a sandbox). Everything else a block uses it must import or define itself.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import ipaddress
import re
import socket
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NORUN = re.compile(r"^<!--\s*norun:\s*(?P<reason>\S.*?)\s*-->$")
_OPEN = re.compile(r"^```python\s*$")


@dataclass(frozen=True)
class Example:
    """One ```python block: where it is, its code and why it is not run (if it is not)."""

    path: str  # relative to the repository root
    line: int  # 1-based line of the opening fence
    code: str
    norun: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def doc_files(root: Path = ROOT) -> list[Path]:
    """README.md and every docs/*.md."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def extract(text: str, path: str) -> list[Example]:
    """The ```python blocks of a Markdown ``text``; raises ValueError on an unclosed fence or a
    ``norun`` marker without a reason."""
    lines = text.splitlines()
    examples: list[Example] = []
    last_text = ""  # the nearest non-blank line above the current one
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```") and not _OPEN.match(line):
            # another language's block: skip it whole
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
            if end is None:
                raise ValueError(f"{path}:{i + 1}: unclosed ``` fence")
            last_text, i = lines[end], end + 1
            continue
        if _OPEN.match(line):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
            if end is None:
                raise ValueError(f"{path}:{i + 1}: unclosed ```python fence")
            reason = None
            if last_text.strip().startswith("<!--") and "norun" in last_text:
                match = NORUN.match(last_text.strip())
                if match is None:
                    raise ValueError(f"{path}:{i + 1}: write <!-- norun: <reason> -->")
                reason = match.group("reason")
            code = "\n".join(lines[i + 1 : end]) + "\n"
            examples.append(Example(path, i + 1, code, reason))
            last_text, i = lines[end], end + 1
            continue
        if line.strip():
            last_text = line
        i += 1
    return examples


def all_examples(root: Path = ROOT) -> list[Example]:
    """Every ```python block of the documentation, in file order."""
    found: list[Example] = []
    for file in doc_files(root):
        found += extract(file.read_text(encoding="utf-8"), file.relative_to(root).as_posix())
    return found


def _compile(example: Example) -> Any:
    # Padded with blank lines so that tracebacks give the line number in the Markdown file.
    source = "\n" * example.line + example.code
    return compile(
        source, example.path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )


def _needs_client(example: Example, code: Any) -> bool:
    if code.co_flags & inspect.CO_COROUTINE:
        return True
    tree = ast.parse(example.code)
    assigned = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
    }
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return "cd" in used and "cd" not in assigned


def _loopback(host: object) -> bool:
    if host in ("localhost", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse name lookups and connections to anything but loopback while a block runs."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            raise OSError(f"docs example tried to reach {host!r}: only loopback is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    def guard(address: Any) -> None:
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise OSError(f"docs example tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        guard(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


class ExampleFailed(AssertionError):
    """A documentation example raised; the message names the file and block."""


def run(example: Example) -> dict[str, Any]:
    """Run one block (see the module docstring); returns its namespace.

    Raises:
        ExampleFailed: the block raised; the message names ``path:line`` and the traceback's
            lines are those of the Markdown file.
    """
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    try:
        code = _compile(example)
        with loopback_only():
            if _needs_client(example, code):
                asyncio.run(_run_with_client(code, namespace))
            else:
                exec(code, namespace)  # noqa: S102 - the project's own documentation
    except Exception as exc:
        tb = "".join(traceback.format_exception(exc)[-6:])
        raise ExampleFailed(
            f"the ```python block at {example} failed: {type(exc).__name__}: {exc}\n{tb}"
        ) from exc
    return namespace


async def _run_with_client(code: Any, namespace: dict[str, Any]) -> None:
    from callerdesk_async import CallerdeskClient

    async with CallerdeskClient() as cd:
        namespace["cd"] = cd
        result = eval(code, namespace)  # noqa: S307 - the project's own documentation
        if inspect.iscoroutine(result):
            await result
