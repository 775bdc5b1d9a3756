"""Make the spoken-answer test fixtures in tests/fixtures/voice/ (WAV files with known words, and bad inputs).

    python tools/make_voice_fixtures.py            # (re)write tests/fixtures/voice/ and its manifest.json
    python tools/make_voice_fixtures.py --check    # build into a temporary folder, compare byte for byte

Needs Debian's espeak-ng and sox (apt-get install espeak-ng sox) and PyAV (`av`, which faster-whisper
brings) for the compressed copies. Deterministic: espeak-ng is; sox runs with -R (fixed seed for its noise)
and -D (no dither); noise is mixed in plain Python (math.fsum); PyAV's encoders run bit-exact. A rerun with
the same versions gives byte-identical files (checked with --check). Every WAV is 16 kHz mono 16-bit.

manifest.json lists each file with the exact words spoken (`text`), the espeak voice and the rate asked of
it (`words_per_minute`, espeak's -s), what came out (espeak runs up to about 20% off the rate asked:
`speech_seconds` from the first sound to the last, `produced_words_per_minute` the words over that time),
the silences inserted (`after_word`: how many words of `text` come before it, `starts_at_seconds`,
`seconds`), the noise mixed in, the duration and what it is for. The benchmark (benchmarks/voice.py) reuses
`speak`, `mix_at_snr` and the rest on a larger, uncommitted set.

A 20-minute recording is not committed: tests write one with `long_wav` in tests/_voice_audio.py.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import random
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "voice"
RATE = 16_000
FULL_SCALE = 32_768

Samples = array.array  # of "h": signed 16-bit, mono, at RATE


# --- audio primitives (also used by benchmarks/voice.py) ---------------------------------------------------


def read_wav(path: Path) -> Samples:
    with wave.open(str(path), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise ValueError(f"{path}: not 16 kHz mono 16-bit")
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def write_wav(path: Path, samples: Samples) -> None:
    data = array.array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def _sox(*args: str) -> None:
    subprocess.run(["sox", "-R", "-D", "-V1", *args], check=True)


LEAD_IN = 0.3
"""Seconds of silence before the first word. espeak starts at the first sample, a recording does not, and
Whisper base drops a first word that starts at sample 0 ("Our checkout had a" came out as "check out HANA")."""


def speak(text: str, *, voice: str, wpm: int, lead_in: float = LEAD_IN) -> Samples:
    """espeak-ng saying `text`, peak-normalised to -3 dBFS, at 16 kHz mono 16-bit, after `lead_in` s of silence.

    espeak ends with about 0.4 s of its own silence, which is kept.
    """
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp, "raw.wav"), Path(tmp, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True)
        _sox(str(raw), "-b", "16", "-c", "1", str(out), "gain", "-n", "-3", "rate", "-h", str(RATE))
        return silence(lead_in) + read_wav(out)


def noise(kind: str, seconds: float) -> Samples:
    """Noise from sox's `synth whitenoise` / `pinknoise` (kind "white" / "pink"); the same samples on every run (-R)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "noise.wav")
        _sox("-n", "-r", str(RATE), "-b", "16", "-c", "1", str(out), "synth", f"{seconds:.4f}", f"{kind}noise")
        return read_wav(out)


def silence(seconds: float) -> Samples:
    return array.array("h", bytes(2 * round(seconds * RATE)))


def rms(samples: Sequence[int]) -> float:
    return math.sqrt(math.fsum(x * x for x in samples) / len(samples)) if samples else 0.0


def _clip(x: float) -> int:
    return max(-FULL_SCALE, min(FULL_SCALE - 1, round(x)))


def scaled(samples: Sequence[int], gain: float) -> Samples:
    return array.array("h", (_clip(x * gain) for x in samples))


def at_level(samples: Sequence[int], dbfs: float) -> Samples:
    """`samples` scaled to an RMS of `dbfs` relative to full scale."""
    return scaled(samples, FULL_SCALE * 10 ** (dbfs / 20) / rms(samples))


def mix_at_snr(speech: Samples, noise_samples: Sequence[int], snr_db: float) -> Samples:
    """Speech plus noise scaled so that RMS(speech) / RMS(noise) is `snr_db` over the whole clip (pauses too)."""
    noise_samples = noise_samples[: len(speech)]
    gain = rms(speech) / (rms(noise_samples) * 10 ** (snr_db / 20))
    return array.array("h", (_clip(s + gain * n) for s, n in zip(speech, noise_samples, strict=True)))


def trim(samples: Samples, threshold: int = 40) -> Samples:
    """Drop the near-silent start and end (|sample| <= threshold, about -58 dBFS) that espeak leaves."""
    loud = [i for i, x in enumerate(samples) if abs(x) > threshold]
    return samples[loud[0] : loud[-1] + 1] if loud else array.array("h")


