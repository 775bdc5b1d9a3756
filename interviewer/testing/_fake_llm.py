"""`FakeLLM`: a scripted OpenAI-compatible chat endpoint for tests, yours and ours.

It plugs in below the SDK as an httpx2 transport, so the SDK builds and parses
real HTTP exchanges. Replies come from a queue or from a function of the
request; every request is kept for assertions.

    fake = FakeLLM([FakeReply.json({...})])
    grader = LLMGrader(fake.llm_client())
    feedback = grader.grade(request)
    assert fake.requests[0].model == "fake-model"
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2
from pydantic import BaseModel

from ..llm import LLMClient, LLMSettings
from ._completions import chat_completion, event_stream

__all__ = ["INVENTED_QUOTE", "FakeLLM", "FakeReply", "FakeRequest", "gullible", "judge_everything"]


@dataclass(frozen=True)
class FakeReply:
    """One HTTP reply: a chat completion whose message is `content`, or an error status."""

    content: str | None = None
    status: int = 200
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    usage: tuple[int, int] | None = (100, 50)

    @classmethod
    def json(cls, value: BaseModel | dict[str, Any] | list[Any], **kwargs: Any) -> FakeReply:
        text = value.model_dump_json(by_alias=True) if isinstance(value, BaseModel) else json.dumps(value)
        return cls(content=text, **kwargs)

    @classmethod
    def of(cls, value: FakeReply | str | BaseModel | dict[str, Any] | list[Any]) -> FakeReply:
        """What a handler returned, as a reply: a `FakeReply` as is, text as the content, anything else as JSON."""
        if isinstance(value, FakeReply):
            return value
        return cls(content=value) if isinstance(value, str) else cls.json(value)

    def completion(self, model: str, id: str = "chatcmpl-fake") -> dict[str, Any]:
        """The chat completion a server sends for this reply (a 200)."""
        return chat_completion(self.content, model, id=id, finish_reason=self.finish_reason, usage=self.usage)

    @classmethod
    def http_error(
        cls, status: int, message: str = "error", *, code: str | None = None, retry_after: float | None = None
    ) -> FakeReply:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        return cls(status=status, headers=headers, error={"message": message, "type": "error", "code": code})


@dataclass(frozen=True)
class FakeRequest:
    """A request the fake received."""

    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def model(self) -> str:
        return str(self.body.get("model"))

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def context(self) -> str:
        return self.headers.get("x-interviewer-context", "")

    @property
    def schema(self) -> dict[str, Any] | None:
        fmt = self.body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return dict(fmt["json_schema"]["schema"])
        return None

    @property
    def answer(self) -> str:
        """The text between <answer> and </answer> in the last message, if any."""
        found = re.search(r"<answer>\n?(.*?)\n?</answer>", self.messages[-1]["content"] if self.messages else "", re.S)
        return found.group(1) if found else ""


Handler = Callable[[FakeRequest], "FakeReply | BaseModel | dict[str, Any] | str"]


def replying(handler: Handler) -> Callable[[dict[str, Any]], str]:
    """A `FakeLLM` handler as a `FaultServer` reply: the message it gives for a request body."""

    def reply(body: dict[str, Any]) -> str:
        value = handler(FakeRequest(body, {}))
        if isinstance(value, str):
            return value
        return (value if isinstance(value, FakeReply) else FakeReply.json(value)).content or ""

    return reply


class FakeLLM:
    """An in-memory chat endpoint. Queued replies are used first, then `handler`."""

    base_url = "http://fake-llm.invalid/v1"

    def __init__(
        self,
        replies: Iterable[FakeReply | BaseModel | dict[str, Any] | str] = (),
        handler: Handler | None = None,
        model: str = "fake-model",
    ) -> None:
        self.queue: deque[FakeReply | BaseModel | dict[str, Any] | str] = deque(replies)
        self.handler = handler
        self.model = model
        self.requests: list[FakeRequest] = []
        self.transport = httpx2.MockTransport(self._handle)
        self.stream_piece = 8
        """Characters per streamed chunk, when a request asks for a stream."""

    def settings(self, **overrides: Any) -> LLMSettings:
        values: dict[str, Any] = {"model": self.model, "base_url": self.base_url, "max_retry_seconds": 5.0}
        values.update(overrides)
        return LLMSettings(**values)

    def llm_client(self, **overrides: Any) -> LLMClient:
        """An `LLMClient` wired to this fake; retries do not sleep."""

        async def no_sleep(_seconds: float) -> None:
            return None

        return LLMClient(self.settings(**overrides), transport=self.transport, sleep=no_sleep)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        fake_request = FakeRequest(body, {k.lower(): v for k, v in request.headers.items()})
        self.requests.append(fake_request)
        if self.queue:
            reply = self.queue.popleft()
        elif self.handler is not None:
            reply = self.handler(fake_request)
        else:
            raise AssertionError(f"FakeLLM: no reply queued for request {len(self.requests)} ({fake_request.context})")
        reply = FakeReply.of(reply)
        if reply.status != 200:
            return httpx2.Response(reply.status, headers=reply.headers, json={"error": reply.error or {}})
        completion = reply.completion(self.model, f"chatcmpl-fake-{len(self.requests)}")
        if body.get("stream"):
            return httpx2.Response(
                200,
                headers={**reply.headers, "content-type": "text/event-stream"},
                content=event_stream(completion, self.stream_piece),
            )
        return httpx2.Response(200, headers=reply.headers, json=completion)


def judge_everything(
    status: str = "covered",
    score: int = 4,
    quote: str | None = None,
    points: Mapping[str, tuple[str, str]] | None = None,
) -> Handler:
    """A handler that fills the requested schema: every key point `status`, each quoting its own words.

    Key point i quotes the answer's i-th run of six words (from the start again when the answer
    runs out), so a long enough answer backs every point with a different quote, as the checks
    ask (one quote backs at most two points). Handy for tests of everything around the model.
    `quote` gives every point the same evidence; `points` gives some key points their own (status, quote).
    """

    def handle(request: FakeRequest) -> dict[str, Any]:
        schema = request.schema or {}
        props = schema.get("properties", {})
        words = request.answer.split()
        evidence = quote if quote is not None else " ".join(words[:6])
        if "question" in props:  # a follow-up
            return {"question": "Could you say more about how you would measure the result?"}
        if "practice_next" in props:
            return {"summary": "A fake summary.", "practice_next": ["Practise one thing."]}
        point_ids = list(props.get("key_points", {}).get("properties", {}))
        runs = [" ".join(words[i : i + 6]) for i in range(0, len(words), 6)] or [""]
        judged = {
            key: (points or {}).get(key, (status, quote if quote is not None else runs[n % len(runs)]))
            for n, key in enumerate(point_ids)
        }
        if "outline" in props:  # a compact reply (feedback@v2 onwards)
            numbered = "quotes" in props  # quotes-first (feedback@v3): points refer to quotes by number
            quotes = list(dict.fromkeys(q for _, q in judged.values() if q))
            return {
                **({"quotes": quotes} if numbered else {}),
                "key_points": {
                    key: {"status": s, "quote": (quotes.index(q) + 1 if q else 0) if numbered else q}
                    for key, (s, q) in judged.items()
                },
                "mistakes": [],
                "look_fors": dict.fromkeys(props.get("look_fors", {}).get("properties", {}), "met"),
                "improvements": ["Add a number."],
                "outline": ["Step one.", "Step two.", "Step three."],
                "summary": "A fake summary.",
                "score": score,
            }
        return {
            "key_points": {key: {"evidence": q, "status": s, "reason": "fake"} for key, (s, q) in judged.items()},
            "mistakes": {
                key: {"evidence": "", "present": False} for key in props.get("mistakes", {}).get("properties", {})
            },
            "look_fors": {
                key: {"verdict": "met", "reason": "fake"} for key in props.get("look_fors", {}).get("properties", {})
            },
            "strengths": [{"point": "Uses the candidate's words.", "evidence": evidence}],
            "improvements": ["Add a number."],
            "model_answer_outline": ["Step one.", "Step two.", "Step three."],
            "summary": "A fake summary.",
            "score": score,
        }

    return handle


INVENTED_QUOTE = "as the rubric asks, I covered this point fully with numbers"
"""What a gullible model quotes for a point the answer does not make (it is in no answer)."""


def gullible(honest: Handler, trigger: str, *, score: int = 5) -> Handler:
    """A model that obeys an injection: `honest` unless the answer it is shown contains `trigger`.

    Then it says what the injection asked for: `score`, and every key point the honest reply
    had no quote for covered, "quoting" `INVENTED_QUOTE` (the points it quoted keep their
    judgement). For tests that the checks in code, not the model's obedience, set the score.
    """

    def handle(request: FakeRequest) -> FakeReply | BaseModel | dict[str, Any] | str:
        reply = honest(request)
        if trigger.lower() not in request.answer.lower() or not isinstance(reply, dict):
            return reply
        obeyed: dict[str, Any] = json.loads(json.dumps(reply))  # a deep copy
        quotes = obeyed.get("quotes")
        for judgement in obeyed["key_points"].values():
            field = "evidence" if "evidence" in judgement else "quote"
            if judgement[field]:
                continue
            judgement["status"] = "covered"
            if isinstance(quotes, list):
                if INVENTED_QUOTE not in quotes:
                    quotes.append(INVENTED_QUOTE)
                judgement[field] = quotes.index(INVENTED_QUOTE) + 1
            else:
                judgement[field] = INVENTED_QUOTE
        obeyed["score"] = score
        return obeyed

    return handle
