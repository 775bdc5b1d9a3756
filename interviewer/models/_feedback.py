"""The `Feedback` model: one shape for every grader, and a public JSON format.

`interviewer feedback --json` prints `Feedback.model_dump_json()`; its JSON
Schema is `schemas/feedback.schema.json`. See `docs/feedback-format.md`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FEEDBACK_FORMAT_VERSION",
    "SCORE_ANCHORS",
    "Checks",
    "DeliveryMetrics",
    "Feedback",
    "GuardKind",
    "GuardResult",
    "KeyPointResult",
    "KeyPointStatus",
    "LookForResult",
    "LookForVerdict",
    "MistakeFound",
    "Ownership",
    "Provenance",
    "ScoreAdjustment",
    "SpokenDelivery",
    "StarPart",
    "StarParts",
    "TermCount",
]

FEEDBACK_FORMAT_VERSION = 1
"""Bumped whenever a field of the JSON format changes meaning or is removed."""

SCORE_ANCHORS: dict[int, str] = {
    0: "Nothing relevant: empty, unintelligible, or about something else.",
    1: "Barely relevant: touches the topic but answers a different question or says nothing concrete.",
    2: "Weak: relevant but misses most key points; generic, with no real example.",
    3: "Adequate: covers the core points with some specifics; gaps remain.",
    4: "Strong: covers nearly every key point with a concrete, specific example and a clear structure.",
    5: "Exceptional: complete, specific and quantified, with trade-offs or a lesson learned; hard to improve.",
}
"""What each overall score means. Every grader scores against these anchors."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class KeyPointStatus(StrEnum):
    """How well an answer covers one rubric key point."""

    covered = "covered"
    partial = "partial"
    missed = "missed"


class KeyPointResult(_Model):
    """The verdict on one rubric key point."""

    id: str
    """Id of the key point in the rubric."""
    label: str
    """Short label of the key point."""
    status: KeyPointStatus
    """covered, partial or missed."""
    evidence: str = ""
    """The candidate's own words that support the status; empty when missed."""
    confidence: float | None = Field(default=None, ge=0, le=1)
    """How sure the grader is, from 0 to 1, when it can say."""
    note: str = ""
    """Why this status, or what was missing."""


class MistakeFound(_Model):
    """A rubric mistake the answer makes."""

    id: str
    """Id of the mistake in the rubric."""
    description: str
    """What the mistake is."""
    evidence: str = ""
    """The candidate's own words that show the mistake."""
    note: str = ""
    """How to avoid it."""


class StarPart(StrEnum):
    """A part of the STAR structure."""

    situation = "situation"
    task = "task"
    action = "action"
    result = "result"


class StarParts(_Model):
    """Which STAR parts a behavioral answer has, with the sentence that shows each."""

    present: list[StarPart]
    """Parts found, in STAR order."""
    missing: list[StarPart]
    """Parts not found."""
    evidence: dict[StarPart, str] = Field(default_factory=dict)
    """For each part found, the sentence that shows it."""


Ownership = Literal["mostly-i", "balanced", "mostly-we", "none"]
"""Who an answer says did the work."""


class TermCount(_Model):
    """A word or phrase and how often it occurs."""

    term: str
    count: int = Field(ge=1)


Pace = Literal["slow", "comfortable", "fast", "too-little-speech"]
"""A speaking rate against the comfortable range (`SpokenDelivery.comfortable_wpm`), or too little speech
(under 10 words or 5 s) for a rate to mean anything."""

TYPED_SHARE = 0.15
"""An answer with more words than were spoken, by more than this share (and at least five words), was partly
typed: its time aloud is the spoken time plus the estimate for the typed words."""


