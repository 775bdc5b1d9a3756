"""Serve the fake Batch API (`interviewer.testing.BatchServer`) on loopback, to try `eval run --batch` by hand.

    python tools/fake_batch_api.py --polls 3 --expire 5          # prints the base URL, serves until Ctrl+C
    interviewer eval run --grader llm --model judge --base-url URL --batch --out runs/try

Each batch ends after `--polls` status checks; replies come from `judge_everything()`.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from interviewer.testing import BatchFault, BatchServer, judge_everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=2, help="status checks before a batch ends")
    parser.add_argument("--expire", type=int, metavar="DONE", help="the first batch expires after DONE lines")
    parser.add_argument("--fail", action="store_true", help="the first batch fails validation")
    parser.add_argument(
        "--item-errors", type=int, nargs="*", metavar="LINE", help="these lines of the first batch fail"
    )
    parser.add_argument("--status", default="partial", help="what the judge says of every key point")
    parser.add_argument("--score", type=int, default=3)
    args = parser.parse_args()
    faults = []
    if args.fail:
        faults.append(BatchFault.fail("line 1: the model is not available for batches"))
    elif args.expire is not None:
        faults.append(BatchFault.expire(args.expire))
    elif args.item_errors:
        failing = {line: 500 if n % 2 else "error" for n, line in enumerate(args.item_errors)}
        faults.append(BatchFault.item_errors(failing))  # type: ignore[arg-type]
    server = BatchServer(judge_everything(status=args.status, score=args.score), faults=faults, polls=args.polls)
    with server:
        print(server.base_url, flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        print(
            f"batches created: {len(server.created)}, uploads: {server.uploads}, live chat requests: "
            f"{len(server.chat_requests)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
