"""LatencyServer: real sockets, a fixed delay that overlaps across requests, records, and the 429 budget."""

from __future__ import annotations

import asyncio
import http.client
import json
import time

import httpx2
import openai
import pytest

from interviewer.testing import FakeRequest, LatencyServer, judge_everything

DELAY = 0.05


def _body(answer: str = "I would ask the team.") -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": f"<answer>\n{answer}\n</answer>"}]}


def test_answers_like_openai_after_the_delay_and_records_the_request() -> None:
    with (
        LatencyServer(delay=DELAY) as server,
        openai.OpenAI(api_key="not-needed", base_url=server.base_url, max_retries=0) as client,
    ):
        started, wall = time.perf_counter(), time.time()
        completion = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        elapsed = time.perf_counter() - started
        (served,) = server.records
    assert elapsed >= DELAY
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert json.loads(completion.choices[0].message.content or "")["score"] == 3  # the fake judge by default
    assert served.method == "POST" and served.path == "/v1/chat/completions" and served.status == 200
    assert served.peer[0] == "127.0.0.1" and served.body is not None and served.body["model"] == "m"
    assert served.replied is not None and served.replied_wall is not None
    assert started <= served.arrived and served.replied - served.arrived >= DELAY
    assert wall - 1 < served.arrived_wall <= served.replied_wall
    assert server.first_arrival == served.arrived and server.last_reply == served.replied
    assert server.serving_span == pytest.approx(served.replied - served.arrived)


def test_reply_is_a_function_of_the_body() -> None:
    judge = judge_everything(status="covered", score=5)
    with LatencyServer(reply=lambda body: json.dumps(judge(FakeRequest(body, {})))) as server:
        response = httpx2.post(f"{server.base_url}/chat/completions", json=_body())
    assert json.loads(response.json()["choices"][0]["message"]["content"])["score"] == 5


def test_eight_requests_at_once_take_one_delay_not_eight() -> None:
    delay = 0.1

    async def send_all(base_url: str) -> float:
        limits = httpx2.Limits(max_connections=8)
        async with httpx2.AsyncClient(limits=limits) as client:
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(client.post(f"{base_url}/chat/completions", json=_body(f"answer {i}")) for i in range(8))
            )
            assert all(r.status_code == 200 for r in responses)
            return time.perf_counter() - started

    with LatencyServer(delay=delay) as server:
        elapsed = asyncio.run(send_all(server.base_url))
        records = server.completions
    assert len(records) == 8 and len({r.peer for r in records}) == 8
    assert elapsed < 4 * delay  # one after another would be 8 delays
    assert server.serving_span is not None and delay <= server.serving_span < 3 * delay
    assert all(r.replied is not None and r.replied - r.arrived >= delay for r in records)


def test_keeps_the_connection_alive() -> None:
    with LatencyServer() as server, httpx2.Client() as client:
        for _ in range(3):
            assert client.post(f"{server.base_url}/chat/completions", json=_body()).status_code == 200
        peers = {r.peer for r in server.records}
    assert len(peers) == 1


def test_spent_budget_is_a_429_with_retry_after_until_the_window_frees() -> None:
    window = 0.3
    with LatencyServer(rpm=2, window=window) as server, httpx2.Client() as client:
        url = f"{server.base_url}/chat/completions"
        first = [client.post(url, json=_body()) for _ in range(3)]
        time.sleep(window)
        after = client.post(url, json=_body())
        statuses = [r.status for r in server.records]
    assert [r.status_code for r in first] == [200, 200, 429]
    limited = first[2]
    assert int(limited.headers["retry-after"]) >= 1  # whole seconds, as HTTP has them
    assert 0 < int(limited.headers["retry-after-ms"]) <= window * 1000  # and exactly, as OpenAI sends it
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert "rate limit" in limited.json()["error"]["message"]
    assert after.status_code == 200
    assert statuses == [200, 200, 429, 200]


def test_models_unknown_routes_bad_bodies_and_chunked_bodies() -> None:
    with LatencyServer(model="bench-model") as server:
        host, port = server.address
        assert httpx2.get(f"{server.base_url}/models").json()["data"][0]["id"] == "bench-model"
        assert httpx2.get(f"{server.base_url}/nowhere").status_code == 404
        assert httpx2.post(f"{server.base_url}/chat/completions", content=b"not json").status_code == 400
        connection = http.client.HTTPConnection(host, port, timeout=5)
        chunks = iter([json.dumps(_body()).encode()[:10], json.dumps(_body()).encode()[10:]])
        connection.request("POST", "/v1/chat/completions", body=chunks, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["object"] == "chat.completion"
        connection.close()
        assert [r.status for r in server.records] == [200, 404, 400, 200]


def test_streams_when_asked() -> None:
    with (
        LatencyServer(delay=DELAY) as server,
        openai.OpenAI(api_key="not-needed", base_url=server.base_url, max_retries=0) as client,
    ):
        stream = client.chat.completions.create(
            model="m", messages=_body()["messages"], stream=True, stream_options={"include_usage": True}
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert json.loads(text)["score"] == 3
    assert chunks[-1].usage is not None


def test_reset_forgets_the_records() -> None:
    with LatencyServer() as server:
        httpx2.post(f"{server.base_url}/chat/completions", json=_body())
        assert len(server.records) == 1
        server.reset()
        assert server.records == [] and server.serving_span is None and server.first_arrival is None
