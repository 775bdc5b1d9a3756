"""Headers on every response, and the refusal of cross-origin form posts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

__all__ = ["CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY", "cross_origin", "security_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
"""Nothing but this server: no CDN, no font, no analytics, no inline script or style."""

PERMISSIONS_POLICY = "microphone=(self), camera=(), geolocation=(), payment=(), usb=()"
"""The microphone for this page's record button (asked for only when it is pressed), nothing else."""

_SAFE = {"GET", "HEAD", "OPTIONS"}


def cross_origin(request: Request) -> bool:
    """True for a state-changing request that another site made the browser send."""
    if request.method in _SAFE:
        return False
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in {"same-origin", "none"}:
        return True
    origin = request.headers.get("origin")
    if origin is None:  # not a browser's cross-site form post (those carry an Origin); curl, TestClient
        return False
    host = request.headers.get("host", "")
    return origin == "null" or urlsplit(origin).netloc.lower() != host.lower()


_REFUSED = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title></head>
<body><h1>Refused</h1><p>This request came from another site, so it was refused. Open interviewer's own page
and try again from there.</p></body></html>"""


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Refuse cross-origin posts; add the CSP and friends to every response."""
    if cross_origin(request):
        response: Response = HTMLResponse(_REFUSED, status_code=403)
    else:
        response = await call_next(request)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes form posts say Origin: null
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
