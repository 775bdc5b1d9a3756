"""Record and replay the HTTP exchanges under the OpenAI SDK, as readable JSON files."""

from ._store import Exchange, RecordingStore, canonical_key
from ._transport import RecordingTransport, ReplayTransport

__all__ = ["Exchange", "RecordingStore", "RecordingTransport", "ReplayTransport", "canonical_key"]
