"""Wire graders, follow-up writers and the summary writer from settings: the one place for every front end.

The CLI, the eval runner (and its worker processes) and a web app all call
`build_grader`; none of them builds a transport, a placeholder key or an
`LLMGrader` of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from .exceptions import ConfigError
from .graders import FallbackGrader, Grader, OfflineGrader
from .graders.offline import FeedbackCache
from .interview._followups import FollowUpWriter, ModelFollowUps, TemplateFollowUps
from .interview._narrative import ModelNarrator
from .llm import LLMClient, LLMSettings

__all__ = ["GradingOptions", "GradingSetup", "build_grader", "with_discovered_model"]


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
class GradingOptions:
    """How to build the graders, beyond the model's settings.

    Picklable (no callbacks), so eval worker processes build their own graders
    from the same options as the parent.
    """

    record: Path | None = None
    """Write every exchange with the server to this folder."""
    replay: Path | None = None
    """Answer every request from this folder of recordings; never touch the network."""
    recorded_with: Mapping[str, str] | None = None
    """What served the recordings (such as `{"server": "llama.cpp b4500"}`), kept in each one."""
    prompt: str | None = None
    """The feedback prompt, `feedback@vN` (default: the settings' choice, else the latest version)."""
    fallback: bool = True
    """Offline feedback when the model fails (a session); off, the failure reaches the caller (an eval records it)."""
    repeat: int = 1
    """Graders to build, one per repeat: repeat k samples with seed + k (self-consistency in evals)."""
    asynchronous: bool = False
    """Async HTTP clients, for many calls in flight at once (eval runs)."""
    cache: FeedbackCache | None = None
    """Offline feedback kept for answers graded again (eval runs); off by default."""

    def __post_init__(self) -> None:
        if self.record is not None and self.replay is not None:
            raise ConfigError("give either --record or --replay, not both")
        if self.repeat < 1:
            raise ValueError(f"repeat must be at least 1, not {self.repeat}")


@dataclass(frozen=True)
class GradingSetup:
    """Everything that judges or writes during a session or an eval run."""

    graders: tuple[Grader, ...]
    """One per repeat; a session has one (`grader`)."""
    follow_ups: FollowUpWriter
    narrator: ModelNarrator | None
    settings: LLMSettings
    description: str
    """One line for the user: which grader, which model and host, record or replay."""
    clients: tuple[LLMClient, ...] = ()

    @property
    def grader(self) -> Grader:
        """The grader (the first repeat's)."""
        return self.graders[0]

    def close(self) -> None:
        """Close the model's HTTP connections, if any."""
        for client in self.clients:
            client.close()

    async def aclose(self) -> None:
        """Close them from inside the event loop that opened them (async clients)."""
        for client in self.clients:
            await client.aclose()

    def __enter__(self) -> GradingSetup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_grader(
    settings: LLMSettings,
    options: GradingOptions = GradingOptions(),
    *,
    on_fallback: Callable[[str], None] | None = None,
) -> GradingSetup:
    """The graders every front end uses (the CLI, the eval runner, a web app).

    The offline grader when the settings name no model; else the LLM grader,
    falling back to offline feedback unless `options.fallback` is off
    (`on_fallback` hears each reason). `options.record` writes every exchange
    with the server to a folder; `options.replay` answers every request from
    such a folder and never touches the network.
    """
    offline = OfflineGrader(cache=options.cache)
    if not settings.enabled:
        if options.record is not None or options.replay is not None:
            raise ConfigError("--record and --replay need --model: the recordings are of a model's replies")
        return GradingSetup((offline,) * options.repeat, TemplateFollowUps(), None, settings, "offline grader")

    from ._redact import REPLAY_KEY, remember_secrets, secrets_in_url
    from .graders.llm import LLMGrader
    from .recording import RecordingTransport, ReplayTransport

    key = settings.api_key.get_secret_value() if settings.api_key is not None else None
    remember_secrets(key, *secrets_in_url(settings.base_url or ""))

    transport: RecordingTransport | ReplayTransport | None = None
    mode = ""
    if options.replay is not None:
        if not options.replay.is_dir():
            raise ConfigError(f"--replay {options.replay}: no such folder of recordings")
        transport = ReplayTransport(options.replay)
        if settings.api_key is None:  # nothing leaves the machine in replay; the SDK still wants a key
            settings = settings.model_copy(update={"api_key": SecretStr(REPLAY_KEY)})
        mode = f", replaying {options.replay}"
    elif options.record is not None:
        try:
            options.record.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"--record {options.record}: cannot make a folder for recordings there ({exc.strerror or exc})"
            ) from None
        transport = RecordingTransport(options.record, options.recorded_with)
        mode = f", recording to {options.record}"
    clients: list[LLMClient] = []
    graders: list[Grader] = []
    for k in range(options.repeat):  # one transport for all: one folder of recordings
        seeded = settings.model_copy(update={"seed": (settings.seed or 0) + k}) if k else settings
        client = LLMClient(seeded, transport=transport, asynchronous=options.asynchronous)
        llm = LLMGrader(client, offline=offline, prompt=options.prompt)
        clients.append(client)
        graders.append(FallbackGrader(llm, offline, on_fallback) if options.fallback else llm)
    first = clients[0]
    where = settings.host if options.replay is None or settings.base_url else None
    description = f"{settings.model} at {where}{mode}" if where else f"{settings.model}{mode}"
    return GradingSetup(
        tuple(graders), ModelFollowUps(first), ModelNarrator(first), settings, description, tuple(clients)
    )
