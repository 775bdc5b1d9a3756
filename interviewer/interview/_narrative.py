"""The end-of-session summary, written by the model when one is configured (prompt `summary@vN`)."""

from __future__ import annotations

import logging

from ..exceptions import GradingError
from ..llm import LLMClient, RequestContext
from ..models import Narrative
from ..prompts import load_prompt
from ._report import SessionReport

__all__ = ["ModelNarrator"]

log = logging.getLogger("interviewer.summary")


class ModelNarrator:
    """Asks the model for a short overview of a finished session; None if it fails."""

    def __init__(self, client: LLMClient, prompt: str | None = None) -> None:
        self.client = client
        version = client.settings.prompts.get("summary")
        self.template = load_prompt(prompt or (f"summary@{version}" if version else "summary"))

    def write(self, report: SessionReport) -> Narrative | None:
        from ..graders.llm._draft import SummaryDraft

        questions = "\n".join(
            f"- {q.question_id} ({q.category}): "
            + (
                f"score {q.score}; missed: {', '.join(q.missed_key_points) or 'nothing'}"
                if q.score is not None
                else q.status
            )
            for q in report.questions
        )
        competencies = "\n".join(
            f"- {c.label}: mean {c.mean_score:.1f} over {c.answered} answer(s)"
            for c in report.competencies
            if c.mean_score is not None
        )
        rendered = self.template.render(
            {
                "role": report.role_title,
                "questions": questions,
                "competencies": competencies or "(none answered)",
            }
        )
        try:
            result = self.client.structured(
                rendered.messages,
                SummaryDraft,
                name="summary",
                context=RequestContext(self.template.ref),
                max_tokens=self.template.max_tokens,
            )
        except GradingError as exc:
            log.warning("session summary: the model failed (%s); the report has no narrative", exc)
            return None
        summary = " ".join(result.value.summary.split())
        practice = [" ".join(p.split()) for p in result.value.practice_next if p.strip()][:3]
        return Narrative(summary=summary, practice_next=practice, model=result.model, prompt=self.template.ref)
