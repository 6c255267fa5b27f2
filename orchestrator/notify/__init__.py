"""Notifications: the loop's events, told to Discord and to any Apprise URL, best effort.

The loop calls notify(event, **fields) and goes on at once: a background sender delivers, with
a total deadline per message, and the log says once when a channel fails (see sender.py).
Nothing heavy is imported here: config.py reads Event, and `--help` loads config.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

from .channel import Channel
from .events import Event, message
from .sender import Sender

_LOGGER = logging.getLogger(__name__)
SIMULATED_PREFIX = "[simulated] "


class Notifier:
    def __init__(
        self,
        channels: Sequence[Channel] | None,
        events: Collection[Event] | None = None,
        log: Callable[[str], object] | None = None,
        simulated: bool = False,
        target: str | None = None,
    ):
        self.channels = tuple(channels or ())
        # A rehearsal's messages must not pass for a real win (or failure) on a phone; with a
        # targets file, one channel may hear from several targets: each message names its own.
        self._prefix = (SIMULATED_PREFIX if simulated else "") + (f"[{target}] " if target else "")
        self._events = frozenset(events) if events else frozenset(Event)
        self._log = log or _LOGGER.warning
        self._sender = Sender(self.channels)
        self._unformatted: set[Event] = set()

    @classmethod
    def from_settings(
        cls, settings, log: Callable[[str], object] | None = None, *, simulated: bool, target: str | None = None
    ) -> Notifier:
        """simulated: the session's cloud is the simulated OCI (Cloud.simulated); target: the name
        of a targets file's target (targets.py)."""
        return cls(channels_for(settings), settings.notify_events, log, simulated, target)

    def notify(self, event: Event, **fields: Any) -> None:
        """Queue the event's message for every channel (unless NOTIFY_EVENTS leaves it out); never blocks."""
        self._log_notes()
        if not self.wants(event):
            return
        try:
            text = message(event, **fields)
        except Exception as error:  # noqa: BLE001 - a message we cannot word must not end the loop
            if event not in self._unformatted:
                self._log(f"could not word the {event} notification ({type(error).__name__}); not sent")
                self._unformatted.add(event)
            return
        self._sender.send(self._prefix + text)

    def wants(self, event: Event) -> bool:
        """Whether `event` reaches any channel (one is set, and NOTIFY_EVENTS keeps the event)."""
        return bool(self.channels) and event in self._events

    def test(self) -> list[tuple[str, str | None]]:
        """One test message to every channel, now: (masked URL, None or the error) for each."""
        return [
            (delivery.channel, delivery.error)
            for delivery in self._sender.deliver_now(self._prefix + message(Event.TEST))
        ]

    def close(self) -> None:
        """At exit: let queued messages go, waiting a bounded time, and log how deliveries went."""
        drained = self._sender.close()
        self._log_notes()
        if not drained:
            self._log("some notifications were still being sent at exit and were dropped")

    def _log_notes(self) -> None:
        # Written by the caller's thread (the loop's), so a note never cuts into the progress output.
        for note in self._sender.take_notes():
            self._log(note)


def channels_for(settings) -> list[Channel]:
    """Discord first (DISCORD_WEBHOOK_URL), then each NOTIFY_URLS entry; already checked by config."""
    channels: list[Channel] = []
    if settings.discord_webhook_url:
        from .discord import DiscordChannel

        channels.append(DiscordChannel(settings.discord_webhook_url))
    if settings.notify_urls:
        from .apprise_channel import AppriseChannel

        channels.extend(AppriseChannel(url) for url in settings.notify_urls)
    return channels
