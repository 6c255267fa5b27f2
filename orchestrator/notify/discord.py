"""Discord webhooks (DISCORD_WEBHOOK_URL), posted with requests as the runbook always did.

The webhook URL is a secret (its last path segment is the token): it is only ever sent to
Discord, and shown redacted.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import requests

from .channel import DeliveryFailed, hide_secrets

_WEBHOOK_ID_PREFIX = re.compile(r"^.*?/webhooks/[^/]+/")
# Discord asks to wait after a 429; longer than this, the message is dropped instead.
MAX_RETRY_AFTER_SECONDS = 5.0


def redact_webhook(url: str) -> str:
    """At most scheme://host/api/webhooks/<id>/***: the token, query and credentials never show."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "***"
    if not parts.hostname:
        return "***"
    id_prefix = _WEBHOOK_ID_PREFIX.match(parts.path)
    return f"{parts.scheme}://{parts.hostname}{port}{id_prefix.group(0) if id_prefix else '/'}***"


class DiscordChannel:
    kind = "Discord"

    def __init__(self, webhook_url: str, *, max_retry_after: float = MAX_RETRY_AFTER_SECONDS):
        self._webhook_url = webhook_url
        self._max_retry_after = max_retry_after
        self.shown = redact_webhook(webhook_url)
        hide_secrets({urlsplit(webhook_url).path.rstrip("/").rpartition("/")[2]})

    def deliver(self, text: str, timeout: float) -> None:
        # No @everyone or role pings, whatever an instance name or error text contains.
        payload = {"content": text, "allowed_mentions": {"parse": []}}
        try:
            response = self._post(payload, timeout)
            if response.status_code == 429:
                retry_after = _retry_after_seconds(response)
                if retry_after is None or retry_after > self._max_retry_after:
                    raise DeliveryFailed("rate limited by Discord, message dropped")
                time.sleep(retry_after)
                response = self._post(payload, timeout)
        except requests.Timeout:
            raise DeliveryFailed(f"no answer within {timeout:g} s") from None
        except requests.ConnectionError:
            raise DeliveryFailed("could not connect") from None
        except requests.RequestException as error:  # str() may hold the URL
            raise DeliveryFailed(type(error).__name__) from None
        if not response.ok:
            raise DeliveryFailed(f"HTTP {response.status_code}")

    def _post(self, payload: dict, timeout: float) -> requests.Response:
        return requests.post(self._webhook_url, json=payload, timeout=timeout)


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Discord's JSON `retry_after` (seconds, float); None if absent or not a usable number."""
    try:
        seconds = float(response.json()["retry_after"])
    except (ValueError, KeyError, TypeError):
        return None
    return seconds if seconds >= 0 else None  # also rejects NaN
