"""Rebuild interviewer/llm/data/o200k_base.tiktoken.gz without downloading from OpenAI at run time.

tiktoken fetches its encodings from openaipublic.blob.core.windows.net on first
use, which fails on air-gapped machines. The npm package js-tiktoken (MIT)
carries the same ranks in a compact form; this script turns them back into the
`.tiktoken` file and checks it against the SHA-256 that tiktoken itself pins
for o200k_base, so the result is byte-for-byte OpenAI's published file.

    cd "$(mktemp -d)" && npm pack js-tiktoken@1.0.21 && tar xzf js-tiktoken-1.0.21.tgz
    python tools/build_o200k.py package/dist/ranks/o200k_base.js
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

EXPECTED_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"  # tiktoken_ext.openai_public
OUT = Path(__file__).resolve().parent.parent / "interviewer" / "llm" / "data" / "o200k_base.tiktoken.gz"


def main(source: str) -> None:
    text = Path(source).read_text(encoding="utf-8")
    data = json.loads(text[text.index("{") : text.rindex("}") + 1])
    ranks: dict[str, int] = {}
    for line in data["bpe_ranks"].split("\n"):
        if not line:
            continue
        _, offset, *tokens = line.split(" ")
        for i, token in enumerate(tokens):
            ranks[token] = int(offset) + i
    body = "".join(f"{token} {rank}\n" for token, rank in sorted(ranks.items(), key=lambda kv: kv[1])).encode()
    digest = hashlib.sha256(body).hexdigest()
    if digest != EXPECTED_SHA256:
        sys.exit(f"hash mismatch: {digest} != {EXPECTED_SHA256}; refusing to write")
    OUT.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    print(f"wrote {OUT} ({len(ranks)} ranks, sha256 {digest} before gzip)")


if __name__ == "__main__":
    main(sys.argv[1])
