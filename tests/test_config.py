"""The LLM config file: wrong shapes and wrong values are one line naming the file, the line, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from interviewer.cli import app
from interviewer.exceptions import ConfigError
from interviewer.llm import load_settings

runner = CliRunner()
FEEDBACK = ["feedback", "-r", "dpo", "-q", "dpo-define-role", "-a", "I talk to users and weigh impact against effort."]
PRACTICE = ["practice", "-r", "dpo", "-n", "1", "--answers", "/dev/null"]


def _one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("llm = 5\n", 1, "llm = 5: [llm] must be a table of settings"),
        ('llm = "abc"\n', 1, "llm = 'abc': [llm] must be a table of settings"),
        ("[llm]\nseed = 1\n\nprices = 3\n", 4, "invalid LLM setting 'prices' = 3: input should be a valid dictionary"),
        ("prices = 3\n", 1, "prices = 3: [prices] must be a table"),
        ('[[llm]]\nmodel = "m"\n', 1, "llm = [{'model': 'm'}]: [llm] must be a table of settings"),
        ('[prices]\n"gpt-x" = 3\n', 2, "invalid LLM setting 'prices.gpt-x' = 3"),
    ],
    ids=["llm-int", "llm-str", "prices-in-llm", "prices-int", "llm-array", "price-int"],
)
@pytest.mark.parametrize("command", [PRACTICE, FEEDBACK], ids=["practice", "feedback"])
def test_a_config_of_the_wrong_shape_is_one_line_and_exit_2(  # noqa: PLR0917 - pytest passes parameters so
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], text: str, line: int, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("INTERVIEWER_CONFIG", str(config))
    error = _one_error_line(runner.invoke(app, command))
    assert error.startswith(f"error: config file {config}:{line}: {expected}"), error


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        (
            '[llm]\nmodel = "m"\ntemperature = 9\n',
            3,
            "invalid LLM setting 'temperature' = 9: input should be less than or equal to 2; "
            "change it, or delete the line to use the default (0.0)",
        ),
        (
            'llm.model = "m"\nllm.structured_output = "yaml"\n',
            2,
            "invalid LLM setting 'structured_output' = 'yaml': input should be 'auto', 'json_schema' or 'json_object'",
        ),
        (
            '[llm]\nmodle = "m"\n',
            2,
            "unknown LLM setting 'modle' in [llm]: did you mean 'model'?",
        ),
        (
            '[llm]\nseed = 1\n[prices."gpt-x"]\ninput = 1.0\noutput = -2\n',
            5,
            "invalid LLM setting 'prices.gpt-x.output' = -2: input should be greater than or equal to 0",
        ),
        ('[prices."gpt-x"]\ninput = 1\n', 1, "LLM setting 'prices.gpt-x' has no 'output': add it"),
        ("[llm]\n[tools]\nx = 1\n", 2, "unknown section [tools]; use [llm] and [prices]"),
    ],
    ids=["out-of-range", "not-a-choice", "misspelt", "price", "price-missing", "unknown-section"],
)
def test_a_wrong_value_names_the_file_line_key_and_fix(tmp_path: Path, text: str, line: int, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={}, config_file=config)
    assert str(caught.value).startswith(f"config file {config}:{line}: {expected}"), caught.value


def test_a_wrong_value_from_a_flag_names_the_flag_not_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[llm]\nmodel = "m"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings({"max_tokens": 3}, env={}, config_file=config)
    message = str(caught.value)
    assert message.startswith("invalid LLM setting 'max_tokens' = 3 from the --max-tokens flag: "), message
    assert str(config) not in message


def test_a_bad_api_key_is_reported_without_its_value(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[llm]\napi_key = ["sk-secret-0123456789"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={}, config_file=config)
    assert str(caught.value).startswith(f"config file {config}:2: invalid LLM setting 'api_key' (value hidden): ")
    assert "sk-secret" not in str(caught.value)


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes('\ufeff[llm]\nmodel = "m"\n'.encode())
    assert load_settings({}, env={}, config_file=config).model == "m"
