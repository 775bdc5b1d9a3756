"""Does the browser's recording path hear worse than the file itself? (issue 14)

    python benchmarks/voice_browser.py                   # 8 answers x 5 capture variants: about 15 minutes
    python benchmarks/voice_browser.py --answers 2       # a quick look
    python benchmarks/voice_browser.py --fixtures --json out.json --workdir DIR

Speaks English answers with espeak-ng (texts from benchmarks/data/voice-answers.yaml, through
tools/make_voice_fixtures.py's `speak`, 0.5 s of silence before and 1 s after), and for each one:

- transcribes the WAV in this process with interviewer.voice.transcribe_answer (the file baseline);
- plays it through Debian's Chromium's fake microphone (`--use-fake-device-for-media-stream
  --use-file-for-fake-audio-capture=FILE.wav%noloop`) into a real `interviewer serve`: Record, wait for the
  file to end, Stop, and reads the transcript from the answer box; once per capture variant of voice.js,
  chosen with its test hook `window.interviewerCapture` (set by `page.add_init_script`, no server change).

Prints the WER (interviewer.voice._wer, pooled over words) of each variant and of the files, and every
transcript that differs from the file's. Chromium's fake device is a file, not a microphone: whatever its
audio processing does here, it does to clean synthetic speech with no room, echo or background noise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _voice_report import SPEEDS, VOICES  # noqa: E402
from _web_helpers import Server  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from interviewer.voice import transcribe_answer  # noqa: E402
from interviewer.voice._wer import WerCounts, word_error_counts  # noqa: E402
from tools.make_voice_fixtures import FIXTURES, silence, speak, write_wav  # noqa: E402

UNPROCESSED = {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False}
VARIANTS: dict[str, dict[str, Any]] = {
    "a: {audio: true}, default bitrate (voice.js before)": {"audio": True},
    "b: processing off, default bitrate": {"audio": UNPROCESSED},
    "c: processing off, 128 kbit/s": {"audio": UNPROCESSED, "audioBitsPerSecond": 128_000},
    "d: {audio: true}, 128 kbit/s": {"audio": True, "audioBitsPerSecond": 128_000},
    "e: noise suppression off, 128 kbit/s (voice.js's default since)": {
        "audio": {"echoCancellation": True, "noiseSuppression": False, "autoGainControl": True},
        "audioBitsPerSecond": 128_000,
    },
}
FIXTURE_FILES = ("en_clean_120.wav", "en_clean_150.wav", "en_clean_180.wav", "en_pauses.wav")


def seconds_of(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def answers(folder: Path, count: int, fixtures: bool) -> list[tuple[Path, str, str]]:
    """(wav, reference text, how it was spoken): held-out texts, each voice and espeak rate in turn."""
    texts = yaml.safe_load((ROOT / "benchmarks/data/voice-answers.yaml").read_text())["english"]
    made = []
    for i, text in enumerate(texts[:count]):
        voice, wpm = VOICES[i % len(VOICES)], SPEEDS[i % len(SPEEDS)]
        path = folder / f"answer{i + 1}.wav"
        write_wav(path, speak(text, voice=voice, wpm=wpm, lead_in=0.5) + silence(1.0))
        made.append((path, " ".join(text.split()), f"espeak {voice} -s {wpm}"))
    if fixtures:
        manifest = {m["file"]: m for m in json.loads((FIXTURES / "manifest.json").read_text())}
        for name in FIXTURE_FILES:
            made.append((FIXTURES / name, manifest[name]["text"], f"fixture {name}"))
    return made


def start(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_label("Role").select_option("digital-product-owner")
    page.get_by_label("Number of questions").fill("1")
    page.get_by_label("Follow-up questions when an answer misses a point").set_checked(False)
    page.get_by_role("button", name="Start the interview").click()
    expect(page.get_by_text("Question 1 of 1")).to_be_visible()
    page.wait_for_load_state("domcontentloaded")


def through_browser(page: Page, url: str, seconds: float) -> str:
    """Record the fake microphone for the file's length and a second, stop, and return the answer box."""
    start(page, url)
    page.get_by_role("button", name="Record your answer").click()
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_visible()
    page.wait_for_timeout(1000 * (seconds + 1.0))  # the file plays once, then silence
    stop.click()
    done = page.get_by_text("Transcribed.", exact=False).or_(page.locator("[data-voice-error]:visible"))
    expect(done.first).to_be_visible(timeout=120_000)
    error = page.locator("[data-voice-error]")
    if error.is_visible() and not page.get_by_text("Transcribed.", exact=False).is_visible():
        return f"[error: {error.inner_text()}]"
    return page.get_by_label("Your answer").input_value()


