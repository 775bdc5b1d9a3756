from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from interviewer.corpus import Corpus, RoleCorpus
from interviewer.embedders._e5 import E5_STORE
from interviewer.embedders._store import VectorStore
from interviewer.graders import Exchange, GradeRequest, OfflineGrader
from interviewer.graders.offline import E5_THRESHOLDS, FeedbackCache
from interviewer.graders.offline._cache import code_fingerprint
from interviewer.graders.offline._vectors import corpus_query_texts
from interviewer.models import EvalFile, Feedback, GuardKind, KeyPointStatus, Tier

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "evals" / "golden"
# Tests over the whole golden set (tiers in order, adversarial answers kept low) are in
# test_eval_recorded.py, which grades it once.


def _golden(question: str) -> EvalFile:
    return EvalFile.model_validate(yaml.safe_load((GOLDEN / f"{question}.yaml").read_text()))


def _request(corpus: Corpus, question_id: str, answer: str) -> GradeRequest:
    role = corpus.find_question(question_id)
    question = role.question(question_id)
    return GradeRequest(role.role, question, role.rubric(question_id), answer)


def test_evidence_is_the_candidates_own_words(corpus: Corpus, grader: OfflineGrader) -> None:
    case = next(c for c in _golden("dpo-prioritise-urgent").cases if c.tier is Tier.strong)
    feedback = grader.grade(_request(corpus, "dpo-prioritise-urgent", case.answer))
    quoted = [k.evidence for k in feedback.key_points if k.evidence] + [m.evidence for m in feedback.mistakes]
    assert quoted
    for quote in quoted:
        assert quote in case.answer
    for point in feedback.key_points:
        assert (point.status is KeyPointStatus.missed) == (point.evidence == "")


def test_near_miss_with_negation_is_not_covered(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "I don't really score requests on value or effort; I go with whichever one feels most pressing that day. "
        "I don't use RICE or MoSCoW, I just trust my gut about the order and tell the team afterwards."
    )
    feedback = grader.grade(_request(corpus, "dpo-prioritise-urgent", answer))
    point = next(k for k in feedback.key_points if k.id == "impact-effort")
    assert point.status is not KeyPointStatus.covered


def test_follow_up_answers_count_as_evidence(corpus: Corpus, grader: OfflineGrader) -> None:
    first = "I look at what each request is worth and roughly how long it takes, then I sort the list. " * 2
    follow = "If one fix unblocks several other pieces of work, that fix goes to the top of the list first."
    without = grader.grade(_request(corpus, "dpo-prioritise-urgent", first))
    request = _request(corpus, "dpo-prioritise-urgent", first)
    with_follow_up = grader.grade(
        GradeRequest(
            request.role, request.question, request.rubric, first, (Exchange("What about dependencies?", follow),)
        )
    )
    status = {k.id: k.status for k in with_follow_up.key_points}
    assert status["dependencies"] is KeyPointStatus.covered
    assert {k.id: k.status for k in without.key_points}["dependencies"] is not KeyPointStatus.covered
    assert next(k for k in with_follow_up.key_points if k.id == "dependencies").evidence in follow


def test_off_topic_answer_to_another_question_is_capped(corpus: Corpus, grader: OfflineGrader) -> None:
    strong_roadmap = next(c for c in _golden("pom-pricing-config-error").cases if c.tier is Tier.strong).answer
    feedback = grader.grade(_request(corpus, "pom-feature-toggle-platform", strong_roadmap))
    assert feedback.score <= 1
    assert [g.kind for g in feedback.guards] == [GuardKind.off_topic]
    assert "pom-pricing-config-error" in feedback.guards[0].reason


