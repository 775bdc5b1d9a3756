"""`interviewer corpus ...`: validate the corpus and generate JSON Schemas."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ..exceptions import Problem

__all__ = ["corpus_app", "fail_with_problems"]

corpus_app = typer.Typer(
    help="Check the question corpus and rubrics, and generate their JSON Schemas.", no_args_is_help=True
)


def fail_with_problems(problems: Sequence[Problem], where: object) -> NoReturn:
    """Print every problem (file, line, field, fix) on stderr and exit with code 2."""
    err = Console(stderr=True, highlight=False)
    for problem in problems:
        err.print(f"[red]error:[/] {escape(str(problem))}", soft_wrap=True)
    err.print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {escape(str(where))}", soft_wrap=True)
    raise typer.Exit(2)


@corpus_app.command("check")
def check(
    path: Annotated[
        Path | None, typer.Argument(help="Folder holding corpus/ and rubrics/ (default: the bundled corpus).")
    ] = None,
) -> None:
    """Validate every corpus and rubric file and every cross-reference. Exit code 2 if anything is wrong."""
    from ..corpus import check_corpus

    corpus, problems = check_corpus(path)
    out = Console(highlight=False)
    if problems:
        fail_with_problems(problems, corpus.root)
    questions = sum(len(r.questions) for r in corpus.roles.values())
    rubrics = sum(len(r.rubrics) for r in corpus.roles.values())
    out.print(f"ok: {len(corpus.roles)} roles, {questions} questions, {rubrics} rubrics in {corpus.root}")
    for role in corpus.roles.values():
        out.print(f"  {role.id}: {len(role.questions)} questions, {len(role.role_rubric.competencies)} competencies")


@corpus_app.command("schema")
def schema(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the schemas to.")] = Path("schemas"),
    check_only: Annotated[bool, typer.Option("--check", help="Only check that the files are up to date.")] = False,
) -> None:
    """Write the JSON Schemas of every file kind (for editors), or check they are current."""
    from ..corpus._schema import stale_schemas, write_schemas

    console = Console(highlight=False)
    if check_only:
        stale = stale_schemas(out)
        if stale:
            Console(stderr=True).print(
                f"[red]error:[/] out of date in {out}: {', '.join(stale)}; run `interviewer corpus schema --out {out}`"
            )
            raise typer.Exit(1)
        console.print(f"ok: schemas in {out} match the models")
        return
    for path in write_schemas(out):
        console.print(f"wrote {path}")
