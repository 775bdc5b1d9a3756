"""Chat completions as an OpenAI-compatible server sends them, whole or streamed: shared by every fake server."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["chat_completion", "event_stream"]


def chat_completion(
    content: str | None,
    model: str,
    *,
    id: str = "chatcmpl-fake",
    finish_reason: str = "stop",
    usage: tuple[int, int] | None = (100, 50),
    created: int = 0,
) -> dict[str, Any]:
    """One `chat.completion` object; `usage` is (prompt tokens, completion tokens), None for a server without it."""
    completion: dict[str, Any] = {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}],
    }
    if usage is not None:
        completion["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return completion


def event_stream(completion: dict[str, Any], piece: int = 64) -> bytes:
    """The completion as server-sent events, the way OpenAI streams one (usage in a last, empty chunk)."""
    base = {k: completion[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    choice = completion["choices"][0]
    content = choice["message"]["content"] or ""
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    events += [
        {**base, "choices": [{"index": 0, "delta": {"content": content[i : i + piece]}}]}
        for i in range(0, len(content), piece)
    ]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]})
    if "usage" in completion:
        events.append({**base, "choices": [], "usage": completion["usage"]})
    lines = [f"data: {json.dumps(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()
