"""Malformed data files through the commands that read them: one error line and exit code 2, never a traceback.

Every case is made from a committed, valid file by a seeded mutation (empty, truncated, binary
garbage, invalid UTF-8, a byte-order mark, NUL bytes, huge numbers, deep nesting, YAML tags,
aliases and duplicate keys, and a value of the wrong type at every level of the tree), so the
cases are the same on every run. Each kind of file also has a control case, the file as it is,
which must be accepted: it shows that the harness really reaches the file it mutates.
"""

from __future__ import annotations

import atexit
import copy
import json
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from interviewer.cli import app
from interviewer.graders import GradeRequest, OfflineGrader
from interviewer.models import Feedback

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "tests" / "fixtures" / "llama"
SEED = 11
runner = CliRunner()

QUESTION = "corpus/digital-product-owner/questions/dpo-define-role.yaml"
ROLE = "corpus/product-operations-manager/role.yaml"
RUBRIC = "rubrics/digital-product-owner/dpo-define-role.yaml"
COMPETENCIES = "rubrics/product-operations-manager/competencies.yaml"
DATASET = ROOT / "evals" / "golden" / "dpo-product-analytics.yaml"
ANSWER = (
    "I would agree the outcome with stakeholders first, then measure adoption and retention "
    "in the product analytics, and review the numbers with the team every sprint."
)
CONFIG = """\
[llm]
temperature = 0.2
seed = 3
max_tokens = 800
timeout = 30.0
max_attempts = 2
max_retry_seconds = 10.0
stream = false
structured_output = "json_object"
max_string_length = 200
max_answer_tokens = 900
extra_body = { cache_prompt = false }
prompts = { feedback = "v5" }

[prices."my-model"]
input = 0.5
output = 1.5
"""
WRONG_VALUES: tuple[Any, ...] = (
    None,
    0,
    -1,
    10**30,
    2.5,
    float("nan"),
    True,
    "",
    "x",
    "\u202e\u200b",
    [],
    [None],
    {},
    {"x": 1},
    [[[]]],
)
TOML_VALUES = (
    '"text"',
    "0",
    "-1",
    "99999999999999999999999999999",
    "1e999",
    "nan",
    "-inf",
    "true",
    '[1, "a"]',
    "{ a = 1 }",
    "1979-05-27T07:32:00Z",
    '""',
    "[[[[[]]]]]",
)


@dataclass(frozen=True)
class Case:
    """One mutated file: its name, its bytes, and whether the mutation may leave it valid."""

    name: str
    data: bytes
    may_be_valid: bool = False


# --- Mutations ------------------------------------------------------------------------------------


def _paths(data: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*at, index))


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(data)
    holder = out
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = copy.deepcopy(value)
    return out


def _wrong_types(
    data: Any,
    dump: Callable[[Any], bytes],
    rng: random.Random,
    count: int,
    skip: Callable[[tuple[Any, ...]], bool] = lambda path: False,
) -> list[Case]:
    """A value of another type at `count` paths, spread over every depth of the tree."""
    by_depth: dict[int, list[tuple[Any, ...]]] = {}
    for path in _paths(data):
        if not skip(path):
            by_depth.setdefault(len(path), []).append(path)
    depths = sorted(by_depth)
    cases = []
    for index in range(count):
        path = rng.choice(by_depth[depths[index % len(depths)]])
        current = data
        for part in path:
            current = current[part]
        value = rng.choice([v for v in WRONG_VALUES if type(v) is not type(current)])
        where = ".".join(str(p) for p in path) or "root"
        # Another type may still be valid: an optional field takes null, a number field takes 0 or 2.5.
        cases.append(Case(f"type-{index}-{where[-40:]}", dump(_replaced(data, path, value)), may_be_valid=True))
    return cases


def _bytes_mutations(raw: bytes, rng: random.Random) -> list[Case]:
    """Damage any text file could suffer."""
    cut = sorted(rng.sample(range(1, len(raw) - 1), 3))
    middle = rng.randrange(1, len(raw) - 1)
    return [
        Case("empty", b""),
        Case("blank", b"\n\n   \n"),
        *(Case(f"truncated-{n}", raw[:n], may_be_valid=True) for n in cut),  # a value cut short is still a value
        Case("garbage", rng.randbytes(300)),
        Case("invalid-utf8", raw[:middle] + b"\xc3\x28\xff" + raw[middle:]),
        Case("nul", raw[:middle] + b"\x00" + raw[middle:]),
        Case("utf16", raw.decode("utf-8").encode("utf-16")),
        Case("bom", b"\xef\xbb\xbf" + raw, may_be_valid=True),
        Case("crlf", raw.replace(b"\n", b"\r\n"), may_be_valid=True),
        Case("deep", b"[" * 20_000 + b"]" * 20_000),
        Case("huge-int", b"9" * 50_000),
    ]


