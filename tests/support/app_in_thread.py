"""An ASGI app served by uvicorn on a loopback port in a thread of the test process (the test proxies use it)."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.types import ASGIApp


class AppInThread:
    """``AppInThread(app, port, "name").start()`` serves ``app`` on ``127.0.0.1:port`` until :meth:`stop`."""

    def __init__(self, app: ASGIApp, port: int, name: str) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=name, daemon=True)

    def start(self) -> None:
        """Start serving; returns once the server accepts connections (RuntimeError if it does not in 30 s)."""
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self._thread.name} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout=30)