class SpokenDelivery(_Model):
    """How a spoken answer sounded, measured from its recording (the answer and any spoken follow-up replies)."""

    recordings: int = Field(default=1, ge=1)
    """How many recordings were measured (the answer, and each follow-up reply given by voice)."""
    duration_seconds: float = Field(ge=0)
    """Length of the recordings, silence at either end included."""
    speaking_seconds: float = Field(ge=0)
    """From the first word to the last, from the transcriber's word timestamps."""
    words: int = Field(ge=0)
    """Words the transcriber heard."""
    words_per_minute: float = Field(ge=0)
    """Speaking rate: `words` over `speaking_seconds` less `paused_seconds` (how fast the candidate talks while
    talking; the long pauses are reported on their own)."""
    comfortable_wpm: tuple[int, int] = (120, 160)
    """The range of rates most listeners find comfortable in an interview."""
    pace: Pace
    """slow, comfortable or fast: `words_per_minute` against `comfortable_wpm`; too-little-speech below 10
    words or 5 s of speech."""
    long_pause_seconds: float = Field(gt=0)
    """A silence between two words at least this long counts as a long pause."""
    long_pauses: int = Field(ge=0)
    """Silences between words of at least `long_pause_seconds`."""
    longest_pause_seconds: float = Field(ge=0)
    """The longest silence between two words."""
    paused_seconds: float = Field(default=0, ge=0)
    """Time spent in the long pauses, together."""
    advice: list[str] = Field(default_factory=list)
    """What to change in how it sounded (pace, long silences); empty when nothing needs changing."""
    language: str
    """Language the transcriber heard (ISO 639-1)."""
    transcriber: str
    """What transcribed it, such as `faster-whisper base (int8)`."""
    transcript: str = ""
    """What the transcriber heard, before the candidate corrected anything (recordings joined by blank lines)."""
    audio_files: list[str] = Field(default_factory=list)
    """The recordings kept with the session (only when the candidate chose to keep them), relative to the
    sessions folder."""

    def unspoken_words(self, word_count: int) -> int:
        """How many of an answer's `word_count` words were typed rather than spoken (0 when about all were spoken)."""
        extra = word_count - self.words
        return extra if extra >= max(5, TYPED_SHARE * word_count) else 0

    def describe(self) -> str:
        """Pace and pauses in one line, as the feedback shows them."""
        low, high = self.comfortable_wpm
        pauses = (
            f"{self.long_pauses} pause{'s' if self.long_pauses != 1 else ''} of {self.long_pause_seconds:g} s or "
            f"more, longest {self.longest_pause_seconds:.1f} s"
            if self.long_pauses
            else f"no pause of {self.long_pause_seconds:g} s or more"
        )
        pace = {
            "slow": f"{round(self.words_per_minute)} words a minute, slower than the comfortable {low}-{high}",
            "comfortable": f"{round(self.words_per_minute)} words a minute, a comfortable pace ({low}-{high})",
            "fast": f"{round(self.words_per_minute)} words a minute, faster than the comfortable {low}-{high}",
            "too-little-speech": "too little speech to judge the pace",
        }[self.pace]
        span = f"{round(self.speaking_seconds)} s from the first word to the last"
        if self.paused_seconds:
            span += f" ({round(self.paused_seconds)} s of it in long pauses)"
        return f"{pace} · {span}, in {round(self.duration_seconds)} s of recording · {pauses}"


