"""Build the precomputed E5 vectors of the bundled rubrics (`make embeddings`).

python -m interviewer.graders.offline._vectors
"""

from __future__ import annotations

import sys

import numpy as np

from ...corpus import Corpus, load_corpus
from ...embedders import E5Embedder
from ...embedders._e5 import E5_STORE
from ...embedders._store import VectorStore
from ._coverage import rubric_query_texts

__all__ = ["corpus_query_texts", "main"]


def corpus_query_texts(corpus: Corpus) -> list[str]:
    """Every query text of every rubric, without repeats, in a stable order."""
    texts: dict[str, None] = {}
    for role in corpus.roles.values():
        for question in role.questions:
            texts.update(dict.fromkeys(rubric_query_texts(role.rubrics[question.id])))
    return list(texts)


def main() -> None:
    texts = corpus_query_texts(load_corpus())
    embedder = E5Embedder()
    vectors = np.concatenate([embedder.queries(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    VectorStore.save(E5_STORE, embedder.name, texts, vectors)
    sys.stdout.write(f"wrote {len(texts)} vectors to {E5_STORE}\n")


if __name__ == "__main__":
    main()
