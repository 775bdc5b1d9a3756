"""feedback@v2's compact reply: what the model is asked for, how the code expands it, and streaming."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interviewer.corpus import Corpus
from interviewer.graders import GradeRequest
from interviewer.graders.llm import LLMGrader
from interviewer.graders.llm._grader import judging
from interviewer.llm import LLMClient
from interviewer.llm._progress import ModelProgress, reporting_progress
from interviewer.models import KeyPointStatus
from interviewer.recording import RecordingTransport, ReplayTransport
from interviewer.testing import FakeLLM, FakeReply

QID = "dpo-prioritise-urgent"
ANSWER = (
    "When everything is urgent I first agree with the requesters what urgent really means, such as revenue at risk. "
    "Then I score each request on impact and effort with RICE and check it against our quarterly goals. "
    "If one fix unblocks other work it goes first. Last year I moved a checkout bug that hit 8% of orders ahead "
    "of a partner feature, and I told the partner team why and when they would get it."
)


def _request(corpus: Corpus, answer: str = ANSWER) -> GradeRequest:
    role = corpus.find_question(QID)
    return GradeRequest(role.role, role.question(QID), role.rubric(QID), answer)


def _compact(**overrides: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "key_points": {
            "ties-to-vision": {"status": "covered", "quote": "check it against our quarterly goals"},
            "defines-urgent": {"status": "covered", "quote": "agree with the requesters what urgent really means"},
            "impact-effort": {"status": "covered", "quote": "score each request on impact and effort with RICE"},
            "dependencies": {"status": "partial", "quote": "If one fix unblocks other work it goes first"},
            "involves-team": {"status": "missed", "quote": ""},
            "concrete-example": {"status": "covered", "quote": "moved a checkout bug that hit 8% of orders"},
            "explains-what-waits": {"status": "covered", "quote": "told the partner team why and when"},
        },
        "mistakes": [],
        "look_fors": {"look-for-1": "met", "look-for-2": "partly", "look-for-3": "met"},
        "improvements": ["Say how you brought engineering in."],
        "outline": ["Define urgent", "Score impact and effort", "Give an example"],
        "summary": "Structured, with a real example.",
        "score": 4,
    }
    reply.update(overrides)
    return reply


def test_the_schema_asks_only_for_what_needs_judgement(corpus: Corpus) -> None:
    fake = FakeLLM([FakeReply.json(_compact())])
    LLMGrader(fake.llm_client(), prompt="feedback@v2").grade(_request(corpus))
    schema = fake.requests[0].schema
    assert schema is not None
    points = schema["properties"]["key_points"]
    rubric = corpus.find_question(QID).rubric(QID)
    assert points["required"] == [p.id for p in rubric.key_points]
    point = next(iter(points["properties"].values()))
    assert list(point["properties"]) == ["status", "quote"] and point["properties"]["quote"]["maxLength"] == 80
    mistake = schema["properties"]["mistakes"]["items"]
    assert mistake["properties"]["id"]["enum"] == [m.id for m in rubric.mistakes]
    assert "reason" not in json.dumps(schema) and "strengths" not in schema["properties"]
    assert fake.requests[0].body["max_tokens"] == 700
    assert "stream" not in fake.requests[0].body  # nobody is watching: the request is as it always was


def test_the_compact_reply_becomes_full_feedback(corpus: Corpus) -> None:
    reply = _compact(mistakes=[{"id": "silent-decision", "quote": "I told the partner team why and when"}])
    fake = FakeLLM([FakeReply.json(reply)])
    feedback = LLMGrader(fake.llm_client(), prompt="feedback@v2").grade(_request(corpus))
    by_id = {k.id: k for k in feedback.key_points}
    assert by_id["impact-effort"].label == "Scores impact against effort"
    assert by_id["impact-effort"].evidence == "score each request on impact and effort with RICE"
    assert by_id["dependencies"].status is KeyPointStatus.partial
    assert [m.id for m in feedback.mistakes] == ["silent-decision"]
    assert feedback.mistakes[0].description  # the rubric's text, not the model's
    assert [lf.verdict.value for lf in feedback.look_fors] == ["met", "partly", "met"]
    # Strengths: covered points, in the candidate's words.
    assert feedback.strengths[0] == "Covers anchors to vision and goals (“check it against our quarterly goals”)"
    assert feedback.model_answer_outline == ["Define urgent", "Score impact and effort", "Give an example"]
    assert feedback.provenance.prompt == "feedback@v2" and feedback.grader == "llm"


def test_compact_claims_without_a_real_quote_count_as_missed(corpus: Corpus) -> None:
    # What Qwen2.5-1.5B did on a weak answer: every point "covered", quoting the rubric.
    rubric = corpus.find_question(QID).rubric(QID)
    reply = _compact(key_points={p.id: {"status": "covered", "quote": p.covers[:80]} for p in rubric.key_points})
    fake = FakeLLM([FakeReply.json(reply)])
    feedback = LLMGrader(fake.llm_client(), prompt="feedback@v2").grade(_request(corpus))
    assert {k.status for k in feedback.key_points} == {KeyPointStatus.missed}
    assert feedback.strengths == []
    assert feedback.score_from_coverage is not None and feedback.score_from_coverage <= 1
    assert feedback.score <= 2 and feedback.checks is not None and feedback.checks.evidence_rejected == 7


def test_openai_gets_the_schema_without_length_bounds(corpus: Corpus) -> None:
    fake = FakeLLM([FakeReply.json(_compact())])
    fake.base_url = "https://api.openai.com/v1"
    LLMGrader(fake.llm_client(api_key="sk-test-not-real"), prompt="feedback@v2").grade(_request(corpus))
    text = json.dumps(fake.requests[0].schema)
    assert "maxLength" not in text and "maxItems" not in text


def test_a_watched_call_streams_and_reports_what_the_model_is_on(corpus: Corpus) -> None:
    fake = FakeLLM([FakeReply.json(_compact())])
    heard: list[ModelProgress] = []
    with reporting_progress(heard.append):
        feedback = LLMGrader(fake.llm_client(), prompt="feedback@v2").grade(_request(corpus))
    body = fake.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert heard[0].phase == "sent" and heard[-1].phase == "writing"
    doing = [p.doing for p in heard if p.doing]
    assert "key point 1 of 7: Anchors to vision and goals" in doing
    assert doing.index("key point 1 of 7: Anchors to vision and goals") < doing.index("the score")
    assert heard[-1].text == json.dumps(_compact())
    # The streamed reply is graded exactly as the whole one.
    plain = LLMGrader(FakeLLM([FakeReply.json(_compact())]).llm_client(), prompt="feedback@v2").grade(_request(corpus))
    assert feedback.model_dump(exclude={"provenance"}) == plain.model_dump(exclude={"provenance"})
    assert (feedback.provenance.tokens_in, feedback.provenance.tokens_out) == (100, 50)  # usage from the last chunk


def test_a_stream_cut_at_max_tokens_is_reported_not_parsed(corpus: Corpus) -> None:
    from interviewer.exceptions import LLMOutputError

    cut = FakeReply(content='{"key_points": {"ties-to-vision": {"status": "cov', finish_reason="length")
    fake = FakeLLM([cut, cut])
    with reporting_progress(lambda _p: None), pytest.raises(LLMOutputError, match="cut off at max_tokens=1500"):
        LLMGrader(fake.llm_client(), prompt="feedback@v2").grade(_request(corpus))
    # The prompt's budget first, then once more at the configured ceiling; then it gives up.
    assert [r.body["max_tokens"] for r in fake.requests] == [700, 1500]


def test_a_reply_cut_off_at_the_prompts_budget_gets_one_more_try_at_the_ceiling(corpus: Corpus) -> None:
    cut = FakeReply(content='{"key_points": {', finish_reason="length")
    fake = FakeLLM([cut, FakeReply.json(_compact())])
    feedback = LLMGrader(fake.llm_client(max_tokens=1200), prompt="feedback@v2").grade(_request(corpus))
    assert feedback.grader == "llm" and feedback.score == 4
    assert [r.body["max_tokens"] for r in fake.requests] == [700, 1200]
    assert feedback.checks is not None and "cut off at 700 tokens; asked again" in feedback.checks.notes[0]


def test_streamed_replies_record_and_replay_through_the_sdks_stream_parser(corpus: Corpus, tmp_path: Path) -> None:
    fake = FakeLLM([FakeReply.json(_compact())])
    recording = LLMClient(fake.settings(), transport=RecordingTransport(tmp_path, inner=fake.transport))
    with reporting_progress(lambda _p: None):
        recorded = LLMGrader(recording, prompt="feedback@v2").grade(_request(corpus))
    saved = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert saved["response"]["headers"]["content-type"] == "text/event-stream"
    assert saved["response"]["body"].startswith("data: ") and saved["response"]["body"].endswith("data: [DONE]\n\n")
    heard: list[ModelProgress] = []
    with reporting_progress(heard.append):
        replayed = LLMGrader(LLMClient(fake.settings(), transport=ReplayTransport(tmp_path)), prompt="feedback@v2")
        again = replayed.grade(_request(corpus))
    assert len(fake.requests) == 1  # the replay never reached the fake
    assert again.model_dump(exclude={"provenance"}) == recorded.model_dump(exclude={"provenance"})
    assert sum(p.phase == "writing" for p in heard) > 10  # parsed piece by piece, as live


def test_judging_names_the_point_being_written(corpus: Corpus) -> None:
    rubric = corpus.find_question(QID).rubric(QID)
    assert judging('{"key_points": {"ties-to-vision": {"status": "covered", "quote": "we', rubric) == (
        "key point 1 of 7: Anchors to vision and goals"
    )
    assert judging('{"key_points": {}, "mistakes": [], "look_fors": {"look-for-1": "met"', rubric) == (
        "what interviewers look for"
    )
    assert judging("{", rubric) is None


def test_an_async_client_streams_too(corpus: Corpus) -> None:
    import asyncio

    from interviewer.graders.llm._compact import CompactDraft, compact_schema_for
    from interviewer.llm import RequestContext

    fake = FakeLLM([FakeReply.json(_compact())])
    client = LLMClient(fake.settings(), transport=fake.transport, asynchronous=True)
    rubric = corpus.find_question(QID).rubric(QID)
    heard: list[ModelProgress] = []

    async def call() -> CompactDraft:
        with reporting_progress(heard.append):
            result = await client.astructured(
                [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
                CompactDraft,
                schema=compact_schema_for(rubric),
                name="feedback",
                context=RequestContext("feedback@v2", QID),
            )
        await client.aclose()
        return result.value

    value = asyncio.run(call())
    assert value.score == 4 and fake.requests[0].body["stream"] is True
    assert [p.phase for p in heard][:2] == ["sent", "writing"]


def test_a_server_that_ignores_stream_true_still_works(corpus: Corpus) -> None:
    from interviewer.testing import FaultServer

    with FaultServer(reply=lambda _body: json.dumps(_compact())) as server:
        client = LLMClient(FakeLLM().settings(base_url=server.base_url))
        with reporting_progress(lambda _p: None):
            feedback = LLMGrader(client, prompt="feedback@v2").grade(_request(corpus))
        client.close()
    assert feedback.grader == "llm" and feedback.score == 4


def test_quotes_first_replies_refer_to_their_quotes_by_number(corpus: Corpus) -> None:
    reply = {
        "quotes": ["check it against our quarterly goals", "score each request on impact and effort with RICE"],
        "key_points": {p: {"status": "missed", "quote": 0} for p in _compact()["key_points"]},
        "mistakes": [],
        "look_fors": {"look-for-1": "met", "look-for-2": "partly", "look-for-3": "met"},
        "improvements": ["Name who you involved.", "Give the result 结果."],
        "outline": ["Define urgent"],
        "summary": "Structured.",
        "score": 3,
    }
    reply["key_points"]["ties-to-vision"] = {"status": "covered", "quote": 1}
    reply["key_points"]["impact-effort"] = {"status": "covered", "quote": 2}
    reply["key_points"]["dependencies"] = {"status": "covered", "quote": 7}  # no quote 7: not counted
    fake = FakeLLM([FakeReply.json(reply)])
    feedback = LLMGrader(fake.llm_client(), prompt="feedback@v3").grade(_request(corpus))
    schema = fake.requests[0].schema
    assert schema is not None and list(schema["properties"])[:2] == ["quotes", "key_points"]
    by_id = {k.id: k for k in feedback.key_points}
    assert by_id["impact-effort"].evidence == "score each request on impact and effort with RICE"
    assert by_id["ties-to-vision"].status is KeyPointStatus.covered
    assert by_id["dependencies"].status is KeyPointStatus.missed
    # Advice that drifted into another script than the answer's is dropped.
    assert feedback.improvements == ["Name who you involved."]


LONG = "Say which numbers you would have watched after the first week and who heard about them first"


def test_a_model_whose_claims_fail_the_checks_does_not_get_to_praise_the_answer(corpus: Corpus) -> None:
    """Seen with Qwen2.5-1.5B: "covers 0 of 8 key points" over a summary saying it covers the key points."""
    reply = _compact(
        key_points={p: {"status": "covered", "quote": ""} for p in _compact()["key_points"]},
        summary="This answer covers the key points and provides a clear strategy for designing a",
        improvements=["involves-team", LONG[:80]],
        outline=["1. Define clear requirements for zero-d,"],
    )
    fake = FakeLLM([FakeReply.json(reply)])
    feedback = LLMGrader(fake.llm_client(), prompt="feedback@v5").grade(_request(corpus))
    assert "covers the key points" not in feedback.summary
    assert feedback.checks is not None and any("summary is not shown" in n for n in feedback.checks.notes)
    # A bare id reads as what it means; text cut at its length bound ends on a whole word.
    assert feedback.improvements[0] == "Cover this point: involves team and stakeholders."
    assert feedback.improvements[1] == "Say which numbers you would have watched after the first week and who heard…"
    assert feedback.model_answer_outline == ["1. Define clear requirements for…"]