def _yaml_mutations(raw: bytes, rng: random.Random, count: int) -> list[Case]:
    text = raw.decode("utf-8")
    lines = text.splitlines(keepends=True)
    top = [line for line in lines if line[:1].isalpha() and ":" in line]
    key = top[0].split(":", 1)[0]

    def dump(data: Any) -> bytes:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")

    return [
        *_bytes_mutations(raw, rng),
        Case("tag", f"{key}: !!python/object/apply:os.system ['echo pwned']\n".encode() + raw),
        Case(
            "alias-bomb",
            b"a: &a [x, x, x, x, x, x, x, x, x]\n"
            + b"".join(
                f"{n}: &{n} [{', '.join([f'*{o}'] * 9)}]\n".encode() for o, n in zip("abcdef", "bcdefg", strict=True)
            ),
        ),
        Case("alias", raw + f"again: *{key}\n".encode()),
        Case("duplicate-key", raw + top[rng.randrange(len(top))].encode()),
        Case("tab-indent", text.replace("\n  ", "\n\t", 1).encode()),
        Case("deep-yaml", f"{key}: ".encode() + b"[" * 5_000 + b"]" * 5_000 + b"\n"),
        Case("huge-number", text.replace(top[0], f"{key}: {'9' * 5_000}\n", 1).encode()),
        Case(
            "bad-date",
            f"{key}: 2024-13-45\n".encode() + "".join(row for row in lines if not row.startswith(key)).encode(),
        ),
        *_wrong_types(yaml.safe_load(text), dump, rng, count),
    ]


def _ignored_by_replay(path: tuple[Any, ...]) -> bool:
    """The recorded request body: replay finds a recording by its key, so what the body holds is never read."""
    return len(path) > 2 and path[:2] == ("request", "body")


def _json_mutations(raw: bytes, rng: random.Random, count: int) -> list[Case]:
    data = json.loads(raw)

    def dump(value: Any) -> bytes:
        return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")

    return [
        *_bytes_mutations(raw, rng),
        Case("not-an-object", b"[1, 2, 3]"),
        Case("huge-number", raw.replace(b": ", b": " + b"9" * 5_000 + b', "x": ', 1)),
        Case("nan", raw.replace(b": ", b': NaN, "y": ', 1), may_be_valid=True),  # a recording ignores its version
        *_wrong_types(data, dump, rng, count, skip=_ignored_by_replay),
    ]


def _toml_mutations(raw: bytes, rng: random.Random, count: int) -> list[Case]:
    text = raw.decode("utf-8")
    lines = text.splitlines(keepends=True)
    settings = [i for i, line in enumerate(lines) if " = " in line]
    cases = [
        *(
            replace(case, may_be_valid=True) if case.name in {"empty", "blank"} else case
            for case in _bytes_mutations(raw, rng)
        ),
        Case("llm-int", text.replace("[llm]\n", "llm = 5\n[x]\n").encode()),
        Case("llm-str", b'llm = "abc"\n'),
        Case("llm-array", text.replace("[llm]", "[[llm]]").encode()),
        Case("prices-int", b"prices = 3\n"),
        Case("price-int", b'[prices]\n"my-model" = 3\n'),
        Case("unknown-section", raw + b"[tools]\nx = 1\n"),
        Case("unknown-key", text.replace("seed", "sed").encode()),
        Case("duplicate-key", text.replace("seed = 3\n", "seed = 3\nseed = 4\n").encode()),
    ]
    for index in range(count):
        i = rng.choice(settings)
        key = lines[i].split(" = ", 1)[0]
        value = rng.choice(TOML_VALUES)
        changed = [*lines[:i], f"{key} = {value}\n", *lines[i + 1 :]]
        cases.append(Case(f"value-{index}-{key}", "".join(changed).encode(), may_be_valid=True))
    return cases


# --- The commands that read each kind of file -------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one command did with the mutated file."""

    args: list[str]
    result: Result


def _invoke(args: list[str], **kwargs: Any) -> Outcome:
    return Outcome(args, runner.invoke(app, args, **kwargs))


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(ROOT / "corpus", root / "corpus")
    shutil.copytree(ROOT / "rubrics", root / "rubrics")
    return root


def _recording_of_the_strong_answer() -> Path:
    answer = (RECORDINGS / "answers" / "dpo-prioritise-urgent-strong.txt").read_text().strip()
    for path in sorted(RECORDINGS.glob("*.json")):
        if answer[:60] in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError("no recording of the strong answer to dpo-prioritise-urgent")


