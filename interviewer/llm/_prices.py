"""What a call costs through the provider's Batch API: half the live price."""

from __future__ import annotations

from collections.abc import Mapping

from ._tokens import Price, estimate_cost

__all__ = ["BATCH_PRICE_FACTOR", "batch_cost"]

BATCH_PRICE_FACTOR = 0.5
"""The Batch API bills every token at this share of the model's live price (OpenAI: half)."""


def batch_cost(
    model: str, batched: tuple[int, int], live: tuple[int, int], prices: Mapping[str, Price]
) -> float | None:
    """Estimated US dollars for `batched` (tokens in, out) at the batch price plus `live` at the live price.

    `live` is what a repair request, sent live after the batch's reply failed validation, took.
    None when the model's price is unknown.
    """
    halved = {
        name: Price(input=price.input * BATCH_PRICE_FACTOR, output=price.output * BATCH_PRICE_FACTOR)
        for name, price in prices.items()
    }
    first = estimate_cost(model, *batched, halved)
    if first is None:
        return None
    rest = estimate_cost(model, *live, prices) if any(live) else 0.0
    return round(first + (rest or 0.0), 6)