def pooled(rows: list[dict[str, Any]], key: str) -> WerCounts:
    total = WerCounts()
    for row in rows:
        total += word_error_counts(row["reference"], row[key])
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=8, help="held-out answers to speak (default 8)")
    parser.add_argument("--fixtures", action="store_true", help="also the committed clean and pauses fixtures")
    parser.add_argument("--variants", default="abcde", help="which capture variants, by letter (default all)")
    parser.add_argument("--json", type=Path, help="write every transcript here")
    parser.add_argument("--workdir", type=Path, help="keep the spoken answers here")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is needed (apt-get install chromium)")
    variants = {k: v for k, v in VARIANTS.items() if k[0] in args.variants}
    scratch = tempfile.TemporaryDirectory()
    folder = args.workdir or Path(scratch.name)
    folder.mkdir(parents=True, exist_ok=True)
    made = answers(folder, args.answers, args.fixtures)
    rows: list[dict[str, Any]] = []
    server = Server(Path(tempfile.mkdtemp(dir=scratch.name)))
    began = time.monotonic()
    try:
        with sync_playwright() as playwright:
            for path, reference, spoken in made:
                seconds = seconds_of(path)
                row: dict[str, Any] = {"file": path.name, "spoken": spoken, "seconds": round(seconds, 1)}
                row["reference"] = reference
                row["file baseline"] = transcribe_answer(path).text
                browser = playwright.chromium.launch(
                    executable_path=chromium,
                    args=[
                        "--disable-background-networking",
                        "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-audio-capture={path}%noloop",
                    ],
                )
                for name, setting in variants.items():
                    context = browser.new_context(permissions=["microphone"])
                    context.add_init_script(f"window.interviewerCapture = {json.dumps(setting)};")
                    row[name] = through_browser(context.new_page(), server.url, seconds)
                    context.close()
                browser.close()
                rows.append(row)
                wers = ", ".join(
                    f"{k[0]} {word_error_counts(reference, row[k]).rate:.0%}" for k in ["file baseline", *variants]
                )
                print(f"{path.name} ({spoken}, {seconds:.1f} s): {wers}", file=sys.stderr, flush=True)
    finally:
        server.stop()
    print(
        f"\n{len(rows)} answers, {sum(r['seconds'] for r in rows):.0f} s of speech, run took "
        f"{(time.monotonic() - began) / 60:.1f} min\n"
    )
    print("| transcribed from | pooled WER | errors / words | files worse than the file | files better |")
    print("|---|---|---|---|---|")
    summary = {}
    for key in ["file baseline", *variants]:
        counts = pooled(rows, key)
        worse = sum(
            word_error_counts(r["reference"], r[key]).errors
            > word_error_counts(r["reference"], r["file baseline"]).errors
            for r in rows
        )
        better = sum(
            word_error_counts(r["reference"], r[key]).errors
            < word_error_counts(r["reference"], r["file baseline"]).errors
            for r in rows
        )
        label = "the WAV file (transcribe_answer)" if key == "file baseline" else key
        print(f"| {label} | {counts.rate:.1%} | {counts.errors} / {counts.reference_words} | {worse} | {better} |")
        summary[key] = {"wer": counts.rate, "errors": counts.errors, "words": counts.reference_words}
    print("\nTranscripts that differ from the file's:\n")
    for row in rows:
        print(f"- {row['file']} reference: {row['reference']}\n  file: {row['file baseline']}")
        for key in variants:
            if row[key] != row["file baseline"]:
                print(f"  {key[0]}: {row[key]}")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
