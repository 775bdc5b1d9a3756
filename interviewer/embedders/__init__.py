"""Small sentence-embedding models behind one interface, for offline key-point matching."""

from ._base import CachingEmbedder, Embedder, default_embedder
from ._e5 import E5Embedder

__all__ = ["CachingEmbedder", "E5Embedder", "Embedder", "default_embedder"]
