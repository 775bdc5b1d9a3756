"""The tables and summary of benchmarks/voice.py: one transcription (`Heard`), WER pooling, filler, pace,
pause and language figures."""

from __future__ import annotations

import datetime
import itertools
import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from interviewer.graders.offline import measure_delivery
from interviewer.voice import GRADED_LANGUAGES, LONG_PAUSE_SECONDS
from interviewer.voice._use import PLAUSIBLE
from interviewer.voice._wer import WerCounts, normalise_words, word_error_counts

VOICES = ("en-us", "en-us+f3", "en-gb", "en-gb+m3")
SPEEDS = (130, 160, 190)
NOISES = ("none", "white 20 dB", "pink 10 dB")
THRESHOLDS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
FILLER_WORDS = ("um", "uh", "like", "you know", "i mean", "basically")
THREADS = 2


@dataclass
class Heard:
    """One transcription of one file."""

    file: str
    set: str
    reference: str
    duration: float
    seconds: float
    text: str = ""
    words: list[tuple[str, float, float]] = field(default_factory=list)
    language: str = ""
    probability: float = 0.0
    p_en: float = 0.0
    """The detector's probability of English (what interviewer.voice's language rule reads)."""
    spoken: dict[str, Any] = field(default_factory=dict)
    """interviewer.voice.measure_speech: words_per_minute, long_pauses, longest_pause_seconds."""
    error: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    counts: WerCounts = field(default_factory=WerCounts)

    @property
    def wer(self) -> float:
        return self.counts.rate


def pct(values: Iterable[float], q: float) -> float:
    arr = list(values)
    return float(np.percentile(arr, q)) if arr else float("nan")


def pooled(results: Iterable[Heard]) -> WerCounts:
    return sum((r.counts for r in results), WerCounts())


def wer_row(label: str, results: list[Heard]) -> str:
    w = [r.wer for r in results]
    return f"| {label} | {len(w)} | {pooled(results).rate:.1%} | {pct(w, 50):.1%} | {pct(w, 90):.1%} | {max(w):.1%} |"


WER_HEAD = "| condition | files | pooled WER | median | p90 | max |\n|---|---|---|---|---|---|"


def spoken_words(text: str) -> int:
    return sum(1 for t in text.split() if any(c.isalnum() for c in t))


def filler_counts(text: str) -> dict[str, int]:
    words = normalise_words(text)
    pairs = [" ".join(p) for p in itertools.pairwise(words)]
    return {f: (pairs if " " in f else words).count(f) for f in FILLER_WORDS}


def grader_fillers(text: str) -> int:
    return sum(t.count for t in measure_delivery(text, star=False, rubric_terms=[]).filler_words)


def pause_gaps(heard: Heard, silences: list[dict[str, float]]) -> tuple[list[float | None], list[float]]:
    """For each inserted silence, the word gap overlapping it most (None if none); and the other gaps."""
    gaps = [(a[2], b[1]) for a, b in itertools.pairwise(heard.words)]
    matched: list[float | None] = []
    used: set[int] = set()
    for s in silences:
        t0, t1 = s["starts_at_seconds"], s["starts_at_seconds"] + s["seconds"]
        overlaps = [(min(t1, e) - max(t0, b), i) for i, (b, e) in enumerate(gaps)]
        best = max(overlaps, default=(0.0, -1))
        if best[0] > 0:
            used.add(best[1])
            matched.append(gaps[best[1]][1] - gaps[best[1]][0])
        else:
            matched.append(None)
    others = [e - b for i, (b, e) in enumerate(gaps) if i not in used]
    return matched, others


