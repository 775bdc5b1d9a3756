"""The browser front end (`interviewer serve`): FastAPI routes and Jinja2 templates over the library.

Like the CLI, it parses requests, calls the engine and renders; it grades, scores and saves nothing itself.
"""

from ._app import create_app
from ._serve import serve
from ._state import WebSettings, WebState

__all__ = ["WebSettings", "WebState", "create_app", "serve"]