class DeliveryMetrics(_Model):
    """Deterministic facts about how the answer is delivered (no model involved)."""

    word_count: int = Field(ge=0)
    """Number of words."""
    sentence_count: int = Field(ge=0)
    """Number of sentences."""
    speaking_seconds: int = Field(ge=0)
    """Time to say the answer aloud: measured from the recording when `spoken` is set, else estimated at a
    calm interview pace (140 words a minute)."""
    filler_words: list[TermCount] = Field(default_factory=list)
    """Fillers such as "um", "basically", "you know", most frequent first."""
    filler_rate: float = Field(ge=0)
    """Fillers per 100 words."""
    hedges: list[TermCount] = Field(default_factory=list)
    """Hedging phrases such as "I think", "maybe", "sort of", most frequent first."""
    repeated_words: list[TermCount] = Field(default_factory=list)
    """Content words used unusually often, and words doubled by accident ("the the")."""
    star: StarParts | None = None
    """STAR parts present; only for questions that call for a STAR story."""
    quantified_results: list[str] = Field(default_factory=list)
    """Numbers, percentages, money and durations quoted from the answer."""
    i_statements: int = Field(ge=0)
    """Count of I / me / my."""
    we_statements: int = Field(ge=0)
    """Count of we / us / our."""
    ownership: Ownership
    """Who the answer says did the work: mostly-i, balanced, mostly-we, or none."""
    key_terms_used: list[str] = Field(default_factory=list)
    """Key terms of the question and role that the answer uses."""
    key_terms_missing: list[str] = Field(default_factory=list)
    """Key terms of the question's rubric that the answer does not use."""
    spoken: SpokenDelivery | None = None
    """Pace and pauses measured from the recording, when the answer was spoken; None for a typed answer."""

    def time_aloud(self) -> str:
        """The answer's length in time, as shown to the candidate: measured when spoken, else estimated."""
        if self.spoken is not None:
            if self.spoken.unspoken_words(self.word_count):
                return f"about {self.speaking_seconds} s aloud ({round(self.spoken.speaking_seconds)} s of it spoken)"
            return f"{self.speaking_seconds} s spoken"
        return f"about {self.speaking_seconds} s aloud"


class GuardKind(StrEnum):
    """A kind of answer that caps the score whatever else it contains."""

    empty = "empty"
    too_short = "too-short"
    gibberish = "gibberish"
    off_topic = "off-topic"
    keyword_stuffing = "keyword-stuffing"


class GuardResult(_Model):
    """A guard that fired, the cap it put on the score, and why."""

    kind: GuardKind
    cap: int = Field(ge=0, le=5)
    """Highest score the answer can get while this guard applies."""
    reason: str
    """What in the answer triggered the guard."""


class LookForVerdict(StrEnum):
    """Whether the answer shows something interviewers look for."""

    met = "met"
    partly = "partly"
    not_met = "not-met"
    not_enough_evidence = "not-enough-evidence"


class LookForResult(_Model):
    """The verdict on one "what interviewers look for" item of the rubric."""

    id: str
    """`look-for-N`, N being the item's 1-based position in the rubric."""
    text: str
    """The item, as the rubric states it."""
    verdict: LookForVerdict
    reason: str = ""


class ScoreAdjustment(_Model):
    """One rule of the scoring policy that changed the score, and why."""

    rule: str
    """Stable id of the rule, such as `core-point-missed` or `no-specifics`."""
    effect: str
    """What it did: `max N` (a cap), `+1` or `-1`."""
    reason: str
    """Why it applied to this answer, in words the candidate can act on."""


class Checks(_Model):
    """What the code verified, and changed, in what a model said."""

    evidence_rejected: int = Field(default=0, ge=0)
    """Claims whose quoted evidence is not in the answer: a point counted as missed, a mistake not reported."""
    ids_dropped: list[str] = Field(default_factory=list)
    """Key point, mistake or look-for ids the model invented; dropped."""
    points_not_judged: list[str] = Field(default_factory=list)
    """Rubric key points the model left out; counted as missed."""
    evidence_reused: int = Field(default=0, ge=0)
    """Claims not counted because the same quote already backed two other key points."""
    strengths_dropped: int = Field(default=0, ge=0)
    """Strengths dropped because their quote is not in the answer."""
    score_from_model: int | None = None
    """The score the model gave, before clamping and the consistency rules."""
    notes: list[str] = Field(default_factory=list)
    """Every adjustment, in words."""


