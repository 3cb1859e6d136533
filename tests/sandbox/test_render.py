"""The fast row renderer agrees byte for byte with the field-by-field reference."""

from __future__ import annotations

import json
from datetime import date

import aiohttp
import pytest

from callerdesk_async.sandbox import Sandbox
from callerdesk_async.sandbox._data import _FAST_BEFORE, CallDataset
from callerdesk_async.sandbox._world import build_world


def _datasets(seed: int) -> list[CallDataset]:
    world = build_world(seed, members=7, groups=3, contacts=25)
    # A 3-day span: ~1% of rows start within _LONGEST seconds of midnight.
    span = {"start": date(2025, 2, 27), "end": date(2025, 3, 1)}
    return [
        CallDataset(world, count=20_000, **span),
        CallDataset(world, count=3_000, salt=1, app=True, **span),
    ]


@pytest.mark.parametrize("seed", [1, 7])
def test_fast_rows_equal_the_reference(seed: int) -> None:
    for d in _datasets(seed):
        rows = d._render(range(d.count), None)
        fast = 0
        for i, text in enumerate(rows):
            z, row_id, t = d.hash(i), d.first_id + d.count - 1 - i, d.start_of(i)
            assert text == d._reference_json(z, row_id, t), (d.app, i)
            fast += t % 86400 < _FAST_BEFORE
        assert 0 < fast < d.count  # both paths were exercised
        shapes = {d._shapes[d._table[(d.hash(i) >> 16) % 100]] for i in range(d.count)}
        assert len(shapes) == len(set(d._shapes))  # every row shape was exercised
        assert d.render_range(100, 200) == rows[100:200]
        assert d.row(5) == json.loads(rows[5])


def test_explicit_rows_equal_the_reference() -> None:
    d = _datasets(3)[0]
    explicit = [
        (d.hash(i) ^ 0xABCDEF, 5_000_000 + i, d.end_local + 7 + 61 * i) for i in range(3000)
    ]
    rows = d._render((), explicit)
    assert rows == [d._reference_json(*item) for item in explicit]
    assert d.render(*explicit[0]) == rows[0]


def test_lane_hashes_equal_row_hashes() -> None:
    d = _datasets(2)[0]
    for lo, hi in ((0, 0), (0, 1), (0, 15), (3, 19), (17, 300), (19_800, 20_000)):
        assert d._hashes(range(lo, hi)) == [d.hash(i) for i in range(lo, hi)]
    assert d._hashes([5, 1, 9]) == [d.hash(5), d.hash(1), d.hash(9)]


def test_rendered_ranges_are_cached_within_a_size_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from callerdesk_async.sandbox import _data

    d = _datasets(4)[0]
    page_bytes = sum(map(len, d._render(range(0, 100), None))) + _data._ROW_OVERHEAD * 100
    monkeypatch.setattr(_data, "_RANGE_CACHE_BYTES", int(page_bytes * 3.5))
    first = d.render_range(0, 100)
    assert d.render_range(0, 100) is first  # a repeat is served from the cache
    for lo in range(100, 2000, 100):
        d.render_range(lo, lo + 100)
        assert d._range_cache_bytes <= _data._RANGE_CACHE_BYTES
    assert len(d._range_cache) == 3  # the newest pages that fit
    assert d._range_cache_bytes == sum(size for _, size in d._range_cache.values())
    again = d.render_range(0, 100)
    assert again is not first and again == first  # evicted, rendered again, same bytes


async def test_form_fields_win_and_every_body_kind_is_read(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    url = sandbox.base_url + "call_list_v2"
    code = sandbox.authcode
    sandbox.configure(strict_params=False)  # the raw body below carries fields of no endpoint

    async def first_id(**kwargs: object) -> str:
        async with http.post(url, **kwargs) as resp:  # type: ignore[arg-type]
            body = json.loads(await resp.read())
            return f"{body['current_page']}:{body['result'][0]['id']}"

    expected = await first_id(data={"authcode": code, "per_page": "3", "current_page": "4"})
    # query parameters are read on POST, and form fields win over them (last one wins)
    assert expected == await first_id(
        params={"authcode": "wrong", "current_page": "9", "per_page": "3"},
        data=[("authcode", code), ("current_page", "2"), ("current_page", "4")],
    )
    with aiohttp.MultipartWriter("form-data") as multipart:
        for name, value in (("authcode", code), ("per_page", "3"), ("current_page", "4")):
            multipart.append(value).set_content_disposition("form-data", name=name)
    assert expected == await first_id(data=multipart)
    raw = f"authcode={code}&per_page=3&current_page=4&blank&x=%41+b\r\n".encode()
    urlencoded = "application/x-www-form-urlencoded"
    for ctype in (urlencoded, urlencoded + "; charset=latin-1"):
        assert expected == await first_id(data=raw, headers={"Content-Type": ctype})