RECORDING = _recording_of_the_strong_answer()
FEEDBACK_REPLAY = [
    "feedback",
    "-r",
    "dpo",
    "-q",
    "dpo-prioritise-urgent",
    "--answer-file",
    str(RECORDINGS / "answers" / "dpo-prioritise-urgent-strong.txt"),
    "--json",
    "--config",
    str(RECORDINGS / "config.toml"),
    "--no-fallback",
]


def _session_file(home: Path) -> Path:
    """A real session: one answer graded offline, one question still to come."""
    answers = home.parent / "answers.txt"
    answers.write_text(f"{ANSWER}\n\n")
    args = ["practice", "-r", "dpo", "-n", "2", "--seed", "1", "--follow-ups", "0", "--answers", str(answers)]
    result = runner.invoke(app, [*args, "--data-dir", str(home)], env=dict.fromkeys(_LLM_ENV))
    assert result.exit_code == 0, result.output
    [path] = (home / "sessions").glob("*.json")
    return path


_LLM_ENV = ("INTERVIEWER_CONFIG", "INTERVIEWER_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY")
_SESSION_DIR = tempfile.mkdtemp(prefix="interviewer-fuzz-")
atexit.register(shutil.rmtree, _SESSION_DIR, ignore_errors=True)
SESSION = _session_file(Path(_SESSION_DIR) / "home")


@pytest.fixture(scope="module")
def control_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An offline run on the unmutated dataset, for `eval report RUN -d MUTATED`."""
    folder = tmp_path_factory.mktemp("control") / "run"
    result = runner.invoke(app, ["eval", "run", "-d", str(DATASET), "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _run_corpus(case: Case, file: str, data_copy: Path) -> list[Outcome]:
    target = data_copy / file
    original = target.read_bytes()
    target.write_bytes(case.data)
    try:
        return [_invoke(["corpus", "check", str(data_copy)])]
    finally:
        target.write_bytes(original)


def _run_dataset(case: Case, tmp_path: Path, control_run: Path) -> list[Outcome]:
    dataset = tmp_path / "dataset.yaml"
    dataset.write_bytes(case.data)
    outcomes = [_invoke(["eval", "check", "-d", str(dataset)])]
    if outcomes[0].result.exit_code != 0:  # a dataset still valid would only be graded: slow, and not the point
        outcomes.append(_invoke(["eval", "run", "-d", str(dataset), "--out", str(tmp_path / "run")]))
    if outcomes[0].result.exit_code != 0 or case.name == "control":
        outcomes.append(_invoke(["eval", "report", str(control_run), "-d", str(dataset)]))
    return outcomes


def _run_config(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Outcome]:
    config = tmp_path / "config.toml"
    config.write_bytes(case.data)
    monkeypatch.setenv("INTERVIEWER_CONFIG", str(config))
    return [
        _invoke(["practice", "-r", "dpo", "-n", "1", "--answers", "/dev/null"]),
        _invoke(["feedback", "-r", "dpo", "-q", "dpo-define-role", "-a", ANSWER]),
    ]


def _run_session(case: Case, home: Path) -> list[Outcome]:
    target = home / "sessions" / SESSION.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(case.data)
    session_id = SESSION.stem
    return [
        _invoke(["report", session_id]),
        _invoke(["resume", session_id, "--answers", "/dev/null"]),
        _invoke(["sessions"]),
    ]


def _run_recording(case: Case, tmp_path: Path) -> list[Outcome]:
    folder = tmp_path / "recordings"
    folder.mkdir()
    (folder / RECORDING.name).write_bytes(case.data)
    return [_invoke([*FEEDBACK_REPLAY, "--replay", str(folder)])]


# --- The cases ----------------------------------------------------------------------------------------


def _yaml_wrong_types(raw: bytes, rng: random.Random, count: int) -> list[Case]:
    """Only values of the wrong type: the file is parsed as the question and rubric files are, checked differently."""

    def dump(data: Any) -> bytes:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")

    return _wrong_types(yaml.safe_load(raw), dump, rng, count)


def _cases(
    kind: str, raw: bytes, mutate: Callable[[bytes, random.Random, int], list[Case]], count: int = 14
) -> list[Case]:
    return [Case("control", raw, may_be_valid=True), *mutate(raw, random.Random(f"{SEED}-{kind}"), count)]


KINDS: dict[str, list[Case]] = {
    "question": _cases("question", (ROOT / QUESTION).read_bytes(), _yaml_mutations),
    "role": _cases("role", (ROOT / ROLE).read_bytes(), _yaml_wrong_types, 10),
    "rubric": _cases("rubric", (ROOT / RUBRIC).read_bytes(), _yaml_mutations),
    "competencies": _cases("competencies", (ROOT / COMPETENCIES).read_bytes(), _yaml_wrong_types, 10),
    "dataset": _cases("dataset", DATASET.read_bytes(), _yaml_mutations),
    "config": _cases("config", CONFIG.encode(), _toml_mutations),
    "recording": _cases("recording", RECORDING.read_bytes(), _json_mutations),
    "session": _cases("session", SESSION.read_bytes(), _json_mutations),
}

XFAIL: dict[str, str] = {}
"""Known crashes, by case id (`reason`: the exact crash); empty since the recording store checks shapes."""


def _params() -> Iterator[Any]:
    for kind, cases in KINDS.items():
        for case in cases:
            case_id = f"{kind}-{case.name}"
            marks = [pytest.mark.xfail(strict=True, reason=XFAIL[case_id])] if case_id in XFAIL else []
            yield pytest.param(kind, case, id=case_id, marks=marks)


def _snapshot() -> dict[str, tuple[int, int]]:
    """Size and mtime of every file the commands could write to in the repository."""
    found = {}
    for folder in ("corpus", "rubrics", "evals", "prompts", "schemas", "tests/fixtures"):
        for path in (ROOT / folder).rglob("*"):
            stat = path.stat()
            found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    for path in ROOT.iterdir():
        found[str(path)] = (0, 0)
    return found


_BASELINES: dict[tuple[str, str], Feedback] = {}


@pytest.fixture(autouse=True)
def same_answer_same_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grade each answer offline once (0.4 s of embedding): the files under test are read after that grading."""
    grade = OfflineGrader.grade

    def remembered(self: OfflineGrader, request: GradeRequest) -> Feedback:
        key = (request.question.id, request.answer)
        if request.follow_ups:
            return grade(self, request)
        if key not in _BASELINES:
            _BASELINES[key] = grade(self, request)
        return _BASELINES[key]

    monkeypatch.setattr(OfflineGrader, "grade", remembered)


