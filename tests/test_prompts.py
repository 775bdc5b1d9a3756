from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from interviewer.exceptions import ConfigError
from interviewer.prompts import load_prompt, prompt_versions

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ROOT / "prompts"


def test_released_prompt_versions_are_frozen() -> None:
    lock = json.loads((PROMPTS / "LOCK.json").read_text())
    files = {f"{p.parent.name}@{p.stem}": p for p in PROMPTS.glob("*/v*.yaml")}
    assert set(lock) == set(files), "add the new version to prompts/LOCK.json (make prompts-lock)"
    for ref, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == lock[ref], (
            f"{ref} changed after release; leave it as it was and add a new version instead"
        )


def test_every_prompt_loads_and_renders() -> None:
    for prompt_id in ("feedback", "follow-up", "summary"):
        template = load_prompt(prompt_id)
        assert template.ref == f"{prompt_id}@{prompt_versions(prompt_id)[-1]}"
        rendered = template.render(dict.fromkeys(template.variables, "X"))
        assert rendered.ref == template.ref and len(rendered.hash) == 16
        assert rendered.messages[0]["role"] == "system" and "{{" not in json.dumps(rendered.messages)


def test_feedback_prompt_is_cache_friendly() -> None:
    template = load_prompt("feedback@v1")
    assert template.messages[0].role == "system" and not template.messages[0].content.count("{{")
    assert template.messages[-1].content.rstrip().endswith("{{ answer }}")  # the answer comes last


def test_render_refuses_missing_or_unused_variables() -> None:
    template = load_prompt("summary@v1")
    with pytest.raises(ValueError, match="missing variables"):
        template.render({"role": "x"})
    with pytest.raises(ValueError, match="unused"):
        template.render({**dict.fromkeys(template.variables, "x"), "extra": "y"})


def test_unknown_prompt_or_version() -> None:
    with pytest.raises(ConfigError, match="unknown prompt 'nope'"):
        load_prompt("nope@v1")
    with pytest.raises(ConfigError, match="has no version 'v9'; it has v1"):
        load_prompt("feedback@v9")


def test_a_prompt_file_with_a_duplicate_key_or_an_anchor_is_refused(tmp_path: Path) -> None:
    # Prompt files went through yaml.safe_load: the later of two `description:` keys silently won.
    source = (ROOT / "prompts" / "follow-up" / "v1.yaml").read_text()
    folder = tmp_path / "follow-up"
    folder.mkdir()
    (folder / "v1.yaml").write_text(source + "\ndescription: a second description\n")
    with pytest.raises(ConfigError, match=r"v1\.yaml:\d+: duplicate key 'description'"):
        load_prompt("follow-up@v1", root=tmp_path)
    (folder / "v1.yaml").write_text(source.replace("description:", "description: &d", 1))
    with pytest.raises(ConfigError, match="anchor"):
        load_prompt("follow-up@v1", root=tmp_path)
