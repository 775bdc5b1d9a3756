"""Freeze the hash of every prompt version in prompts/LOCK.json (existing entries must not change)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def main() -> None:
    lock_path = PROMPTS / "LOCK.json"
    lock = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    for path in sorted(PROMPTS.glob("*/v*.yaml")):
        ref = f"{path.parent.name}@{path.stem}"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if ref in lock and lock[ref] != digest:
            sys.exit(f"{ref} changed after it was locked; restore it and add a new version instead")
        lock[ref] = digest
    lock_path.write_text(json.dumps(dict(sorted(lock.items())), indent=2) + "\n")
    print(f"locked {len(lock)} prompt versions")


if __name__ == "__main__":
    main()
