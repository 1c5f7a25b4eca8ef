"""What the app holds while it runs: opened in the lifespan, closed at shutdown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from alongside.sync.store import DocumentStore, Json

from .directory import Directory
from .keyed_locks import KeyedLocks
from .longpolls import Longpolls
from .ratelimit import FailureLimiter
from .settings import Settings


@dataclass(slots=True)
class AppState:
    settings: Settings
    store: DocumentStore
    directory: Directory
    validate_document: Callable[[Json], None]
    limiter: FailureLimiter
    longpolls: Longpolls
    plan_setups: KeyedLocks = field(default_factory=KeyedLocks)
