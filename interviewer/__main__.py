"""`python -m interviewer` runs the command-line interface."""

from .cli import main

main()
