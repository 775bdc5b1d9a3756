"""Answering by voice: recordings uploaded from the interview page, and the ones kept with a session.

An upload is transcribed and held with the draft (the transcript goes into the answer box); a recording the
candidate chose to keep is served back by its file name for the report's players.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from ...exceptions import AudioError, AudioProblem, InterviewerError, SessionError, SessionLocked, UserError
from ...interview import Interview
from ...voice import SpokenAnswer, transcribe_answer
from .._open import OpenElsewhere, OpenSession
from .._state import WebState, get_state
from .._voice import (
    MAX_UPLOAD_BYTES,
    MEDIA_TYPES,
    audio_extension,
    kept_name,
    recording_token,
    sentence,
    unavailable_message,
    voice_ready,
)

router = APIRouter()

Web = Annotated[WebState, Depends(get_state)]
Tab = Annotated[str | None, Query()]

_FORM_SLACK = 256 * 1024
"""Room for the multipart framing and the answer box's text around the recording itself."""

Slot = tuple[str | None, int, bool]
"""Where the answer box is: the question, how many follow-ups were asked, whether one waits for a reply."""


def _slot(interview: Interview) -> Slot:
    draft = interview.session.draft
    return interview.session.current_question_id, len(draft.follow_ups) if draft else 0, bool(interview.open_follow_up)


def _error(status: int, message: str, problem: str) -> JSONResponse:
    return JSONResponse({"error": message, "problem": problem}, status_code=status)


def _too_big(size: int) -> JSONResponse:
    return _error(
        413,
        f"The recording is {size / 1024 / 1024:.0f} MB; the most this page takes is "
        f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Record a shorter answer, or type it.",
        AudioProblem.TOO_LONG.value,
    )


def _audio_message(exc: AudioError) -> str:
    # Without the advice for a file (the sox command that trims one): a browser recording is not a file to edit.
    return sentence(exc.message)


def _refusal(exc: Exception) -> JSONResponse:
    status = 409 if isinstance(exc, OpenElsewhere | SessionLocked) else 400
    return _error(status, str(exc), "refused")


class _Moved(Exception):
    """The answer box moved on (submitted, skipped, taken over) while the recording was transcribed."""

    def __init__(self, transcript: str) -> None:
        super().__init__(transcript)
        self.transcript = transcript


def _start(state: WebState, session_id: str, tab: str | None) -> tuple[OpenSession, Slot]:
    opened = state.open.ready(session_id, tab)
    with opened.mutex:
        return opened, _slot(opened.interview)


def _hold(
    state: WebState,
    session_id: str,
    tab: str | None,
    slot: Slot,
    answer: SpokenAnswer,
    text: str,
    keep: tuple[bytes, str] | None,
) -> dict[str, Any]:
    """Put the transcript in the answer box (after what is there) and hold its measure with the draft."""
    try:
        opened = state.open.ready(session_id, tab)
    except UserError:
        raise _Moved(answer.text) from None
    with opened.mutex:
        interview = opened.interview
        question = interview.session.current_question_id
        if opened.grading or question is None or _slot(interview) != slot:
            raise _Moved(answer.text)
        spoken = answer.spoken
        kept = None
        warning = None
        if keep is not None:
            data, extension = keep
            try:
                kept = state.store.keep_audio(opened.id, kept_name(state.store, opened.id, question, extension), data)
            except (OSError, SessionError) as exc:
                warning = f"Your recording could not be kept with the session ({exc}); the transcript is here."
            else:
                spoken = spoken.model_copy(update={"audio_files": [kept]})
        full = interview.add_recording(text, answer.text, spoken)
        held = interview.held_recording
    assert held is not None
    return {
        "text": full,
        "transcript": answer.text,
        "recorded": recording_token(held),
        "spoken": held.describe(),
        "kept": kept,
        "warning": warning,
        "message": "Transcribed. Check the text in the box and correct any words it misheard, then submit.",
    }


@router.post("/session/{session_id}/recording", response_class=JSONResponse)
async def recording(request: Request, state: Web, session_id: str, tab: Tab = None) -> JSONResponse:
    """Transcribe an uploaded recording into the answer box; JSON for the page's script (`static/voice.js`)."""
    if not voice_ready():
        return _error(503, unavailable_message(), "unavailable")
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return _error(411, "The upload did not say how large it is: record again.", AudioProblem.UNREADABLE.value)
    if int(length) > MAX_UPLOAD_BYTES + _FORM_SLACK:  # refused before a byte of it is read
        return _too_big(int(length))
    try:
        _, slot = await run_in_threadpool(_start, state, session_id, tab)
    except UserError as exc:
        return _refusal(exc)
    try:
        async with request.form(max_files=1, max_fields=4) as form:
            upload = form.get("audio")
            text = form.get("text")
            keep = form.get("keep") == "on"
            if not isinstance(upload, UploadFile):
                return _error(400, "The upload holds no recording: record again.", AudioProblem.EMPTY.value)
            data = await upload.read()
            content_type, filename = upload.content_type, upload.filename
    except HTTPException as exc:  # a malformed multipart body
        return _error(400, f"The upload is not one this page sends ({exc.detail}): record again.", "refused")
    if len(data) > MAX_UPLOAD_BYTES:
        return _too_big(len(data))
    try:
        extension = audio_extension(content_type, filename)
    except AudioError as exc:
        return _error(415, sentence(str(exc)), exc.problem.value)
    try:
        # decoded on a worker thread; the model itself runs on the transcriber's own long-lived thread
        answer = await run_in_threadpool(transcribe_answer, data, state.transcriber, name="your recording")
    except AudioError as exc:
        return _error(422, _audio_message(exc), exc.problem.value)
    except UserError as exc:  # VoiceUnavailable, a model folder that is not one
        return _error(503, sentence(str(exc)), "unavailable")
    except InterviewerError as exc:
        return _error(500, sentence(str(exc)), "failed")
    try:
        held = await run_in_threadpool(
            _hold,
            state,
            session_id,
            tab,
            slot,
            answer,
            text if isinstance(text, str) else "",
            (data, extension) if keep else None,
        )
    except _Moved as moved:
        return _error(
            409,
            "The answer box moved on while your recording was transcribed (the answer was submitted or skipped, "
            f"or the session opened in another tab), so the transcript was not added. Here it is: {moved.transcript}",
            "moved",
        )
    return JSONResponse(held)


@router.get("/sessions/{session_id}/recordings/{name}", response_class=FileResponse)
def kept_recording(state: Web, session_id: str, name: str) -> FileResponse:
    """A recording kept with a session, by the file name it was given (never a path)."""
    try:
        path = state.store.audio_path(state.store.resolve(session_id), name)
    except SessionError:  # no such session, no such recording, or not a recording's name
        raise HTTPException(404) from None
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix.lstrip(".")])
