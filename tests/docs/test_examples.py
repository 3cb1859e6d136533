"""Every ```python example of README.md and docs/*.md runs as written against a sandbox.

Blocks marked ``<!-- norun: <reason> -->`` are listed (with their reason) but not run. A
failure names the file and line of the block: fix the example, or mark it with the reason it
cannot run (production-only, needs a service, a fragment).
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from callerdesk_async.sandbox import SandboxConfig, SandboxProcess

from .examples import Example, ExampleFailed, all_examples, extract, run

EXAMPLES = all_examples()
RUNNABLE = [e for e in EXAMPLES if e.norun is None]
# The docs' dates (October 2026) lie inside the sandbox's data, whatever today is.
SANDBOX = SandboxConfig(
    calls=3_000, seed=1, start_date=date(2026, 9, 1), end_date=date(2026, 11, 30)
)


@pytest.fixture(scope="module")
def docs_sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(SANDBOX) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox_env(
    docs_sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> SandboxProcess:
    """A freshly reset sandbox, credentials in the environment, a scratch working directory."""
    reset = docs_sandbox.url + "_sandbox/reset"
    request = urllib.request.Request(reset, method="POST")  # noqa: S310 - loopback http
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        assert answer.status == 200
    monkeypatch.setenv("CALLERDESK_AUTHCODE", docs_sandbox.authcode)
    monkeypatch.setenv("CALLERDESK_BASE_URL", docs_sandbox.base_url)
    monkeypatch.setenv("CALLERDESK_HOOK_SECRET", "docs-example-secret")
    monkeypatch.chdir(tmp_path)
    return docs_sandbox


def test_the_docs_have_examples_and_most_run() -> None:
    assert len(EXAMPLES) >= 20
    assert len(RUNNABLE) >= 0.75 * len(EXAMPLES), [f"{e}: {e.norun}" for e in EXAMPLES]


@pytest.mark.parametrize("example", RUNNABLE, ids=str)
def test_example_runs(example: Example, sandbox_env: SandboxProcess) -> None:
    if example.code.startswith("# conftest.py"):
        _run_as_pytest_project(example)
    else:
        run(example)


def _run_as_pytest_project(example: Example) -> None:
    """A block of ``# <file>.py`` sections is a small test suite: write it out, run pytest."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in example.code.splitlines():
        if line.startswith("# ") and line.endswith(".py") and " " not in line[2:]:
            current = sections.setdefault(line[2:], [])
        current.append(line)
    for name, lines in sections.items():
        Path(name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise ExampleFailed(f"the test suite at {example} failed:\n{done.stdout[-3000:]}")


# -- the extractor and the runner themselves ----------------------------------------------


DOC = """# Title

```python
x = 1
```

<!-- norun: needs a production account -->

```python
raise SystemExit("never run")
```

```bash
echo "not python"
```

Some text.
```python
import asyncio

await asyncio.sleep(0)
value = 2
```
"""


def test_extract_finds_blocks_lines_and_markers() -> None:
    found = extract(DOC, "docs/x.md")
    assert [(e.line, e.norun) for e in found] == [
        (3, None),
        (9, "needs a production account"),
        (18, None),
    ]
    assert found[0].code == "x = 1\n"
    assert str(found[2]) == "docs/x.md:18"


@pytest.mark.parametrize("text", ["```python\nx = 1\n", "<!-- norun: -->\n```python\nx = 1\n```\n"])
def test_extract_refuses_unclosed_fences_and_reasonless_markers(text: str) -> None:
    with pytest.raises(ValueError, match=r"docs/x\.md:\d"):
        extract(text, "docs/x.md")


def test_run_handles_top_level_await_and_plain_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLERDESK_AUTHCODE", "unused")  # the block gets a client, unused
    monkeypatch.setenv("CALLERDESK_BASE_URL", "http://127.0.0.1:9/api/")
    first, _, awaiting = extract(DOC, "docs/x.md")
    assert run(first)["x"] == 1
    assert run(awaiting)["value"] == 2


def test_a_broken_example_fails_naming_its_file_and_line() -> None:
    broken = extract("intro\n\n```python\nimport os\n\nos.no_such_function()\n```\n", "docs/y.md")
    with pytest.raises(ExampleFailed) as info:
        run(broken[0])
    message = str(info.value)
    assert "docs/y.md:3" in message
    assert "AttributeError" in message
    assert 'File "docs/y.md", line 6' in message  # the traceback points into the Markdown


def test_examples_cannot_reach_beyond_loopback() -> None:
    (example,) = extract(
        '```python\nimport socket\n\nsocket.create_connection(("192.0.2.1", 80))\n```\n',
        "docs/z.md",
    )
    with pytest.raises(ExampleFailed, match=r"only loopback|connect to"):
        run(example)
