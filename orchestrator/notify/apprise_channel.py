"""Every other service (Telegram, ntfy, Slack, e-mail, ...) through Apprise URLs (NOTIFY_URLS).

apprise is imported only here, and only when such a URL is configured: `--help` never pays for it.
Its URLs carry tokens: they are shown only in Apprise's privacy form, and its log lines (which
may quote a URL) never reach the terminal; a failure is reported in words scrubbed of the URL's parts.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from urllib.parse import unquote

from .channel import DeliveryFailed, hide_secrets, scrub
from .events import plain_text

TITLE = "coinpilot-tf"
_URL_PARTS = re.compile(r"[/:@?&=#,;+\s]+")
_SECRET_MIN_LENGTH = 4  # shorter parts (ports, "x", "www") would only mangle the messages
_REASON_LIMIT = 200
# Apprise spaces one service's messages by up to 5.5 s. The loop's messages come minutes apart but
# for bursts of two or three (category change, progress, success): a longer spacing would make
# the later ones miss their delivery deadline.
MAX_SPACING_SECONDS = 1.0


class _WarningsPerThread(logging.Handler):
    """Apprise's warnings about the delivery running in the calling thread (several run at once)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self._messages: dict[int, list[str]] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self._messages.setdefault(record.thread, []).append(record.getMessage())

    def take(self) -> list[str]:
        with self._guard:
            return self._messages.pop(threading.get_ident(), [])


_WARNINGS = _WarningsPerThread()


@functools.cache
def _apprise():
    """The apprise module, its logger kept off the terminal (it quotes unparseable URLs whole)."""
    logger = logging.getLogger("apprise")
    logger.propagate = False
    logger.addHandler(_WARNINGS)
    import apprise

    return apprise


class BadNotifyUrl(ValueError):
    """Why a URL cannot be used; str() holds only the masked URL."""


def _masked(url: str) -> str:
    """The scheme and nothing else: for a URL Apprise could not read, whose parts may all be secret."""
    scheme, found, _ = url.partition("://")
    return f"{scheme}://***" if found and scheme.isalnum() else "***"


class AppriseChannel:
    def __init__(self, url: str):
        apprise = _apprise()
        plugin = apprise.Apprise.instantiate(url)
        _WARNINGS.take()  # what it said about a bad URL quotes the URL
        if plugin is None:
            raise BadNotifyUrl(_why_not(url))
        # Its privacy form without the query: the options there are long, and mostly defaults.
        self.shown = plugin.url(privacy=True).partition("?")[0]
        self.kind = str(plugin.service_name)
        hide_secrets(_secret_parts(url, self.shown))
        plugin.request_rate_per_sec = min(plugin.request_rate_per_sec, MAX_SPACING_SECONDS)
        self._plugin = plugin
        self._apprise = apprise

    def deliver(self, text: str, timeout: float) -> None:
        self._plugin.socket_connect_timeout = timeout
        self._plugin.socket_read_timeout = timeout
        _WARNINGS.take()
        try:
            delivered = self._plugin.notify(
                body=plain_text(text),
                title=TITLE,
                notify_type=self._apprise.NotifyType.INFO,
            )
        except Exception as error:  # noqa: BLE001 - a plugin's own bug must not end the sender; str() may hold the URL
            raise DeliveryFailed(type(error).__name__) from None
        warnings = _WARNINGS.take()
        if not delivered:
            reason = scrub(warnings[-1]) if warnings else "not delivered"
            raise DeliveryFailed(reason[:_REASON_LIMIT])


def _why_not(url: str) -> str:
    from apprise.manager_plugins import NotificationManager

    scheme, found, _ = url.partition("://")
    if not found:
        return f"{_masked(url)} is not an Apprise URL (service://...)"
    if scheme.lower() not in NotificationManager():
        return f"{_masked(url)}: Apprise knows no service {scheme!r}"
    return f"{_masked(url)} is not a valid {scheme.lower()}:// URL (see its page in the Apprise wiki)"


def _secret_parts(url: str, shown: str) -> set[str]:
    """The parts of the URL that its privacy form hides: tokens, passwords, keys."""
    parts = set()
    for part in _URL_PARTS.split(url.partition("://")[2]):
        for form in (part, unquote(part)):
            if len(form) >= _SECRET_MIN_LENGTH and form not in shown:
                parts.add(form)
    return parts