def speak_with_pauses(
    parts: Sequence[str], pauses: Sequence[float], *, voice: str, wpm: int, tail: float = 0.3
) -> tuple[Samples, list[dict[str, float]]]:
    """Each part spoken and trimmed, joined by silences of `pauses` seconds; returns the silences inserted.

    `LEAD_IN` s of silence come first and `tail` s last.
    """
    assert len(pauses) == len(parts) - 1
    out, inserted, words = silence(LEAD_IN), [], 0
    for i, part in enumerate(parts):
        out.extend(trim(speak(part, voice=voice, wpm=wpm)))
        words += len(part.split())
        if i < len(pauses):
            inserted.append({"after_word": words, "starts_at_seconds": round(len(out) / RATE, 3), "seconds": pauses[i]})
            out.extend(silence(pauses[i]))
    out.extend(silence(tail))
    return out, inserted


def spoken_rate(text: str, speech: Samples) -> dict[str, float]:
    """How fast espeak actually spoke: `produced_words_per_minute` and `speech_seconds`.

    The words of `text` (tokens with a letter or digit) over the time from the first sound to the last, pauses
    inside included, as word timestamps measure it.
    """
    loud = [i for i, x in enumerate(speech) if abs(x) > 40]
    seconds = (loud[-1] - loud[0]) / RATE
    words = sum(1 for t in text.split() if any(c.isalnum() for c in t))
    return {"speech_seconds": round(seconds, 3), "produced_words_per_minute": round(60 * words / seconds, 1)}


def encode(samples: Samples, path: Path, *, container: str, codec: str, rate: int, bitrate: int = 24_000) -> None:
    """A compressed copy with PyAV (bit-exact), resampled to `rate` (48 kHz for Opus, as browsers record)."""
    import av
    import numpy as np

    with av.open(str(path), "w", format=container, options={"fflags": "+bitexact"}) as out:
        stream: Any = out.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = bitrate
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        frame = av.AudioFrame.from_ndarray(
            np.asarray(samples, dtype=np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = RATE, 0
        ctx = stream.codec_context
        resampler = av.AudioResampler(
            format=ctx.format.name, layout="mono", rate=rate, frame_size=ctx.frame_size or None
        )
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))


# --- the committed fixtures ---------------------------------------------------------------------------------

CLEAN = [
    (
        "en_clean_120.wav",
        "en-us",
        120,
        "I rank the backlog with RICE scores, then I check each item against our OKRs for the quarter.",
    ),
    (
        "en_clean_150.wav",
        "en-gb",
        150,
        "Our checkout had a p95 latency of three seconds, so we cached the pricing call and conversion rose "
        "by four percent.",
    ),
    (
        "en_clean_180.wav",
        "en-us+f3",
        180,
        "When two teams wanted the same sprint, I compared their revenue and the customers affected, and we "
        "fixed the support issue first.",
    ),
]
PAUSE_PARTS = (
    "I would talk to five customers.",
    "Then I would check the funnel data.",
    "Finally I would write a short proposal.",
)
PAUSE_SECONDS = (2.5, 4.0)
FILLERS = (
    "Um, the launch slipped by, uh, two weeks. You know, the vendor was late. I mean, we basically had to, "
    "like, cut scope."
)
SPANISH = "Para decidir qué hacer primero, hablo con los clientes y elegimos lo que tiene más impacto."
NOISE_KIND, NOISE_SNR = "white", 20
LOW_NOISE_DBFS = -60


