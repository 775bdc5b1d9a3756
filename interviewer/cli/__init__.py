"""Command-line interface (typer); a thin layer over the library."""

from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `interviewer` command."""
    app()
