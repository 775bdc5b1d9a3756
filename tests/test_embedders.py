"""The embedding cache: answers graded again (follow-ups, resume, repeated evals) reuse their sentence vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interviewer.embedders import default_embedder
from interviewer.embedders._base import CachingEmbedder, Vectors


class Counting:
    """A deterministic stand-in embedder that counts the texts it is asked to embed."""

    name = "counting"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _vectors(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        return np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32).reshape(-1, 3)

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self._vectors(texts)

    def passages(self, texts: Sequence[str]) -> Vectors:
        return self._vectors(texts)


def test_passages_seen_before_are_not_embedded_again() -> None:
    inner = Counting()
    cache = CachingEmbedder(inner, max_passages=3)
    first = cache.passages(["a", "bb", "a"])
    assert inner.embedded == ["a", "bb"]
    again = cache.passages(["bb", "ccc", "a"])
    assert inner.embedded == ["a", "bb", "ccc"]
    assert np.array_equal(again, inner.passages(["bb", "ccc", "a"]))
    assert np.array_equal(first[0], again[2])
    cache.passages(["dddd"])  # over the bound: the least recently used ("bb") goes
    inner.embedded.clear()
    cache.passages(["bb", "a"])
    assert inner.embedded == ["bb"]
    assert cache.passages([]).shape[0] == 0


def test_a_sentence_vector_does_not_depend_on_its_batch() -> None:
    # What makes the cache exact: the real model embeds a sentence the same alone or in any batch.
    model = default_embedder().inner
    texts = [
        "I scored both with RICE and showed the numbers to both leads.",
        "We fixed the bug first.",
        "Success metric: p95 under 2 seconds, measured weekly on every device we support.",
    ]
    batch = model.passages(texts)
    alone = np.stack([model.passages([t])[0] for t in texts])
    reordered = model.passages(texts[::-1])[::-1]
    assert np.array_equal(batch, alone)
    assert np.array_equal(batch, reordered)