def test_cache_returns_the_same_feedback_and_misses_on_any_change(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FeedbackCache(tmp_path / "cache")
    cached = OfflineGrader(corpus=corpus, cache=cache)
    answer = "I start from the business goals, group the work into outcome themes and review it every quarter."
    first = cached.grade(_request(corpus, "dpo-build-roadmap", answer))
    assert len(list(cache.folder.rglob("*.json"))) == 1
    again = cached.grade(_request(corpus, "dpo-build-roadmap", answer))
    # Read back from the file, marked as such, with this grading's own latency (the time to read it).
    assert again.model_copy(update={"provenance": first.provenance}) == first
    assert again.provenance.cached and not first.provenance.cached
    assert again.provenance == first.provenance.model_copy(
        update={"cached": True, "latency_ms": again.provenance.latency_ms}
    )
    assert first == grader.grade(_request(corpus, "dpo-build-roadmap", answer)).model_copy(
        update={"provenance": first.provenance}
    )
    cached.grade(_request(corpus, "dpo-build-roadmap", answer + " I also talk to users."))
    strict = OfflineGrader(thresholds=dataclasses.replace(E5_THRESHOLDS, covered=0.99), corpus=corpus, cache=cache)
    strict.grade(_request(corpus, "dpo-build-roadmap", answer))
    assert len(list(cache.folder.rglob("*.json"))) == 3  # a new answer and new thresholds are misses
    code_fingerprint.cache_clear()
    monkeypatch.setattr(Path, "read_bytes", lambda self, _real=Path.read_bytes: _real(self) + b"# edited")
    changed = code_fingerprint()
    monkeypatch.undo()
    code_fingerprint.cache_clear()
    assert changed != code_fingerprint()  # an edit to the grader's code is a miss too
    monkeypatch.setattr("interviewer.graders.offline._grader.code_fingerprint", lambda: changed)
    cached.grade(_request(corpus, "dpo-build-roadmap", answer))
    assert len(list(cache.folder.rglob("*.json"))) == 4


def test_feedback_json_round_trips_and_has_provenance(corpus: Corpus, grader: OfflineGrader) -> None:
    feedback = grader.grade(_request(corpus, "dpo-define-role", "I own the backlog and talk to users every week. " * 5))
    again = Feedback.model_validate_json(feedback.model_dump_json())
    assert again == feedback
    assert feedback.grader == "offline"
    assert feedback.provenance.embedder and "e5" in feedback.provenance.embedder
    assert len(feedback.provenance.rubric_hash) == 16
    assert feedback.not_assessed


def test_packaged_vectors_cover_the_corpus_and_match_the_model(corpus: Corpus) -> None:
    store = VectorStore.load(E5_STORE)
    missing = [t for t in corpus_query_texts(corpus) if store.get(t) is None]
    assert missing == [], f"{len(missing)} rubric texts have no vector: run `make embeddings`"
    from interviewer.embedders import E5Embedder

    embedder = E5Embedder()
    texts = corpus_query_texts(corpus)[::150]
    fresh = embedder.queries(texts)
    for text, vector in zip(texts, fresh, strict=True):
        stored = store.get(text)
        assert stored is not None
        assert float(vector @ stored) > 0.999


def _offline_command() -> list[str]:
    """A prefix that runs a command with no network: a fresh network namespace, or sockets refused."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


def test_feedback_cli_works_with_networking_disabled(tmp_path: Path) -> None:
    # Belt and braces: a network namespace with no interfaces when the OS allows it, and in
    # any case a sitecustomize that makes every socket connection fail.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        textwrap.dedent("""
        import socket
        def _refuse(*a, **k):
            raise OSError("network disabled for this test")
        socket.socket.connect = _refuse
        socket.create_connection = _refuse
        socket.getaddrinfo = _refuse
    """)
    )
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "HF_HUB_OFFLINE": "1", "NO_PROXY": "*"}
    answer = "I would first agree what urgent means, then score requests on impact and effort and tell people why. " * 3
    command = [
        *_offline_command(),
        sys.executable,
        "-m",
        "interviewer",
        "feedback",
        "--role",
        "dpo",
        "--question",
        "dpo-prioritise-urgent",
        "--json",
    ]
    result = subprocess.run(command, input=answer, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    feedback = Feedback.model_validate(json.loads(result.stdout))
    assert feedback.question_id == "dpo-prioritise-urgent"
    assert len(feedback.key_points) == 7


def test_role_corpus_fixture_sanity(dpo: RoleCorpus) -> None:
    assert dpo.rubric("dpo-define-role").question == "dpo-define-role"