def build(folder: Path) -> list[dict[str, Any]]:
    """Write every fixture into `folder`; the manifest entries, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []

    def add(file: str, samples: Samples | None = None, **fields: Any) -> None:
        if samples is not None:
            write_wav(folder / file, samples)
            fields.setdefault("duration_seconds", round(len(samples) / RATE, 3))
        entry = {
            "file": file,
            "text": "",
            "language": None,
            "voice": None,
            "words_per_minute": None,
            "silences": [],
            "noise": "none",
            "duration_seconds": None,
        }
        entry.update(fields)
        entries.append(entry)

    clean: dict[str, Samples] = {}
    for file, voice, wpm, text in CLEAN:
        clean[file] = speak(text, voice=voice, wpm=wpm)
        add(
            file,
            clean[file],
            text=text,
            language="en",
            voice=voice,
            words_per_minute=wpm,
            **spoken_rate(text, clean[file]),
            purpose=f"Clean English answer at espeak -s {wpm}: the WER bound and the words-per-minute check.",
        )

    paused, inserted = speak_with_pauses(PAUSE_PARTS, PAUSE_SECONDS, voice="en-us", wpm=160)
    add(
        "en_pauses.wav",
        paused,
        text=" ".join(PAUSE_PARTS),
        language="en",
        voice="en-us",
        words_per_minute=160,
        **spoken_rate(" ".join(PAUSE_PARTS), paused),
        silences=inserted,
        purpose="Three sentences (each trimmed of espeak's own edge silence) joined by digital silences of "
        "2.5 s and 4.0 s, with 0.3 s of silence before and after: the long-pause count and the longest pause.",
    )

    _, voice, wpm, text = CLEAN[1]
    noisy = mix_at_snr(clean["en_clean_150.wav"], noise(NOISE_KIND, 30), NOISE_SNR)
    add(
        f"en_noisy_{NOISE_KIND}{NOISE_SNR}.wav",
        noisy,
        text=text,
        language="en",
        voice=voice,
        words_per_minute=wpm,
        **spoken_rate(text, clean["en_clean_150.wav"]),
        noise=f"{NOISE_KIND} {NOISE_SNR} dB SNR",
        purpose="en_clean_150.wav with sox white noise mixed in at 20 dB SNR (RMS over the whole clip).",
    )

    fillers = speak(FILLERS, voice="en-us", wpm=150)
    add(
        "en_fillers.wav",
        fillers,
        text=FILLERS,
        language="en",
        voice="en-us",
        words_per_minute=150,
        **spoken_rate(FILLERS, fillers),
        fillers={"um": 1, "uh": 1, "you know": 1, "like": 1, "i mean": 1, "basically": 1},
        purpose="An answer with six fillers spoken: how many the transcript keeps.",
    )
    spanish = speak(SPANISH, voice="es", wpm=150)
    add(
        "es_answer.wav",
        spanish,
        text=SPANISH,
        language="es",
        voice="es",
        words_per_minute=150,
        **spoken_rate(SPANISH, spanish),
        purpose="A Spanish answer: language detection and the not-graded-in-this-language path.",
    )
    add("silence_5s.wav", silence(5), purpose="5 s of digital silence: no speech, one clear message.")
    add(
        "low_noise_5s.wav",
        at_level(noise("white", 5), LOW_NOISE_DBFS),
        noise=f"white noise only, {LOW_NOISE_DBFS} dBFS RMS",
        purpose="5 s of faint white noise (a quiet room's microphone, nobody talking): no speech, not an "
        "invented sentence.",
    )

    source = clean["en_clean_150.wav"]
    _, voice, wpm, text = CLEAN[1]
    for file, container, codec, rate, what in [
        ("en_clean_150.webm", "webm", "libopus", 48_000, "WebM/Opus 48 kHz, what Chrome's MediaRecorder sends"),
        ("en_clean_150.ogg", "ogg", "libopus", 48_000, "Ogg/Opus 48 kHz, what Firefox's MediaRecorder sends"),
        ("en_clean_150.mp3", "mp3", "libmp3lame", RATE, "MP3 16 kHz"),
        ("en_clean_150.m4a", "ipod", "aac", RATE, "M4A/AAC 16 kHz, what Safari's MediaRecorder sends"),
    ]:
        encode(source, folder / file, container=container, codec=codec, rate=rate)
        add(
            file,
            text=text,
            language="en",
            voice=voice,
            words_per_minute=wpm,
            **spoken_rate(text, source),
            duration_seconds=round(len(source) / RATE, 3),
            encoding=f"{what}, 24 kbit/s, made with PyAV",
            purpose="en_clean_150.wav compressed: the decoder path for this format.",
        )

    rng = random.Random(14)
    (folder / "empty.wav").write_bytes(b"")
    add("empty.wav", purpose="A 0-byte upload: a decode error, one clear message.")
    garbage = bytes(rng.getrandbits(8) for _ in range(4000))
    (folder / "corrupt.wav").write_bytes(b"RIFF" + struct.pack("<I", 4 + len(garbage)) + b"WAVE" + garbage)
    add("corrupt.wav", purpose="RIFF/WAVE magic, then 4000 random bytes where the chunks should be: a decode error.")
    header = (folder / "en_clean_150.wav").read_bytes()[:44]  # claims the whole answer
    (folder / "truncated.wav").write_bytes(header + source[: 3 * RATE // 4].tobytes())
    add(
        "truncated.wav",
        text="",
        language="en",
        duration_seconds=0.75,
        purpose="A cut-off upload: the header of en_clean_150.wav (claims its full length), then only its first "
        "0.75 s (0.3 s of lead-in, then the start of 'Our checkout'). Decoders return the 0.75 s without an error.",
    )
    (folder / "random_bytes.mp3").write_bytes(bytes(rng.getrandbits(8) for _ in range(4000)))
    add("random_bytes.mp3", purpose="4000 random bytes named .mp3: a decode error.")
    (folder / "not_audio.wav").write_text("This is a text file, not a recording.\n")
    add("not_audio.wav", purpose="A text file named .wav: a decode error.")

    (folder / "manifest.json").write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare bytes")
    args = parser.parse_args()
    if not args.check:
        entries = build(FIXTURES)
        total = sum(p.stat().st_size for p in FIXTURES.iterdir())
        print(f"wrote {len(entries)} fixtures and manifest.json to {FIXTURES.relative_to(ROOT)}: {total:,} bytes")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        made = {p.name: p.read_bytes() for p in Path(tmp).iterdir()}
    committed = {p.name: p.read_bytes() for p in FIXTURES.iterdir()}
    differ = sorted(n for n in made.keys() | committed.keys() if made.get(n) != committed.get(n))
    for name in differ:
        print(f"differs: {name}")
    print("identical" if not differ else f"{len(differ)} files differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
