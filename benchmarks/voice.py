"""Offline transcription of spoken answers, measured (issue 14): WER, speed, fillers, pace, pauses, languages.

    python benchmarks/voice.py                     # the full run: about 8 minutes on 2 cores
    python benchmarks/voice.py --quick             # a subset: about 1 minute
    python benchmarks/voice.py --long              # only the speed of a 2- and a 10-minute answer: about 5 minutes
    python benchmarks/voice.py --json FILE --workdir DIR --model DIR

Builds a held-out set of spoken answers in a scratch folder (not committed; texts in
benchmarks/data/voice-answers.yaml, none of them in the committed fixtures) with espeak-ng and sox, through
the same functions as tools/make_voice_fixtures.py, and transcribes them with faster-whisper (Whisper base,
int8, 2 CPU threads, word timestamps, VAD filter):

- English: 24 answers, each spoken once by one of 4 voices at one of 3 espeak rates (every voice x rate pair
  twice), each of those under 3 noise conditions (none, white noise 20 dB SNR, pink noise 10 dB SNR): WER per
  condition (pooled over words, and the median and p90 of per-answer WER). Also the clean ones with beam
  size 1, with the language given (transcribed again only when another was detected: the same text
  otherwise), and without the 0.3 s of silence before the first word.
- Speed: model load (fresh processes and in-process), real-time factor (transcription time / audio length).
- Fillers: answers with fillers typed in known places: how many of each the transcript keeps, and what the
  grader's filler count (interviewer.graders.offline.measure_delivery) sees.
- Pace: words per minute from the word timestamps against the rate asked of espeak (-s) and the rate espeak
  produced (reference words over the span of its audio).
- Pauses: silences of known length inserted between sentences (digital silence, and under white noise):
  the gap between the word timestamps around each, and how many gaps a threshold flags.
- Languages: Spanish, German and French answers: the language detected, its probability, and WER with the
  language detected and with it given.
- The committed fixtures (tests/fixtures/voice/): WER or the error of each.
- `--long` instead: the real-time factor of one 2-minute and one 10-minute answer (the longest taken), each
  made of different sentences (the English answers, the `long` ones and the pause sentences of the YAML, read
  by one voice, whole answers up to the length), transcribed 3 times: every run, the median, and the WER.

Prints markdown tables and writes every per-file result and the summaries to a JSON file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _voice_report import NOISES, SPEEDS, THREADS, VOICES, Heard, spoken_words, summarise  # noqa: E402

from interviewer.exceptions import AudioError  # noqa: E402
from interviewer.voice import (  # noqa: E402
    WhisperTranscriber,
    decode,
    measure_speech,
)
from interviewer.voice._use import transcribe_answer  # noqa: E402
from interviewer.voice._wer import word_error_counts  # noqa: E402
from tools.make_voice_fixtures import (  # noqa: E402
    FIXTURES,
    RATE,
    mix_at_snr,
    noise,
    silence,
    speak,
    speak_with_pauses,
    write_wav,
)

PAUSES = (0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 1.25, 1.75, 5.0)


SPOKEN_FIELDS = ("words_per_minute", "long_pauses", "longest_pause_seconds")


class Whisper:
    """interviewer.voice's WhisperTranscriber (as the product runs it, but 2 threads whatever the machine)."""

    def __init__(self, model: Path | None, beam_size: int = 5) -> None:
        self.engine = WhisperTranscriber(model, cpu_threads=THREADS, beam_size=beam_size)
        self.engine.load()

    def hear(self, path: Path, set_: str, reference: str, language: str | None = None, **meta: Any) -> Heard:
        """decode + transcribe (timed together), as the product's transcribe_answer does before its checks."""
        start = time.perf_counter()
        transcript = self.engine.transcribe(decode(path).samples, language=language)
        seconds = time.perf_counter() - start
        spoken = measure_speech(transcript, transcriber=self.engine.name) if transcript.words else None
        heard = Heard(
            path.name, set_, reference, transcript.duration_seconds, seconds, transcript.text,
            [(w.text, w.start, w.end) for w in transcript.words], transcript.language,
            transcript.language_probability, transcript.language_probabilities.get("en", 0.0),
            {k: getattr(spoken, k) for k in SPOKEN_FIELDS} if spoken else {}, meta=meta,
        )  # fmt: skip
        heard.counts = word_error_counts(reference, transcript.text)
        return heard

    def answer(self, path: Path, reference: str, **meta: Any) -> Heard:
        """The product's whole path (interviewer.voice.transcribe_answer): its refusal, or the text it grades."""
        start = time.perf_counter()
        try:
            got = transcribe_answer(path, self.engine)
        except AudioError as exc:
            return Heard(path.name, "fixture", reference, 0.0, time.perf_counter() - start, error=str(exc.problem))
        heard = Heard(
            path.name, "fixture", reference, got.transcript.duration_seconds, time.perf_counter() - start, got.text,
            [(w.text, w.start, w.end) for w in got.transcript.words], got.transcript.language,
            got.transcript.language_probability, got.transcript.language_probabilities.get("en", 0.0),
            {k: getattr(got.spoken, k) for k in SPOKEN_FIELDS}, meta=meta,
        )  # fmt: skip
        heard.counts = word_error_counts(reference, got.text)
        return heard