def summarise(results: list[Heard], load: dict[str, Any], quick: bool, total: float) -> dict[str, Any]:
    import ctranslate2
    import faster_whisper

    def of(set_: str, **where: Any) -> list[Heard]:
        return [r for r in results if r.set == set_ and all(r.meta.get(k) == v for k, v in where.items())]

    summary: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
        "versions": {"faster-whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__},
        "settings": f"Whisper base int8, cpu_threads={THREADS}, word_timestamps, vad_filter",
        "quick": quick,
        "wall_seconds": round(total),
        "load": load,
    }
    print(f"# Voice benchmark {summary['date']}{' (--quick)' if quick else ''}\n")
    print(f"{summary['machine']}; faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}")
    print(f"{summary['settings']}; beam 5 unless said; whole run {total:.0f} s\n")

    print("## WER, English (held-out set)\n")
    print(WER_HEAD)
    eng = of("english")
    wer: dict[str, Any] = {}
    rows = [("all", eng)]
    rows += [(f"noise: {n}", of("english", noise=n)) for n in NOISES]
    rows += [(f"voice: {v}", of("english", voice=v)) for v in VOICES]
    rows += [(f"espeak -s {s}", of("english", wpm=s)) for s in SPEEDS]
    rows += [(f"-s {s}, no noise", of("english", wpm=s, noise="none")) for s in SPEEDS]
    rows += [(f"{s}: {n}", of(s, noise=n)) for s in ("english beam 1",) for n in ("none", "pink 10 dB")]
    rows += [("language given (en), no noise", of("english given en"))]
    rows += [("no lead-in silence, no noise", of("english no lead-in"))]
    for label, rs in rows:
        if rs:
            print(wer_row(label, rs))
            w = [r.wer for r in rs]
            wer[label] = {"files": len(rs), "pooled": pooled(rs).rate, "median": pct(w, 50), "p90": pct(w, 90)}
    summary["wer"] = wer

    print("\n## Speed\n")
    rtf5 = [r.seconds / r.duration for r in eng]
    rtf1 = [r.seconds / r.duration for r in of("english beam 1")]
    print(
        f"model load: fresh process {load['fresh_load_s']:.2f} s (+ import {load['fresh_import_s']:.2f} s, whole "
        f"process {load['fresh_process_wall_s']:.2f} s), in-process {load['in_process_load_s']:.2f} s "
        f"(medians of {load['runs']})"
    )
    print(f"real-time factor beam 5: median {pct(rtf5, 50):.3f}, p90 {pct(rtf5, 90):.3f} ({len(rtf5)} files)")
    print(f"real-time factor beam 1: median {pct(rtf1, 50):.3f}, p90 {pct(rtf1, 90):.3f} ({len(rtf1)} files)")
    durations = [r.duration for r in eng]
    print(f"English answers: {min(durations):.1f}-{max(durations):.1f} s, median {pct(durations, 50):.1f} s")
    summary["rtf"] = {"beam5_median": pct(rtf5, 50), "beam5_p90": pct(rtf5, 90), "beam1_median": pct(rtf1, 50)}

    print("\n## Fillers\n\n| filler | spoken | in transcript | kept |\n|---|---|---|---|")
    fill = of("fillers")
    kept: dict[str, Any] = {}
    for f in FILLER_WORDS:
        spoken = sum(filler_counts(r.reference)[f] for r in fill)
        heard = sum(filler_counts(r.text)[f] for r in fill)
        kept[f] = {"spoken": spoken, "transcribed": heard}
        print(f"| {f} | {spoken} | {heard} | {ratio(heard, spoken)} |")
    spoken = sum(k["spoken"] for k in kept.values())
    heard = sum(k["transcribed"] for k in kept.values())
    g_ref, g_hyp = sum(grader_fillers(r.reference) for r in fill), sum(grader_fillers(r.text) for r in fill)
    print(f"| all | {spoken} | {heard} | {ratio(heard, spoken)} |")
    print(f"\nthe grader's filler count: {g_ref} in the texts, {g_hyp} in the transcripts ({ratio(g_hyp, g_ref)})")
    content = sum((strip_counts(r) for r in fill), WerCounts())
    print(f"WER of these answers with fillers: {pooled(fill).rate:.1%}; without counting fillers {content.rate:.1%}")
    summary["fillers"] = {
        "per_filler": kept,
        "kept": heard / spoken if spoken else None,
        "grader": [g_ref, g_hyp],
        "wer": pooled(fill).rate,
        "wer_without_fillers": content.rate,
    }

    print("\n## Pace (no noise)\n")
    print("| espeak -s | files | espeak produced wpm | measured wpm | measure_speech wpm | measured / asked |")
    print("|---|---|---|---|---|---|")
    pace: dict[str, Any] = {}
    for s in SPEEDS:
        rs = [r for r in of("english", wpm=s, noise="none") if len(r.words) > 1]
        if not rs:
            continue
        measured = [60 * spoken_words(" ".join(w[0] for w in r.words)) / (r.words[-1][2] - r.words[0][1]) for r in rs]
        produced = [r.meta["produced_wpm"] for r in rs]
        product = [r.spoken["words_per_minute"] for r in rs]
        pace[str(s)] = {
            "produced": pct(produced, 50),
            "measured": pct(measured, 50),
            "measure_speech": pct(product, 50),
            "ratio": pct(measured, 50) / s,
            "measured_over_produced": [min(m / p for m, p in zip(measured, produced, strict=True)),
                                       max(m / p for m, p in zip(measured, produced, strict=True))],
        }  # fmt: skip
        print(
            f"| {s} | {len(rs)} | {pct(produced, 50):.0f} | {pct(measured, 50):.0f} | {pct(product, 50):.0f} | "
            f"{pct(measured, 50) / s:.2f} |"
        )
    if pace:
        spread = [x for v in pace.values() for x in v["measured_over_produced"]]
        print(f"\nmeasured / produced, per file: {min(spread):.2f} to {max(spread):.2f}")
    summary["pace"] = pace

    print("\n## Pauses\n")
    pause: dict[str, Any] = {}
    for condition in ("none", "white 20 dB"):
        rs = of("pauses", noise=condition)
        pairs, others = [], []
        for r in rs:
            matched, rest = pause_gaps(r, r.meta["silences"])
            pairs += [(s["seconds"], m) for s, m in zip(r.meta["silences"], matched, strict=True)]
            others += rest
        errors = [m - s for s, m in pairs if m is not None]
        print(f"**{condition}** ({len(rs)} files, {len(pairs)} inserted silences, {len(others)} other word gaps)\n")
        print("| inserted s | measured gap s |\n|---|---|")
        for s, m in sorted(pairs):
            print(f"| {s:.2f} | {'missed' if m is None else f'{m:.2f}'} |")
        print(
            f"\nerror (measured - inserted): median {pct(errors, 50):+.2f} s, min {min(errors):+.2f}, "
            f"max {max(errors):+.2f}; longest other gap {max(others, default=0):.2f} s\n"
        )
        print("| threshold s | inserted >= t found | inserted < t flagged | other gaps flagged |\n|---|---|---|---|")
        rows_t = {}
        for t in THRESHOLDS:
            long_ = [m for s, m in pairs if s >= t]
            short = [m for s, m in pairs if s < t]
            found = sum(1 for m in long_ if m is not None and m >= t)
            flagged = sum(1 for m in short if m is not None and m >= t)
            fp = sum(1 for g in others if g >= t)
            rows_t[str(t)] = {"found": [found, len(long_)], "short_flagged": [flagged, len(short)], "other": fp}
            print(f"| {t} | {found}/{len(long_)} | {flagged}/{len(short)} | {fp} |")
        print()
        agree = sum(
            1
            for r in rs
            if r.spoken.get("long_pauses") == sum(1 for x in r.meta["silences"] if x["seconds"] >= LONG_PAUSE_SECONDS)
        )
        print(
            f"measure_speech's long pauses (>= {LONG_PAUSE_SECONDS} s) equal the inserted ones in "
            f"{agree}/{len(rs)} files\n"
        )
        pause[condition] = {
            "pairs": pairs,
            "errors": errors,
            "longest_other": max(others, default=0),
            "at": rows_t,
            "measure_speech_agrees": [agree, len(rs)],
        }
    print("Natural gaps between words in the English answers (no silence inserted; sentence ends included):\n")
    print("| noise | files | longest gap s | " + " | ".join(f">= {t} s" for t in THRESHOLDS) + " |")
    print("|---|---|---|" + "---|" * len(THRESHOLDS))
    natural = {}
    for n in NOISES:
        rs = of("english", noise=n)
        gaps = [b[1] - a[2] for r in rs for a, b in itertools.pairwise(r.words)]
        if not gaps:
            continue
        natural[n] = {"longest": max(gaps), "at": {str(t): sum(1 for g in gaps if g >= t) for t in THRESHOLDS}}
        cells = " | ".join(str(natural[n]["at"][str(t)]) for t in THRESHOLDS)
        print(f"| {n} | {len(rs)} | {max(gaps):.2f} | {cells} |")
    pause["natural"] = natural
    summary["pauses"] = pause

    print("\n## Languages\n")
    print(
        "| language | files | detected right | prob. median | prob. min | p(en) min | p(en) max | taken as English "
        f"(rule: en, or p(en) >= {PLAUSIBLE}) | WER detected | WER given |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    langs: dict[str, Any] = {}
    clean_en = of("english", noise="none")
    groups = [("en", clean_en, of("english given en"))]
    groups += [(k, of("language", lang=k), of("language given", lang=k)) for k in ("es", "de", "fr")]
    for lang, rs, given in groups:
        if not rs:
            continue
        probs = [r.probability for r in rs]
        right = sum(1 for r in rs if r.language == lang)
        wrong = sorted({f"{r.language} {r.probability:.2f}" for r in rs if r.language != lang})
        taken = sum(1 for r in rs if r.language in GRADED_LANGUAGES or r.p_en >= PLAUSIBLE)
        p_en = [r.p_en for r in rs]
        langs[lang] = {
            "files": len(rs),
            "detected_right": right,
            "prob_median": pct(probs, 50),
            "prob_min": min(probs),
            "wrong": wrong,
            "p_en": [min(p_en), max(p_en)],
            "taken_as_english": taken,
            "wer_detected": pooled(rs).rate,
            "wer_given": pooled(given).rate if given else None,
        }
        given_wer = f"{pooled(given).rate:.1%}" if given else "-"
        print(
            f"| {lang} | {len(rs)} | {right}/{len(rs)} | {pct(probs, 50):.2f} | {min(probs):.2f} | {min(p_en):.2f} | "
            f"{max(p_en):.2f} | {taken}/{len(rs)} | {pooled(rs).rate:.1%} | {given_wer} |"
        )
        if wrong:
            print(f"|  | detected instead: {', '.join(wrong)} | | | | | | | | |")
    right_probs = [r.probability for r in clean_en if r.language == "en"]
    print(f"\nEnglish answers detected as English: lowest probability {min(right_probs, default=0):.2f}")
    summary["languages"] = langs

    print("\n## Committed fixtures through transcribe_answer (tests/fixtures/voice/)\n\n| file | result |\n|---|---|")
    fixtures = {}
    for r in of("fixture"):
        if r.error:
            result = f"refused: {r.error}"
        else:
            wer_ = f"WER {r.wer:.1%}, " if r.reference else f"{len(r.words)} words, "
            pace_ = f"{r.spoken['words_per_minute']:.0f} wpm, long pauses {r.spoken['long_pauses']} (longest "
            pace_ += f"{r.spoken['longest_pause_seconds']:.2f} s)"
            result = f"{wer_}{r.language} {r.probability:.2f}, {pace_}: {r.text!r}"
        fixtures[r.file] = result
        print(f"| {r.file} | {result} |")
    summary["fixtures"] = fixtures
    return summary


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def strip_fillers(text: str) -> str:
    words = normalise_words(text)
    out, i = [], 0
    while i < len(words):
        if i + 1 < len(words) and f"{words[i]} {words[i + 1]}" in FILLER_WORDS:
            i += 2
            continue
        if words[i] not in FILLER_WORDS:
            out.append(words[i])
        i += 1
    return " ".join(out)


def strip_counts(r: Heard) -> WerCounts:
    return word_error_counts(strip_fillers(r.reference), strip_fillers(r.text))
