"""The LLM grader: a model judges meaning; code checks it and computes everything countable.

Delivery metrics and guards come from the offline grader's screening, which runs
first (milliseconds, no network, no embeddings). An empty or unreadable answer never
reaches the model: it gets the offline grader's feedback. The offline grader's
embedding coverage is not computed here: the model judges what the answer covers
(and whether it is on topic); offline coverage is paid only when it is shown, when
a `FallbackGrader` gives offline feedback in place of a failed model.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..._version import __version__
from ...corpus import rubric_hash
from ...exceptions import LLMReplyCutOff
from ...llm import CallResult, LLMClient, LLMSettings, RequestContext, run_sync
from ...llm._progress import ModelProgress, ProgressListener, current_listener, reporting_progress
from ...llm._schema import strict_json_schema
from ...models import Feedback, Provenance, Rubric
from ...prompts import PromptTemplate, RenderedPrompt, escape_delimiters, load_prompt
from .._base import Grader, GradeRequest
from .._injection import strip_injections
from ..offline import OfflineGrader
from ..offline._grader import Screening, answer_facts, screen
from ..offline._scoring import summary as delivery_summary
from ..offline._text import split_sentences
from ._checks import check_draft, feedback_fields
from ._compact import CompactDraft, compact_schema_for, expand
from ._draft import DraftFeedback, look_for_id, schema_for

__all__ = ["GradePlan", "LLMGrader"]

_SECTIONS = (
    ("mistakes", "common mistakes"),
    ("look_fors", "what interviewers look for"),
    ("improvements", "how to improve"),
    ("model_answer_outline", "an outline of a strong answer"),
    ("outline", "an outline of a strong answer"),
    ("strengths", "strengths"),
    ("summary", "the summary"),
    ("score", "the score"),
)


def judging(text: str, rubric: Rubric) -> str | None:
    """What a partial reply is on, from the last rubric id or section name it has written."""
    best: tuple[int, str] | None = None
    total = len(rubric.key_points)
    for index, point in enumerate(rubric.key_points):
        at = text.rfind(f'"{point.id}"')
        if at >= 0 and (best is None or at > best[0]):
            best = (at, f"key point {index + 1} of {total}: {point.label}")
    for key, words in _SECTIONS:
        at = text.rfind(f'"{key}"')
        if at >= 0 and (best is None or at > best[0]):
            best = (at, words)
    return best[1] if best else None


def _naming(listener: ProgressListener, rubric: Rubric) -> ProgressListener:
    def report(progress: ModelProgress) -> None:
        doing = judging(progress.text, rubric) if progress.text else None
        listener(dataclasses.replace(progress, doing=doing) if doing else progress)

    return report


def feedback_template(settings: LLMSettings, prompt: str | None = None) -> PromptTemplate:
    """The feedback prompt to use: `prompt` (id@version) if given, else the version the settings pin, else the latest.

    The one rule for every front end: the CLI's grader and an eval run pick the same prompt.
    """
    version = settings.prompts.get("feedback")
    return load_prompt(prompt or (f"feedback@{version}" if version else "feedback"))


@dataclass(frozen=True)
class GradePlan:
    """One answer, ready for the model: its screening and prompt (`LLMGrader.plan`); or no call at all.

    Built in milliseconds without the network, so a batch run plans every case before it submits
    any, and scores each reply (`LLMGrader.finish`) exactly as a live call's.
    """

    request: GradeRequest
    screening: Screening
    started: float
    """`time.perf_counter()` when planning began: a live case's latency counts from here."""
    rendered: RenderedPrompt | None = None
    """The prompt; None when the answer never reaches the model (`asks_model`)."""
    seen: str = ""
    """The answer text the model sees (injections set aside, cut to the token budget)."""
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    prompt_ref: str = ""

    @property
    def asks_model(self) -> bool:
        """False for an empty or unreadable answer: the offline grader's feedback stands in."""
        return self.rendered is not None

    @property
    def prompt(self) -> RenderedPrompt:
        if self.rendered is None:
            raise ValueError("this answer is not sent to the model (see GradePlan.asks_model)")
        return self.rendered

    @property
    def context(self) -> RequestContext:
        return RequestContext(self.prompt_ref, self.request.question.id)