class Provenance(_Model):
    """Exactly what produced a feedback."""

    grader_version: str
    """Version of the grader's logic (`interviewer` version for built-in graders)."""
    embedder: str | None = None
    """Embedding model used for semantic matching, if any."""
    rubric_hash: str
    """SHA-256 (first 16 hex digits) of the rubric and question the answer was graded against."""
    latency_ms: float = Field(ge=0)
    """Time taken to grade, in milliseconds (to read the feedback from the cache, when `cached`)."""
    model: str | None = None
    """Chat model that judged the answer, as the server named it."""
    base_url_host: str | None = None
    """Host (and port) of the model's endpoint; never the key."""
    prompt: str | None = None
    """Prompt template, as id@version."""
    prompt_hash: str | None = None
    """SHA-256 (first 16 hex digits) of the rendered prompt messages."""
    temperature: float | None = None
    seed: int | None = None
    structured_output: str | None = None
    """json_schema (strict, enforced by the server) or json_object (validated by us)."""
    tokens_in: int | None = None
    tokens_out: int | None = None
    tokens_estimated: bool = False
    """True when the server reported no usage and the counts come from tiktoken."""
    cost_usd: float | None = None
    """Estimated cost from the price table; None when the model's price is unknown."""
    retries: int = Field(default=0, ge=0)
    """Retried requests (rate limits, 5xx, timeouts, dropped connections)."""
    repaired: bool = False
    """Whether the model's first reply failed validation and a repair was asked for."""
    fallback: str | None = None
    """Set when this feedback replaces a grader that failed: what failed, in one line."""
    cached: bool = False
    """True when this feedback was read from the offline grader's cache (an eval run) instead of computed now."""
    batch_id: str | None = None
    """The provider's batch (Batch API) whose reply this is: `cost_usd` is then at the batch price (half the
    live price; a repair request, sent live, at the live price). None for a live call."""


class Feedback(_Model):
    """Structured feedback on one answer (and its follow-ups)."""

    format_version: int = FEEDBACK_FORMAT_VERSION
    """Version of this JSON format."""
    question_id: str
    """Id of the question answered."""
    role: str
    """Id of the role."""
    score: int = Field(ge=0, le=5)
    """Overall score on the anchored 0-5 scale (see `score_anchor`)."""
    score_anchor: str
    """The anchor text of `score`."""
    headline: str = ""
    """One line on the score made from the same counts the feedback shows ("Adequate: covers 4 of 7 key points...")."""
    score_from_coverage: int | None = None
    """The score the key points alone give, before `score_adjustments`."""
    score_adjustments: list[ScoreAdjustment] = Field(default_factory=list)
    """Every rule of the scoring policy that moved the score, in the order applied."""
    summary: str
    """One or two sentences on the answer as a whole."""
    key_points: list[KeyPointResult]
    """One entry per rubric key point, in rubric order."""
    mistakes: list[MistakeFound] = Field(default_factory=list)
    """Rubric mistakes the answer makes, with evidence."""
    strengths: list[str] = Field(default_factory=list)
    """What the answer does well, each backed by something in the answer."""
    improvements: list[str] = Field(default_factory=list)
    """Concrete changes that would raise the score, most important first."""
    delivery: DeliveryMetrics
    """Deterministic delivery metrics."""
    guards: list[GuardResult] = Field(default_factory=list)
    """Guards that capped the score."""
    grader: str
    """Which grader produced this feedback, such as `offline` or `llm`."""
    not_assessed: list[str] = Field(default_factory=list)
    """What this grader could not judge."""
    look_fors: list[LookForResult] = Field(default_factory=list)
    """Verdicts on what interviewers look for (graders that can judge them)."""
    model_answer_outline: list[str] = Field(default_factory=list)
    """Steps an excellent answer would take (graders that can write one)."""
    ignored_text: list[str] = Field(default_factory=list)
    """Text in the answer addressed to the grader rather than the interviewer; set aside before grading."""
    checks: Checks | None = None
    """What the code verified in a model's judgement (model graders only)."""
    provenance: Provenance
    """What produced this feedback."""
