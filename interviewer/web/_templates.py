"""The Jinja2 environment (autoescape on, always) and one `render` for every page and fragment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..models import SCORE_ANCHORS

__all__ = ["is_htmx", "render"]

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # every template, whatever its name: user text is never trusted markup
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["band"] = lambda score: SCORE_ANCHORS[score].split(":")[0]
templates = Jinja2Templates(env=_env)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)
