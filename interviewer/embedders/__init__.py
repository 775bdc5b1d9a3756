"""Small sentence-embedding models behind one interface, for offline key-point matching."""

from ._base import CachingEmbedder, Embedder, default_embedder
from ._e5 import E5Embedder
from ._fingerprint import arithmetic_fingerprint

__all__ = ["CachingEmbedder", "E5Embedder", "Embedder", "arithmetic_fingerprint", "default_embedder"]
