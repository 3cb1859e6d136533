"""The ASGI receiver under a real ASGI server (uvicorn over TCP on 127.0.0.1), and the
FastAPI example of docs/webhooks.md run as written."""

from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest
from yarl import URL

from callerdesk_async.webhooks import CallReportEvent, LiveCallEvent, WebhookASGIApp

from ..docs.examples import ROOT, extract, run
from .webhook_helpers import (
    CALL_REPORT,
    DELIVERY_MODES,
    LEGACY_GET_QUERY,
    LIVE_CALL,
    Recorder,
    deliver,
    uvicorn_server,
)

SECRET = "uv-s3cret"


@pytest.mark.parametrize("mode", DELIVERY_MODES)
async def test_reference_samples_reach_the_callback_in_every_delivery_mode(mode: str) -> None:
    assert set(DELIVERY_MODES) == {"get", "json", "form", "multipart"}
    recorder = Recorder()
    async with (
        uvicorn_server(WebhookASGIApp(recorder, secret=SECRET)) as base,
        aiohttp.ClientSession() as session,
    ):
        url = f"{base}/callerdesk/{SECRET}"
        assert await deliver(session, url, CALL_REPORT, mode) == (200, "ok")
        assert await deliver(session, url, LIVE_CALL, mode) == (200, "ok")
        assert await deliver(session, url, CALL_REPORT, mode) == (200, "ok (duplicate)")
        assert (await deliver(session, f"{base}/callerdesk/wrong", CALL_REPORT, mode))[0] == 404
    report, live = recorder.events
    assert isinstance(report, CallReportEvent)
    assert report.call_sid == "1672649960.9601"
    assert report.campid == 11387004
    assert report.talk_duration == 12
    assert report.start_time == datetime.fromisoformat("2023-01-02T14:32:30+05:30")
    assert report.raw["receiver_name"] == "Ashish"
    assert isinstance(live, LiveCallEvent)
    assert live.call_id == "1672649960.9602"


async def test_legacy_get_sample_and_oversized_body_under_uvicorn() -> None:
    recorder = Recorder()
    async with (
        uvicorn_server(WebhookASGIApp(recorder, max_body=1024)) as base,
        aiohttp.ClientSession() as session,
    ):
        target = URL(f"{base}/hook?{LEGACY_GET_QUERY}", encoded=True)
        async with session.get(target) as response:
            assert (response.status, await response.text()) == (200, "ok")
        async with session.post(f"{base}/hook", json={"pad": "x" * 5000}) as response:
            assert response.status == 413
        async with session.head(f"{base}/hook") as response:
            assert response.status == 200
    (event,) = recorder.events
    assert isinstance(event, CallReportEvent)
    assert event.start_time == datetime.fromisoformat("2020-04-09T13:46:56+05:30")


async def test_the_fastapi_example_in_the_docs_runs_as_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ROOT / "docs" / "webhooks.md"
    (example,) = [
        e
        for e in extract(path.read_text(encoding="utf-8"), "docs/webhooks.md")
        if "from fastapi import FastAPI" in e.code
    ]
    monkeypatch.setenv("CALLERDESK_HOOK_SECRET", SECRET)
    app = run(example)["app"]  # the block as written defines `app`
    async with uvicorn_server(app) as base, aiohttp.ClientSession() as session:
        for mode in DELIVERY_MODES:
            sample = {**CALL_REPORT, "CallSid": f"1672649960.{mode}"}
            url = f"{base}/callerdesk/{SECRET}"
            assert await deliver(session, url, sample, mode) == (200, "ok")
        assert (await deliver(session, f"{base}/callerdesk/nope", CALL_REPORT, "json"))[0] == 404
        async with session.get(f"{base}/docs") as response:  # FastAPI itself is serving
            assert response.status == 200
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"call report 1672649960.{mode} LEG_B_ANSWER" for mode in DELIVERY_MODES]
