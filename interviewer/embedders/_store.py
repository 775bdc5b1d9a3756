"""A file of precomputed query vectors, keyed by a hash of the text.

The bundled corpus ships one (`e5-small-q4.npz`), so the offline grader never
embeds a rubric at run time. A text that is not in the file (a custom corpus,
an edited rubric) is simply embedded when first needed: the store is a seed,
never a source of truth, so it cannot serve a stale vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["VectorStore", "text_key"]


def text_key(text: str) -> str:
    """Stable key of a text: the first 20 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


class VectorStore:
    """Read-only vectors by text key, for one embedding model."""

    def __init__(self, model: str, vectors: Mapping[str, NDArray[np.float32]]) -> None:
        self.model = model
        self._vectors = dict(vectors)

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> NDArray[np.float32] | None:
        return self._vectors.get(text_key(text))

    @classmethod
    def load(cls, path: Path) -> VectorStore:
        with np.load(path, allow_pickle=False) as data:
            keys = [str(k) for k in data["keys"]]
            vectors = data["vectors"].astype(np.float32)
            model = str(data["model"])
        return cls(model, dict(zip(keys, vectors, strict=True)))

    @staticmethod
    def save(path: Path, model: str, texts: Iterable[str], vectors: NDArray[np.float32]) -> None:
        keys = np.array([text_key(t) for t in texts])
        np.savez_compressed(path, keys=keys, vectors=vectors.astype(np.float32), model=np.array(model))
