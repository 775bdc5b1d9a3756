"""Make docs/images/serve.png, the README's screenshot: a real `interviewer serve`, one answer, its feedback.

Runs the server on a throwaway data dir and drives Debian's chromium with Playwright:

    python tools/serve_screenshot.py [--out docs/images/serve.png]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from interviewer._sessions import SessionStore
from interviewer.models import Session, SessionOptions

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "dpo-first-90-days"
ANSWER = (
    "The first month I'd mostly listen: read the docs, use the product myself, and sit with engineering, "
    "design, sales and support to learn how things work today. I'd also join ten or so customer calls.\n\n"
    "In the second month I'd audit the roadmap against the business goals and look for one or two quick wins, "
    "like a support issue we can fix in a sprint. By day 90 I'd present a plan with three priorities and the "
    "metrics we'd judge them by."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "serve.png")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("needs Debian's chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as data:
        # A session planned on one question, so the screenshot shows the same answer to the same question.
        store = SessionStore(Path(data))
        session = Session(
            id="readme-screenshot",
            role="digital-product-owner",
            options=SessionOptions(questions=1, follow_ups=0),
            plan=[QUESTION],
        )
        store.save(session)
        log = Path(data) / "serve.log"
        argv = [sys.executable, "-m", "interviewer", "serve", "--port", "0", "--no-browser", "--data-dir", data]
        with log.open("w") as out:
            server = subprocess.Popen(
                argv,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={"COLUMNS": "300", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            )
            try:
                url = _url(log, server)
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=chromium)
                    page = browser.new_page(viewport={"width": 900, "height": 1000}, device_scale_factor=1)
                    page.goto(url + "session/readme-screenshot")
                    page.get_by_label("Your answer").fill(ANSWER)
                    page.get_by_label("Your answer").press("Control+Enter")
                    page.get_by_role("heading", name="Key points").wait_for()
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=args.out, clip={"x": 0, "y": 0, "width": 900, "height": 1000})
                    browser.close()
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(10)
    print(f"wrote {args.out}")


def _url(log: Path, server: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        text = log.read_text()
        if "Serving the mock interview at " in text:
            return text.split("Serving the mock interview at ", 1)[1].split()[0]
        time.sleep(0.05)
    sys.exit("interviewer serve did not start:\n" + log.read_text())


if __name__ == "__main__":
    main()
