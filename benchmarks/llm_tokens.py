"""Output tokens per feedback prompt version, counted with tiktoken on real recorded replies.

    python benchmarks/llm_tokens.py [FIXTURE_DIR ...]

Reads every recorded feedback exchange (default: evals/fixtures/* and tests/fixtures/*), streamed or
not, and reports per prompt version and model: how many replies, their output tokens counted with
tiktoken (o200k_base, the same count for every model) and as the server counted them (the model's
own tokenizer), median / 90th percentile / max, and the same for the replies to 7-point rubrics, the
size feedback@v2's budget (450 tokens) is set for. Nothing is sent anywhere: it reads files.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.llm import TokenCounter  # noqa: E402

BUDGET = 450


def reply_text(body: object) -> tuple[str, int | None]:
    """The reply's content and the server's completion_tokens, from a JSON or a streamed (SSE) body."""
    if isinstance(body, dict):
        choices = body.get("choices") or [{}]
        usage = body.get("usage") or {}
        return (choices[0].get("message") or {}).get("content") or "", usage.get("completion_tokens")
    if not isinstance(body, str):
        return "", None
    parts: list[str] = []
    served: int | None = None
    for line in body.splitlines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line[6:])
        for choice in event.get("choices") or []:
            parts.append((choice.get("delta") or {}).get("content") or "")
        if event.get("usage"):
            served = event["usage"].get("completion_tokens")
    return "".join(parts), served


def _row(label: str, counts: list[int]) -> str:
    if not counts:
        return f"{label:>22} {'-':>5}"
    counts = sorted(counts)
    p90 = counts[min(len(counts) - 1, round(0.9 * (len(counts) - 1)))]
    over = sum(c > BUDGET for c in counts)
    return (
        f"{label:>22} {len(counts):>5} {statistics.median(counts):>7.0f} {p90:>6} {counts[-1]:>6}"
        f"   {over} over {BUDGET}"
    )


def main(folders: list[Path]) -> None:
    corpus = load_corpus()
    sizes = {
        q.id: len(role.rubric(q.id).key_points)
        for role_id in corpus.roles
        for role in [corpus.role(role_id)]
        for q in role.questions
    }
    counter = TokenCounter("gpt-4o")  # o200k_base
    tiktoken_counts: dict[tuple[str, str], list[int]] = defaultdict(list)
    seven: dict[tuple[str, str], list[int]] = defaultdict(list)
    served_counts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if "request" not in data or data.get("synthetic"):
                continue
            context = data.get("context", "")
            prompt = context.split(";")[0].removeprefix("prompt=")
            if not prompt.startswith("feedback@") or data["response"]["status"] != 200:
                continue
            text, served = reply_text(data["response"]["body"])
            question = context.split("question=")[-1]
            key = (prompt, data["request"]["body"].get("model", "?"))
            n = counter.count(text)
            tiktoken_counts[key].append(n)
            if sizes.get(question) == 7:
                seven[key].append(n)
            if served is not None:
                served_counts[key].append(served)
    print(f"{'':>22} {'n':>5} {'median':>7} {'p90':>6} {'max':>6}")
    for key in sorted(tiktoken_counts):
        prompt, model = key
        print(f"{prompt} · {model}")
        print(_row("tiktoken, all", tiktoken_counts[key]))
        print(_row("tiktoken, 7-point", seven[key]))
        print(_row("server's count, all", served_counts[key]))


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    main(args or sorted([*ROOT.glob("evals/fixtures/*"), *ROOT.glob("tests/fixtures/*")]))
