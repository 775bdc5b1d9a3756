from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.llm import DEFAULT_PRICES, TokenCounter, estimate_cost
from interviewer.llm._tokens import load_o200k_base


@pytest.fixture(autouse=True)
def empty_tiktoken_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty cache and no network (conftest): what an air-gapped machine has.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))


def test_o200k_base_works_offline_and_matches_openai() -> None:
    encoding = load_o200k_base()
    assert encoding.n_vocab == 200019
    assert encoding.encode("hello world") == [24912, 2375]
    counter = TokenCounter("gpt-4o-mini")
    assert counter.exact and counter.encoding_name == "o200k_base"
    text = "Interviewers want a concrete example with a number in it."
    assert encoding.decode(encoding.encode(text)) == text


def test_cl100k_for_older_models_and_approximation_for_others() -> None:
    gpt4 = TokenCounter("gpt-4")
    assert gpt4.exact and gpt4.encoding_name.startswith("cl100k_base")
    assert gpt4.count("hello world") == 2
    local = TokenCounter("SmolLM2-135M-Instruct.Q4_1")
    assert not local.exact and local.count("hello world") == 2


def test_truncate_and_count_messages() -> None:
    counter = TokenCounter("gpt-4o")
    text = "word " * 500
    cut, was_cut = counter.truncate(text, 100)
    assert was_cut and counter.count(cut) == 100
    assert counter.truncate("short", 100) == ("short", False)
    messages = [{"role": "system", "content": "hi"}, {"role": "user", "content": "hello world"}]
    assert counter.count_messages(messages) == 1 + 3 + 2 + 3 + 3


def test_cost_estimates_with_overrides_and_snapshots() -> None:
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, DEFAULT_PRICES) == pytest.approx(0.75)
    assert estimate_cost("gpt-4o-mini-2024-07-18", 2000, 1000, DEFAULT_PRICES) == pytest.approx(0.0009)
    assert estimate_cost("my-local-model", 1000, 1000, DEFAULT_PRICES) is None
