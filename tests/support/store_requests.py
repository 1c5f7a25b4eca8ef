"""Counting the requests an app's CouchDB store sends (issue 19): tests and the request-count benchmark."""

from __future__ import annotations

from typing import Any


def count_store_requests(app: Any) -> list[str]:
    """From now on, each request the app's CouchDB store sends is appended to the returned list as
    ``"METHOD /path"`` (the query left out)."""
    sent: list[str] = []
    http = app.state.alongside.store._http
    request = http.request

    async def counted(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(f"{method} {path.split('?', 1)[0]}")
        return await request(method, path, *args, **kwargs)

    http.request = counted
    return sent
