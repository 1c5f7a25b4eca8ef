"""The web app's pages: the HTML shell, built assets, the service worker and the web app manifest.

The app is built by ``npm run build`` in ``pwa/`` into ``pwa/dist`` (``Settings.pwa_dist``: ``ALONGSIDE_PWA_DIST``):
``asset-manifest.json`` names the hashed JS, CSS and icons that the shell references. Hashed assets
are cached for a year; the shell, ``/sw.js`` and the manifest are never cached by HTTP caches (the
service worker keeps its own versioned copy of the shell). A browser navigating to ``/`` gets the first screen
already drawn in the shell (``first_screen.py``). No page carries plan content: plans are decrypted only
inside the app.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from .first_screen import first_screen, wanted

TEMPLATES = Path(__file__).resolve().parent / "templates"
LONG_CACHE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"

# UI languages the shell can be rendered in: (code, direction, noscript message).
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("ltr", "Alongside needs JavaScript to run."),
    "cy": ("ltr", "Mae angen JavaScript ar Alongside i weithio."),
    "ar": ("rtl", "يحتاج Alongside إلى JavaScript ليعمل."),
}
NOT_BUILT = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Alongside</title>"
    "<p>The web app has not been built yet: run <code>make run</code> (or <code>npm run build</code> in pwa/).</p>"
)

_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=4)
def _manifest(path: Path, mtime: float) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def asset_manifest(dist: Path) -> dict[str, Any] | None:
    """The build's asset manifest, re-read when a new build replaces it; ``None`` before the first build."""
    path = dist / "asset-manifest.json"
    try:
        return _manifest(path, path.stat().st_mtime)
    except (OSError, ValueError):
        return None


def negotiate_language(accept_language: str | None) -> str:
    """The first of our UI languages the browser asks for (``en`` otherwise); the app may change it."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return "en"


async def shell(dist: Path, request: Request) -> Response:
    assets = asset_manifest(dist)
    if assets is None:
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
    lang = negotiate_language(request.headers.get("accept-language"))
    direction, noscript = LANGUAGES[lang]
    screen = wanted(request)
    first = first_screen(dist, assets, lang, screen) if screen else None
    html = _environment.get_template("index.html").render(
        lang=lang, dir=direction, title="Alongside", assets=assets, noscript=noscript, first_screen=first
    )
    headers = {"Cache-Control": NO_CACHE, "Vary": "Accept-Language, Accept-Encoding, Sec-Fetch-Mode"}
    if first is not None:
        headers["Content-Security-Policy"] = first.content_security_policy
    body = html.encode()
    if _accepts_gzip(request):
        # The first screen carries the app's styles: compressed, it stays one small answer on a slow line.
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="text/html", headers=headers)


# The build's compressed twins of a file, best first: brotli (about a fifth smaller than gzip on the app's
# scripts), then gzip. Each is sent only to a browser whose Accept-Encoding allows it.
TWINS = (("br", ".br"), ("gzip", ".gz"))


def _file(path: Path, media_type: str | None, cache: str, *, encodings: frozenset[str] = frozenset()) -> Response:
    """A built file; its compressed twin (written by the build) instead when the browser accepts that encoding."""
    if not path.is_file():
        raise HTTPException(404)
    guessed = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    twins = [(encoding, twin) for encoding, suffix in TWINS if (twin := path.with_name(path.name + suffix)).is_file()]
    if not twins:
        return FileResponse(path, media_type=guessed, headers={"Cache-Control": cache})
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    for encoding, twin in twins:
        if encoding in encodings:
            return FileResponse(twin, media_type=guessed, headers={**headers, "Content-Encoding": encoding})
    return FileResponse(path, media_type=guessed, headers=headers)


def _accepted_encodings(request: Request) -> frozenset[str]:
    """The encodings of :data:`TWINS` that ``Accept-Encoding`` allows (named, or ``*``, without ``q=0``)."""
    named: dict[str, bool] = {}
    for part in request.headers.get("accept-encoding", "").split(","):
        name, *params = (token.strip() for token in part.split(";"))
        refused = any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
        if name:
            named[name.lower()] = not refused
    wildcard = named.get("*", False)
    return frozenset(encoding for encoding, _ in TWINS if named.get(encoding, wildcard))


def _accepts_gzip(request: Request) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (``gzip`` or ``*`` without ``q=0``)."""
    return "gzip" in _accepted_encodings(request)


async def asset(dist: Path, request: Request) -> Response:
    root = (dist / "assets").resolve()
    name = str(request.path_params["path"])
    path = (root / name).resolve()
    if root not in path.parents:
        raise HTTPException(404)
    if name.endswith(tuple(suffix for _, suffix in TWINS)):
        raise HTTPException(404)
    media = "text/javascript; charset=utf-8" if name.endswith(".js") else None
    return _file(path, media, LONG_CACHE, encodings=_accepted_encodings(request))


async def service_worker(dist: Path, request: Request) -> Response:
    return _file(dist / "sw.js", "text/javascript; charset=utf-8", NO_CACHE)


async def web_manifest(dist: Path, request: Request) -> Response:
    return _file(dist / "manifest.webmanifest", "application/manifest+json", NO_CACHE)


async def neutral_web_manifest(dist: Path, request: Request) -> Response:
    """The manifest under the neutral name and icon ("Notes"), linked by the app when the person chooses it."""
    return _file(dist / "manifest-neutral.webmanifest", "application/manifest+json", NO_CACHE)


async def favicon(dist: Path, request: Request) -> Response:
    assets = asset_manifest(dist)
    if assets is None:
        raise HTTPException(404)
    return _file(dist / assets["icons"]["icon.svg"].lstrip("/"), "image/svg+xml", NO_CACHE)


def page_routes(dist: Path) -> list[Route]:
    """The app's pages, served from the build in ``dist``."""
    return [
        Route("/", partial(shell, dist), methods=["GET", "HEAD"]),
        Route("/join", partial(shell, dist), methods=["GET", "HEAD"]),
        Route("/assets/{path:path}", partial(asset, dist), methods=["GET", "HEAD"]),
        Route("/sw.js", partial(service_worker, dist), methods=["GET", "HEAD"]),
        Route("/manifest.webmanifest", partial(web_manifest, dist), methods=["GET", "HEAD"]),
        Route("/manifest-neutral.webmanifest", partial(neutral_web_manifest, dist), methods=["GET", "HEAD"]),
        Route("/favicon.ico", partial(favicon, dist), methods=["GET", "HEAD"]),
    ]
