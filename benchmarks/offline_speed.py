"""Speed of the offline grader, as a candidate meets it. Medians of several runs.

    python benchmarks/offline_speed.py

- delivery metrics alone on a 200-word answer (target: under 50 ms warm)
- embedding model load, in a fresh process (target: under 1 s)
- a whole `grade()` of a 200-word answer, first call and warm (target: under 1 s)
- `interviewer feedback` end to end, in a fresh process
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedders import ANSWER_200  # noqa: E402

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.graders import GradeRequest, OfflineGrader  # noqa: E402
from interviewer.graders.offline import measure_delivery  # noqa: E402

RUNS = 7


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms (min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f})"


def fresh(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    corpus = load_corpus()
    role = corpus.role("digital-product-owner")
    question = role.question("dpo-prioritise-urgent")
    rubric = role.rubric(question.id)
    words = len(ANSWER_200.split())
    print(
        f"answer: {words} words; {os.cpu_count()} CPUs; INTERVIEWER_EMBED_THREADS="
        f"{os.environ.get('INTERVIEWER_EMBED_THREADS', '1 (default)')}; {RUNS} runs each\n"
    )

    measure_delivery(ANSWER_200, star=True, rubric_terms=rubric.key_terms, role_terms=role.role.key_terms)
    delivery = []
    for _ in range(RUNS * 5):
        t = time.perf_counter()
        measure_delivery(ANSWER_200, star=True, rubric_terms=rubric.key_terms, role_terms=role.role.key_terms)
        delivery.append(time.perf_counter() - t)
    print(f"delivery metrics, warm          {median_ms(delivery)}")

    load = [
        fresh(
            "import time; t=time.perf_counter(); from interviewer.embedders import default_embedder; "
            "default_embedder().passages(['x']); print(time.perf_counter()-t)"
        )
        for _ in range(RUNS)
    ]
    print(f"model load (fresh process)      {median_ms(load)}")

    first_call = (
        "import sys, time; sys.path.insert(0, 'benchmarks'); from embedders import ANSWER_200; "
        "from interviewer.corpus import load_corpus; from interviewer.graders import GradeRequest, OfflineGrader; "
        "r=load_corpus().role('dpo'); q=r.question('dpo-prioritise-urgent'); g=OfflineGrader(); "
        "t=time.perf_counter(); g.grade(GradeRequest(r.role, q, r.rubric(q.id), ANSWER_200)); "
        "print(time.perf_counter()-t)"
    )
    first = [fresh(first_call) for _ in range(RUNS)]
    print(f"grade, first call (incl. load)  {median_ms(first)}")

    grader = OfflineGrader()
    request = GradeRequest(role.role, question, rubric, ANSWER_200)
    grader.grade(request)
    warm = []
    for _ in range(RUNS):
        t = time.perf_counter()
        grader.grade(request)
        warm.append(time.perf_counter() - t)
    print(f"grade, warm                     {median_ms(warm)}")

    cli = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "interviewer", "feedback", "-r", "dpo", "-q", question.id, "--json"],
            input=ANSWER_200,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        cli.append(time.perf_counter() - t)
    print(f"`interviewer feedback` end to end {median_ms(cli)}")


if __name__ == "__main__":
    main()