def speech_span(samples: Any, threshold: int = 40) -> float:
    loud = np.flatnonzero(np.abs(np.asarray(samples, dtype=np.int32)) > threshold)
    return (loud[-1] - loud[0]) / RATE if len(loud) else 0.0


# --- building the set ---------------------------------------------------------------------------------------


class Builder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.noise = {kind: noise(kind, 240) for kind in ("white", "pink")}
        self.offset = 0

    def noisy(self, samples: Any, condition: str) -> Any:
        if condition == "none":
            return samples
        kind, snr, _ = condition.split()
        self.offset = (self.offset + 7919 * 13) % (len(self.noise[kind]) - len(samples))
        return mix_at_snr(samples, self.noise[kind][self.offset :], float(snr))

    def write(self, name: str, samples: Any) -> Path:
        path = self.folder / name
        write_wav(path, samples)
        return path


def timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = fn()
    print(f"  {label}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return out


# --- the measurements ---------------------------------------------------------------------------------------


def load_times(model: Path | None, runs: int) -> dict[str, Any]:
    """Model load in fresh processes (import of faster-whisper apart) and in this one; medians of `runs`."""
    code = (
        "import time,json;t=time.perf_counter();import faster_whisper;from interviewer.voice import "
        "WhisperTranscriber;i=time.perf_counter()-t;t=time.perf_counter();"
        f"WhisperTranscriber({str(model) if model else None!r},cpu_threads={THREADS}).load();"
        "print(json.dumps([i,time.perf_counter()-t]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    fresh, walls = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        walls.append(time.perf_counter() - start)
        fresh.append(json.loads(out.stdout.strip().splitlines()[-1]))
    inproc = []
    for _ in range(runs):
        start = time.perf_counter()
        WhisperTranscriber(model, cpu_threads=THREADS).load()
        inproc.append(time.perf_counter() - start)
    return {
        "fresh_import_s": statistics.median(f[0] for f in fresh),
        "fresh_load_s": statistics.median(f[1] for f in fresh),
        "fresh_process_wall_s": statistics.median(walls),
        "in_process_load_s": statistics.median(inproc),
        "runs": runs,
    }


LONG_SECONDS = (120.0, 600.0)
"""The long recordings: a long answer, and the longest one taken (`MAX_SECONDS`)."""


def long_answers(data: dict[str, Any], b: Builder, whisper: Whisper, runs: int) -> list[dict[str, Any]]:
    """Real-time factor of answers of up to `LONG_SECONDS`, each of different sentences (one voice, whole answers)."""
    texts = [*data["english"], *data["long"], *(" ".join(parts) for parts in data["pauses"])]
    spoken = [(text, speak(text, voice="en-us", wpm=150)) for text in texts]
    rows = []
    for target in LONG_SECONDS:
        samples = silence(0)
        said: list[str] = []
        for text, piece in spoken:  # each piece: 0.3 s of silence, the answer, espeak's own 0.4 s
            if (len(samples) + len(piece)) / RATE > target:
                continue  # a shorter one further on may still fit
            samples += piece
            said.append(text)
        reference = " ".join(said)
        path = b.write(f"long_{round(target / 60)}min.wav", samples)
        heard = []
        for run in range(runs):
            before = os.getloadavg()[0]
            heard.append(whisper.hear(path, "long", reference, run=run))
            print(f"  {path.name} run {run + 1}: RTF {heard[-1].seconds / heard[-1].duration:.3f}", file=sys.stderr)
            heard[-1].meta["load_before"], heard[-1].meta["load_after"] = before, os.getloadavg()[0]
        rtf = [h.seconds / h.duration for h in heard]
        rows.append({
            "file": path.name, "seconds": heard[0].duration, "answers": len(said),
            "words": len(reference.split()), "runs_s": [h.seconds for h in heard], "rtf": rtf,
            "rtf_median": statistics.median(rtf), "seconds_median": statistics.median(h.seconds for h in heard),
            "wer": heard[0].wer,
            "same_text_every_run": len({h.text for h in heard}) == 1,
            "load_average": [(h.meta["load_before"], h.meta["load_after"]) for h in heard],
        })  # fmt: skip
    return rows


def print_long(rows: list[dict[str, Any]]) -> None:
    print("| recording | length | words | transcription, each run | median | real-time factor, median | WER |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        runs = ", ".join(f"{s:.1f}" for s in r["runs_s"])
        print(
            f"| {r['file']} ({r['answers']} answers) | {r['seconds'] / 60:.2f} min | {r['words']} | {runs} s | "
            f"{r['seconds_median']:.1f} s | {r['rtf_median']:.3f} | {100 * r['wer']:.1f}% |"
        )
    loads = [x for r in rows for pair in r["load_average"] for x in pair]
    print(f"\n1-minute load average during the runs: {min(loads):.2f} to {max(loads):.2f} ({os.cpu_count()} cores)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset, about a minute")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results (default: workdir)")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder for the audio (default: tmp)")
    parser.add_argument("--model", type=Path, default=None, help="a CTranslate2 Whisper folder (default: bundled)")
    parser.add_argument("--long", action="store_true", help="only the speed of a 2- and a 10-minute answer")
    args = parser.parse_args()
    data = yaml.safe_load((ROOT / "benchmarks/data/voice-answers.yaml").read_text())
    work = args.workdir or Path(tempfile.mkdtemp(prefix="voice-bench-"))
    if args.long:
        print(f"building and transcribing in {work}", file=sys.stderr)
        rows = long_answers(data, Builder(work), Whisper(args.model, 5), runs=3)
        print_long(rows)
        out = args.json or work / "voice-bench-long.json"
        out.write_text(json.dumps({"long": rows}, indent=1) + "\n")
        print(f"\nresults: {out}")
        return 0
    quick = args.quick
    english = data["english"][:4] if quick else data["english"]
    fillers = data["fillers"][:2] if quick else data["fillers"]
    pauses = data["pauses"][:2] if quick else data["pauses"]
    languages = {k: v[:1] if quick else v for k, v in data["languages"].items()}
    b = Builder(work)
    started = time.perf_counter()
    results: list[Heard] = []

    print("loading times", file=sys.stderr)
    load = load_times(args.model, 2 if quick else 5)
    w5 = Whisper(args.model, 5)
    w1 = Whisper(args.model, 1)

    def given(heard: Heard, path: Path, set_: str, language: str) -> Heard:
        """The transcript with `language` given: the same one unless another language was detected."""
        if heard.language == language:
            return replace(heard, set=set_)
        return w5.hear(path, set_, heard.reference, language, **heard.meta)

    def english_set() -> None:
        for i, text in enumerate(english):
            voice, wpm = VOICES[i % len(VOICES)], SPEEDS[i % len(SPEEDS)]  # 12 texts: every pair once
            clean = speak(text, voice=voice, wpm=wpm)
            meta = {"voice": voice, "wpm": wpm, "produced_wpm": 60 * spoken_words(text) / speech_span(clean)}
            for condition in NOISES if not quick or i % 2 == 0 else NOISES[:1]:
                path = b.write(f"en{i:02d}_{condition.replace(' ', '')}.wav", b.noisy(clean, condition))
                results.append(w5.hear(path, "english", text, noise=condition, **meta))
                if condition == "none":
                    results.append(given(results[-1], path, "english given en", "en"))
                if condition in {"none", "pink 10 dB"} and (not quick or i < 2):
                    results.append(w1.hear(path, "english beam 1", text, noise=condition, **meta))
            if not quick:
                path = b.write(f"en{i:02d}_nolead.wav", speak(text, voice=voice, wpm=wpm, lead_in=0))
                results.append(w5.hear(path, "english no lead-in", text, noise="none", **meta))

    def filler_set() -> None:
        for i, text in enumerate(fillers):
            for voice in ("en-us", "en-gb+f3")[: 1 if quick else 2]:
                path = b.write(f"fill{i}_{voice}.wav", speak(text, voice=voice, wpm=160))
                results.append(w5.hear(path, "fillers", text, voice=voice, wpm=160))

    def pause_set() -> None:
        lengths = itertools.cycle(PAUSES)
        for i, parts in enumerate(pauses):
            voice = VOICES[i % len(VOICES)]
            samples, silences = speak_with_pauses(parts, [next(lengths), next(lengths)], voice=voice, wpm=160)
            for condition in ("none", "white 20 dB"):
                path = b.write(f"pause{i}_{condition.replace(' ', '')}.wav", b.noisy(samples, condition))
                results.append(w5.hear(path, "pauses", " ".join(parts), noise=condition, silences=silences))

    def language_set() -> None:
        for lang, texts in languages.items():
            for i, text in enumerate(texts):
                for voice in (lang, f"{lang}+f3")[: 1 if quick else 2]:
                    path = b.write(f"{lang}{i}_{voice.replace('+', '_')}.wav", speak(text, voice=voice, wpm=150))
                    results.append(w5.hear(path, "language", text, voice=voice, lang=lang))
                    results.append(given(results[-1], path, "language given", lang))

    def fixture_set() -> None:
        for entry in json.loads((FIXTURES / "manifest.json").read_text()):
            results.append(w5.answer(FIXTURES / entry["file"], entry["text"], lang=entry["language"]))

    print(f"building and transcribing in {work}", file=sys.stderr)
    for label, fn in [
        ("english", english_set),
        ("fillers", filler_set),
        ("pauses", pause_set),
        ("languages", language_set),
        ("fixtures", fixture_set if not quick else lambda: None),
    ]:
        timed(label, fn)
    total = time.perf_counter() - started
    report = summarise(results, load, quick, total)
    out = args.json or work / "voice-bench.json"
    out.write_text(json.dumps({"summary": report, "files": [asdict(r) for r in results]}, indent=1) + "\n")
    print(f"\nper-file results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
