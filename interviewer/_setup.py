"""Wire graders, follow-up writers and the summary writer from settings (used by the CLI and by evals)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from .exceptions import ConfigError
from .graders import FallbackGrader, Grader, OfflineGrader
from .interview._followups import FollowUpWriter, ModelFollowUps, TemplateFollowUps
from .interview._narrative import ModelNarrator
from .llm import LLMClient, LLMSettings

__all__ = ["GradingSetup", "grading_setup", "with_discovered_model"]


def with_discovered_model(
    settings: LLMSettings, base_url_given: bool, say: Callable[[str], None] | None = None
) -> LLMSettings:
    """`--base-url` without a model: ask the server, use the only model it lists, or say what to pass.

    Only when the URL was given on the command line: a URL left in the environment for other tools
    does not make every offline run call out.
    """
    if settings.model is not None or not base_url_given:
        return settings
    from .llm._discovery import discover_model

    model = discover_model(settings)
    if say is not None:
        say(f"Using {model}, the model {settings.host} serves.")
    return settings.model_copy(update={"model": model})


@dataclass(frozen=True)
class GradingSetup:
    """Everything that judges or writes during a session."""

    grader: Grader
    follow_ups: FollowUpWriter
    narrator: ModelNarrator | None
    settings: LLMSettings
    description: str
    """One line for the user: which grader, which model and host, record or replay."""
    client: LLMClient | None = None

    def close(self) -> None:
        """Close the model's HTTP connections, if any."""
        if self.client is not None:
            self.client.close()

    def __enter__(self) -> GradingSetup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def grading_setup(
    settings: LLMSettings,
    *,
    record: Path | None = None,
    replay: Path | None = None,
    recorded_with: Mapping[str, str] | None = None,
    fallback: bool = True,
    on_fallback: Callable[[str], None] | None = None,
) -> GradingSetup:
    """The offline grader when no model is set; else the LLM grader (falling back to offline unless told not to).

    `record` writes every exchange with the server to a folder; `replay` answers
    every request from such a folder and never touches the network.
    """
    if record is not None and replay is not None:
        raise ConfigError("give either --record or --replay, not both")
    offline = OfflineGrader()
    if not settings.enabled:
        if record is not None or replay is not None:
            raise ConfigError("--record and --replay need --model: the recordings are of a model's replies")
        return GradingSetup(offline, TemplateFollowUps(), None, settings, "offline grader")

    from .recording import RecordingTransport, ReplayTransport

    transport: RecordingTransport | ReplayTransport | None = None
    mode = ""
    if replay is not None:
        if not replay.is_dir():
            raise ConfigError(f"--replay {replay}: no such folder of recordings")
        transport = ReplayTransport(replay)
        if settings.api_key is None:  # nothing leaves the machine in replay; the SDK still wants a key
            settings = settings.model_copy(update={"api_key": SecretStr("replay-needs-no-key")})
        mode = f", replaying {replay}"
    elif record is not None:
        record.mkdir(parents=True, exist_ok=True)
        transport = RecordingTransport(record, recorded_with)
        mode = f", recording to {record}"
    client = LLMClient(settings, transport=transport)
    from .graders.llm import LLMGrader

    llm = LLMGrader(client, offline=offline)
    grader: Grader = FallbackGrader(llm, offline, on_fallback) if fallback else llm
    description = f"{settings.model} at {settings.host}{mode}"
    return GradingSetup(grader, ModelFollowUps(client), ModelNarrator(client), settings, description, client)