@pytest.fixture(scope="module")
def untouched() -> Iterator[dict[str, tuple[int, int]]]:
    before = _snapshot()
    yield before
    assert _snapshot() == before


def _check(kind: str, case: Case, outcome: Outcome) -> None:
    result = outcome.result
    where = f"{' '.join(outcome.args[:3])}: {result.output[-2000:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{where}\n{result.exception!r}"
    assert "Traceback" not in result.output, where
    if outcome.args[0] == "sessions":  # the listing shows an unreadable file as a row, and carries on
        assert result.exit_code == 0, where
        return
    if result.exit_code == 0:
        assert case.may_be_valid, f"accepted a file that cannot be valid: {where}"
        return
    if kind == "recording" and result.exit_code == 3:  # a well-formed recording of a reply that makes no sense
        assert result.stderr.startswith("model failed: ") and result.stderr.count("\n") == 1, where
        return
    assert result.exit_code == 2, where
    lines = result.stderr.rstrip("\n").splitlines()
    assert lines, where
    *problems, last = lines
    if outcome.args[:2] in (["corpus", "check"], ["eval", "check"]):  # these list every problem, then a count
        assert " problem" in last, where
    else:
        problems.append(last)
    assert all(line.startswith("error: ") for line in problems), where
    assert not any(char in result.output for char in "╭│╰"), where


@pytest.mark.parametrize(("kind", "case"), list(_params()))
def test_malformed_files_are_one_error_line_and_exit_2(  # noqa: PLR0917 - pytest passes fixtures so
    kind: str,
    case: Case,
    data_copy: Path,
    control_run: Path,
    isolated_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    untouched: dict[str, tuple[int, int]],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in _LLM_ENV:
        monkeypatch.delenv(name, raising=False)
    files = {"question": QUESTION, "role": ROLE, "rubric": RUBRIC, "competencies": COMPETENCIES}
    if kind in files:
        outcomes = _run_corpus(case, files[kind], data_copy)
    elif kind == "dataset":
        outcomes = _run_dataset(case, tmp_path, control_run)
    elif kind == "config":
        outcomes = _run_config(case, tmp_path, monkeypatch)
    elif kind == "recording":
        outcomes = _run_recording(case, tmp_path)
    else:
        outcomes = _run_session(case, isolated_home)
    for outcome in outcomes:
        _check(kind, case, outcome)
    if case.name == "control":
        assert all(o.result.exit_code == 0 for o in outcomes), [o.result.output[-500:] for o in outcomes]