class LLMGrader(Grader):
    """Feedback from any OpenAI-compatible chat model, checked in code."""

    name = "llm"

    def __init__(self, client: LLMClient, *, offline: OfflineGrader | None = None, prompt: str | None = None) -> None:
        """`prompt` is `feedback@vN` (default: the settings' choice, else the latest version)."""
        self.client = client
        self.offline = offline or OfflineGrader()
        self.template: PromptTemplate = feedback_template(client.settings, prompt)

    def prepare(self, rubrics: Sequence[Rubric]) -> None:
        """Nothing to load ahead: the offline grader's embeddings are only for empty or unreadable answers."""

    def warm(self, rubrics: Sequence[Rubric]) -> None:
        """Pay now what the first calls would: schemas and the SDK's types; the tokenizer in the background.

        For batch runs that time their cases; an interview does not call it, since
        it may never need the tokenizer (short answers, servers that report usage).
        """
        import openai.types.chat  # noqa: F401 - the SDK imports its response types lazily

        for rubric in rubrics:
            strict_json_schema(self.schema_for(rubric), self.client.settings.max_string_length)
        self.client.counter.warm(background=True)  # 0.3 s, needed only for long answers or missing usage

    @property
    def compact(self) -> bool:
        """Whether the prompt asks for a compact reply (feedback@v2 onwards)."""
        return self.template.reply != "full"

    def schema_for(self, rubric: Rubric) -> type[BaseModel]:
        """The strict response model sent to the server for this rubric."""
        if self.template.reply == "full":
            return schema_for(rubric)
        return compact_schema_for(rubric, self.template.reply, self.template.budget)

    def render(self, request: GradeRequest) -> tuple[RenderedPrompt, str, list[str], list[str]]:
        """The prompt, the answer text the model sees, what was set aside, and notes."""
        notes: list[str] = []
        main, ignored = strip_injections(request.answer)
        replies = []
        for exchange in request.follow_ups:
            reply, more = strip_injections(exchange.answer)
            ignored += more
            replies.append((exchange.question, reply))
        budget = self.client.settings.max_answer_tokens
        main, cut = self.client.counter.truncate(main, budget)
        if cut:
            notes.append(f"The answer was cut to its first {budget} tokens before grading.")
        block = f"<answer>\n{escape_delimiters(main)}\n</answer>"
        for asked, reply in replies:
            probe = escape_delimiters(asked)  # a model wrote it from the candidate's words: theirs, second-hand
            block += f"\n<follow_up>\nInterviewer: {probe}\n<reply>\n{escape_delimiters(reply)}\n</reply>\n</follow_up>"
        rubric, question = request.rubric, request.question
        variables = {
            "role": request.role.title,
            "question_id": question.id,
            "question": question.question,
            "why_asked": question.why_asked,
            "framework": f"{question.framework.name}: " + "; ".join(question.framework.steps),
            "key_points": "\n".join(f"- {p.id}{' (core)' if p.core else ''}: {p.covers}" for p in rubric.key_points),
            "mistakes": "\n".join(f"- {m.id}: {m.description}" for m in rubric.mistakes) or "(none listed)",
            "look_fors": "\n".join(f"- {look_for_id(i)}: {text}" for i, text in enumerate(rubric.look_for)),
            "answer": block,
        }
        # Later versions may leave some out (feedback@v2 drops why_asked, the question id); a
        # variable the template uses and the code lacks still fails loudly.
        used = self.template.variables
        rendered = self.template.render({k: v for k, v in variables.items() if k in used})
        seen = "\n\n".join([main, *(r for _, r in replies)])
        return rendered, seen, ignored, notes

    def grade(self, request: GradeRequest) -> Feedback:
        feedback: Feedback = run_sync(self.agrade(request))
        return feedback

    async def agrade(self, request: GradeRequest) -> Feedback:
        plan = self.plan(request)
        if not plan.asks_model:
            return await self.offline_feedback(plan)
        with reporting_progress(_naming(listener, request.rubric) if (listener := current_listener()) else None):
            result = await self._ask(plan)
        return self.finish(plan, result)

    async def agrade_reply(self, plan: GradePlan, completion: object, batch_id: str) -> Feedback:
        """Feedback from the reply the provider's Batch API gave to `request_body(plan)` (its output line's `body`).

        Checked and scored as a live reply is, with the same errors: one repair request if it does not
        validate, and, for a compact reply cut off at the prompt's budget, one more try at the configured
        ceiling; both go live.
        """
        return self.finish(plan, await self._ask(plan, (completion, batch_id)))

    def plan(self, request: GradeRequest) -> GradePlan:
        """What grading `request` takes before the model is asked: screening, the prompt, or no call at all.

        Milliseconds, no network: an empty or unreadable answer (a guard that caps the score at 0)
        never reaches the model (`asks_model` is False: `offline_feedback` grades it).
        """
        started = time.perf_counter()
        screening = screen(request)
        if any(g.cap == 0 for g in screening.guards):
            return GradePlan(request, screening, started)
        rendered, seen, ignored, notes = self.render(request)
        return GradePlan(request, screening, started, rendered, seen, tuple(ignored), tuple(notes), self.template.ref)

    def request_body(self, plan: GradePlan) -> dict[str, Any]:
        """The JSON body the first call for `plan` sends (never streamed): a Batch API line's `body`."""
        rendered = plan.prompt
        return self.client.request_body(
            rendered.messages,
            self._reply_type,
            schema=self.schema_for(plan.request.rubric),
            name="feedback",
            context=plan.context,
            max_tokens=self.template.max_tokens,
        )

    async def offline_feedback(self, plan: GradePlan) -> Feedback:
        """The offline grader's feedback, for an answer the model is not asked about (nothing in it to judge)."""
        baseline = await asyncio.to_thread(self.offline.grade, plan.request)
        not_assessed = [*baseline.not_assessed, "The model was not asked: there is nothing in the answer to judge."]
        return baseline.model_copy(update={"not_assessed": not_assessed})

    @property
    def _reply_type(self) -> type[DraftFeedback] | type[CompactDraft]:
        return CompactDraft if self.compact else DraftFeedback

    async def _ask(
        self, plan: GradePlan, batched: tuple[object, str] | None = None
    ) -> CallResult[DraftFeedback | CompactDraft]:
        """The model's checked reply: live, or from a batch (`batched`: its completion and the batch id)."""
        rendered, schema = plan.prompt, self.schema_for(plan.request.rubric)

        async def ask(budget: int | None, reply: tuple[object, str] | None) -> CallResult[DraftFeedback | CompactDraft]:
            call: dict[str, Any] = {"schema": schema, "name": "feedback", "context": plan.context, "max_tokens": budget}
            if reply is not None:
                completion, batch_id = reply
                return await self.client.acompleted(
                    completion, rendered.messages, self._reply_type, batch_id=batch_id, **call
                )
            return await self.client.astructured(rendered.messages, self._reply_type, **call)

        try:
            return await ask(self.template.max_tokens, batched)
        except LLMReplyCutOff as cut:
            # The prompt's budget is what a reply normally needs (sized on tiktoken counts); a model
            # with a wordier tokenizer (SmolLM2 counts a third more) may need more: one more try at
            # the configured ceiling, for compact replies, before giving up.
            if not self.compact or self.client.settings.max_tokens <= cut.max_tokens:
                raise
            result = await ask(self.client.settings.max_tokens, None)
            result.notes.insert(0, f"The first reply was cut off at {cut.max_tokens} tokens; asked again.")
            return result

    def finish(self, plan: GradePlan, result: CallResult[DraftFeedback | CompactDraft]) -> Feedback:
        """The model's checked reply turned into `Feedback`: expanded, checked in code, scored."""
        request, screening, seen = plan.request, plan.screening, plan.seen
        rendered = plan.prompt
        value = result.value
        draft = expand(value, request.rubric, seen, self.template.budget) if isinstance(value, CompactDraft) else value
        facts = (
            screening.facts  # the text the model saw is the one screened (unless cut to max_answer_tokens)
            if seen == screening.text
            else answer_facts(
                seen, split_sentences(seen), screening.delivery, screening.guards, mistakes=0, english=screening.english
            )
        )
        judged = check_draft(draft, request.rubric, seen, facts)
        judged.checks.notes[:0] = [*plan.notes, *result.notes]
        settings = self.client.settings
        # A summary written by a model whose claims mostly failed the checks would praise what the
        # feedback below says is missing ("covers the key points" over "covers 0 of 8"): not shown.
        # A quote reused past two points is a claim thrown out like one with no quote at all.
        claimed = sum(1 for j in draft.key_points.values() if j.status != "missed")
        trusted = (judged.checks.evidence_rejected + judged.checks.evidence_reused) * 2 <= claimed
        if judged.summary and not trusted:
            judged.checks.notes.append("the model's summary is not shown: most of its claims failed the checks")
        return Feedback(
            question_id=request.question.id,
            role=request.role.id,
            summary=(judged.summary if trusted else "") or delivery_summary(screening.delivery),
            # The screening is shared by repeats (and by anyone grading the same text in this process):
            # deep copies, so no feedback holds a list or guard another one also holds.
            delivery=screening.delivery.model_copy(deep=True),
            guards=[guard.model_copy() for guard in screening.guards],
            grader=self.name,
            not_assessed=["Whether the claims and numbers in the answer are true."],
            ignored_text=list(plan.ignored),
            provenance=Provenance(
                grader_version=__version__,
                rubric_hash=rubric_hash(request.question, request.rubric),
                latency_ms=round((time.perf_counter() - plan.started) * 1000, 1),
                model=result.model,
                base_url_host=settings.host,
                prompt=rendered.ref,
                prompt_hash=rendered.hash,
                temperature=settings.temperature,
                seed=settings.seed,
                structured_output=result.mode,
                tokens_in=result.tokens_in,
                tokens_out=result.tokens_out,
                tokens_estimated=result.tokens_estimated,
                cost_usd=result.cost_usd,
                retries=result.retries,
                repaired=result.repaired,
                batch_id=result.batch_id,
            ),
            **feedback_fields(judged),
        )
