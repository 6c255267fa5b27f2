"""What every notification channel is, and how its secrets are kept out of every log line."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

# urllib3 puts request paths (tokens included) in these loggers' messages, mostly at DEBUG.
_URLLIB3_LOGGERS_WITH_PATHS = (
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)


class DeliveryFailed(Exception):
    """Why a message did not get through, in words that hold no secret."""


class Channel(Protocol):
    kind: str  # the service, e.g. Discord, Telegram
    shown: str  # the URL as it may be printed: tokens masked

    def deliver(self, text: str, timeout: float) -> None:
        """Send one message or raise DeliveryFailed; timeout bounds each network wait, not the total."""


class _SecretScrubber(logging.Filter):
    def __init__(self):
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: set[str]) -> None:
        with self._lock:
            self._secrets |= secrets

    def scrub(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)  # a longer secret may hold a shorter one
        for secret in secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


_SCRUBBER = _SecretScrubber()


def hide_secrets(secrets: set[str]) -> None:
    """From now on, these strings show as *** in library logs and in scrub()."""
    _SCRUBBER.add({secret for secret in secrets if secret})
    for name in _URLLIB3_LOGGERS_WITH_PATHS:
        logging.getLogger(name).addFilter(_SCRUBBER)  # no-op if already there


def scrub(text: str) -> str:
    return _SCRUBBER.scrub(text)
