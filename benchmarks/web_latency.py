"""Page load and submit-to-feedback times of `interviewer serve` on the offline grader.

TestClient (in process) and a real server (uvicorn subprocess, httpx2 over loopback), medians of
repeated loads; submit to feedback in Debian's chromium, Ctrl+Enter to the score on screen.

    python benchmarks/web_latency.py
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from _web_helpers import Server, answer_for  # noqa: E402

from interviewer._sessions import SessionStore  # noqa: E402
from interviewer._setup import build_grader  # noqa: E402
from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.llm import LLMSettings  # noqa: E402
from interviewer.web import WebSettings, WebState, create_app  # noqa: E402

REPEATS = 30


def median_ms(get: object, url: str) -> float:
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        r = get(url)  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return statistics.median(times)


def pages(client: TestClient) -> tuple[list[str], str, str]:
    r = client.post("/start", data={"role": "digital-product-owner", "questions": "2"}, follow_redirects=False)
    session = r.headers["location"]
    sid, tab = re.fullmatch(r"/session/([^?]+)\?tab=(.+)", session).groups()  # type: ignore[union-attr]
    client.get(session)
    q = client.app.state.web.open.get(sid).interview.current  # type: ignore[attr-defined]
    feedback = client.post(
        f"/session/{sid}/answer?tab={tab}", data={"text": answer_for(q.question)}, follow_redirects=False
    ).headers["location"]
    return ["/", "/sessions", "/progress", feedback, f"/sessions/{sid}/report"], sid, tab


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        state = WebState(
            WebSettings(("testserver",)), SessionStore(Path(data)), load_corpus(), build_grader(LLMSettings())
        )
        with TestClient(create_app(state)) as client:
            paths, _, _ = pages(client)
            print("TestClient, median of", REPEATS)
            for path in paths:
                print(f"  {path.split('?')[0]:70} {median_ms(client.get, path):6.1f} ms")
            # Submit to feedback without the browser: the no-JavaScript form post (grades, then redirects).
            times = []
            for _ in range(5):
                r = client.post(
                    "/start", data={"role": "digital-product-owner", "questions": "1"}, follow_redirects=False
                )
                loc = r.headers["location"]
                client.get(loc)
                s, t = re.fullmatch(r"/session/([^?]+)\?tab=(.+)", loc).groups()  # type: ignore[union-attr]
                q = client.app.state.web.open.get(s).interview.current  # type: ignore[attr-defined]
                start = time.perf_counter()
                client.post(f"/session/{s}/answer?tab={t}", data={"text": answer_for(q.question)})
                times.append((time.perf_counter() - start) * 1000)
            print(f"  submit to feedback page (form post, offline grader): median {statistics.median(times):.0f} ms")
    with tempfile.TemporaryDirectory() as data:
        server = Server(Path(data))
        try:
            with httpx2.Client(base_url=server.url) as http:
                http.get("/")
                print("Real server (uvicorn subprocess), median of", REPEATS)
                for path in ["/", "/sessions", "/progress", "/static/htmx.min.js"]:
                    print(f"  {path:70} {median_ms(http.get, path):6.1f} ms")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"))
                page = browser.new_page()
                loads, submits = [], []
                for _ in range(5):
                    t = time.perf_counter()
                    page.goto(server.url + "/")
                    loads.append((time.perf_counter() - t) * 1000)
                    page.get_by_label("Number of questions").fill("1")
                    page.get_by_label("Follow-up questions when an answer misses a point").set_checked(False)
                    page.get_by_role("button", name="Start the interview").click()
                    page.wait_for_load_state("domcontentloaded")
                    box = page.get_by_label("Your answer")
                    box.fill(answer_for(page.locator("#question-text").inner_text()))
                    t = time.perf_counter()
                    box.press("Control+Enter")
                    page.get_by_text(re.compile(r"^Score \d/5")).wait_for()
                    submits.append((time.perf_counter() - t) * 1000)
                browser.close()
            print(f"  chromium: start page load (to load event) median {statistics.median(loads):.0f} ms")
            print(
                f"  chromium: Ctrl+Enter to the score on screen (SSE, offline grader) median "
                f"{statistics.median(submits):.0f} ms, all {[round(x) for x in submits]}"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
