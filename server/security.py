"""Security headers on every response: a strict CSP, no framing, no referrer, HSTS behind TLS; and
``Cache-Control: no-store`` on every ``/api`` and ``/sync`` answer (tokens, plan ids, ciphertext and member
lists are never kept by a browser's or a proxy's cache), errors and ``201``s included."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(), payment=()"),
]
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")
NO_STORE_PREFIXES = ("/api/", "/sync/")


def is_never_stored(path: str) -> bool:
    """Whether answers to ``path`` carry :data:`NO_STORE`: the JSON API and the sync endpoints."""
    return path.startswith(NO_STORE_PREFIXES) or path in ("/api", "/sync")


class SecurityHeadersMiddleware:
    """Adds :data:`HEADERS` to every HTTP response, HSTS when the request came over TLS, and
    :data:`NO_STORE` (in place of any other ``Cache-Control``) under ``/api`` and ``/sync``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"
        never_stored = is_never_stored(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if never_stored:
                    headers = [h for h in headers if h[0].lower() != NO_STORE[0]]
                present = {name.lower() for name, _ in headers}
                extra = [h for h in HEADERS if h[0] not in present]
                if tls:
                    extra.append(HSTS)
                if never_stored:
                    extra.append(NO_STORE)
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
