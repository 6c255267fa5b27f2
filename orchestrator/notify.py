"""Discord webhook notifications: best effort, never slowing or breaking the retry loop.

The webhook URL is a secret (its last path segment is the token): it is only ever sent to
Discord, and shown redacted.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

import requests

from .humanize import duration

DISCORD_CONTENT_LIMIT = 2000
STOP_MESSAGE_LIMIT = 1500
_LOGGER = logging.getLogger(__name__)
_WEBHOOK_ID_PREFIX = re.compile(r"^.*?/webhooks/[^/]+/")
_WEBHOOK_TOKEN_IN_TEXT = re.compile(r"(/webhooks/[^/\s]+/)[^/\s?#'\"]+")
# urllib3 puts the request path, token included, in these loggers' messages (mostly DEBUG).
_URLLIB3_LOGGERS_WITH_PATHS = (
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)


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


class _RedactWebhookTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _WEBHOOK_TOKEN_IN_TEXT.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT_WEBHOOK_TOKENS = _RedactWebhookTokens()


class Notifier:
    """One method per loop event; each posts one message, or does nothing without a URL.

    No method raises or waits longer than about timeout (twice, plus max_retry_after on a 429).
    A failing webhook is logged once per outage and tried again at the next event.
    Each method returns whether Discord accepted the message.
    """

    def __init__(
        self,
        webhook_url: str | None,
        *,
        timeout: float = 5.0,
        max_retry_after: float = 5.0,
        log: Callable[[str], object] | None = None,
    ):
        self._webhook_url = webhook_url or None
        self._timeout = timeout
        self._max_retry_after = max_retry_after
        self._log = log or _LOGGER.warning
        self._outage_logged = False
        if self._webhook_url:
            for name in _URLLIB3_LOGGERS_WITH_PATHS:
                logging.getLogger(name).addFilter(_REDACT_WEBHOOK_TOKENS)  # no-op if already there

    def started(self, instance_name: str, ads: Iterable[str], sizes: Iterable[tuple[float, float]]) -> bool:
        """sizes: (ocpus, memory_gbs) pairs, in the order they are tried."""
        return self._notify(
            lambda: f"🚀 **coinpilot-tf started** for `{instance_name}`\n"
            f"ADs: {', '.join(ads)}\n"
            f"Sizes: {', '.join(_shape(ocpus, memory_gbs) for ocpus, memory_gbs in sizes)}"
        )

    def progress(self, attempts: int, counts_per_category: Mapping[str, int], elapsed_seconds: float) -> bool:
        def content() -> str:
            counts = sorted(counts_per_category.items(), key=lambda item: -item[1])
            return f"⏳ Still trying: **{_attempts(attempts)}** in {duration(elapsed_seconds)}\n" + " · ".join(
                f"{category} {count}" for category, count in counts
            )

        return self._notify(content)

    def category_changed(self, old: str, new: str, wait_seconds: float) -> bool:
        return self._notify(lambda: f"🔀 **{old} → {new}**: next attempt in {duration(wait_seconds)}")

    def succeeded(
        self,
        instance_id: str,
        public_ip: str | None,
        availability_domain: str,
        ocpus: float,
        memory_gbs: float,
        ssh_command: str | None,
    ) -> bool:
        def content() -> str:
            lines = [
                "✅ **Instance created!**",
                f"ID: `{instance_id}`",
                f"IP: `{public_ip}`" if public_ip else "IP: none (no public IP)",
                f"AD: `{availability_domain}`",
                f"Shape: {_shape(ocpus, memory_gbs)}",
            ]
            if ssh_command:
                lines.append(f"SSH: `{ssh_command}`")
            return "\n".join(lines)

        return self._notify(content)

    def growing(self, instance_name: str, current: tuple[float, float], wanted: tuple[float, float]) -> bool:
        return self._notify(lambda: f"📈 **coinpilot-tf grow** for `{instance_name}`: {_shape(*current)} → "
                                    f"{_shape(*wanted)} (the instance reboots when it succeeds)")

    def grown(self, instance_id: str, ocpus: float, memory_gbs: float, attempts: int) -> bool:
        return self._notify(lambda: f"✅ **Instance resized** to {_shape(ocpus, memory_gbs)} after "
                                    f"{_attempts(attempts)}\nID: `{instance_id}`")

    def starting(self, instance_id: str, lifecycle_state: str) -> bool:
        return self._notify(lambda: f"⏸️ **Instance {lifecycle_state}**: stopped by OCI or a user; starting it\n"
                                    f"ID: `{instance_id}`")

    def started_instance(self, instance_id: str, public_ip: str | None, attempts: int) -> bool:
        return self._notify(lambda: f"✅ **Instance started** after {_attempts(attempts)}\nID: `{instance_id}`\n"
                                    + (f"IP: `{public_ip}`" if public_ip else "IP: none (no public IP)"))

    def instance_lost(self, instance_id: str, lifecycle_state: str) -> bool:
        return self._notify(lambda: f"⚠️ **Instance {lifecycle_state}**: terminated by OCI or a user; launching a "
                                    f"new one\nWas: `{instance_id}`")

    def stopped(self, category: str, message: str) -> bool:
        """A failure retrying cannot fix."""
        def content() -> str:
            # A ``` in the message would end the code block early.
            shown = _clip(message.replace("```", "'''"), STOP_MESSAGE_LIMIT)
            return f"🛑 **Stopped: {category}**. Retrying cannot fix this:\n```\n{shown}\n```"

        return self._notify(content)

    def gave_up(self, attempts: int, reason: str) -> bool:
        return self._notify(lambda: f"🏳️ **Gave up** after {_attempts(attempts)}: {reason}")

    def interrupted(self, attempts: int) -> bool:
        return self._notify(lambda: f"⏹️ **Interrupted** after {_attempts(attempts)}.")

    def test(self) -> bool:
        return self._notify(lambda: "🔔 coinpilot-tf test message: Discord notifications work.")

    def _notify(self, build_content: Callable[[], str]) -> bool:
        if self._webhook_url is None:
            return False
        try:
            failure = self._post(
                # No @everyone or role pings, whatever an instance name or error text contains.
                {"content": _clip(build_content(), DISCORD_CONTENT_LIMIT), "allowed_mentions": {"parse": []}}
            )
        except requests.Timeout:
            failure = f"no answer within {self._timeout:g} s"
        except requests.ConnectionError:
            failure = "could not connect"
        except Exception as error:  # a notification must never break the loop; str() may hold the URL
            failure = type(error).__name__
        if failure is None:
            if self._outage_logged:
                self._log("Discord notifications are delivered again.")
            self._outage_logged = False
            return True
        if not self._outage_logged:
            self._log(
                f"Discord notification to {redact_webhook(self._webhook_url)} failed ({failure}); "
                "it is tried again at each event, and not logged again until one gets through."
            )
            self._outage_logged = True
        return False

    def _post(self, payload: dict) -> str | None:
        """None once Discord accepts the payload, else why not."""
        response = requests.post(self._webhook_url, json=payload, timeout=self._timeout)
        if response.status_code == 429:
            retry_after = _retry_after_seconds(response)
            if retry_after is None or retry_after > self._max_retry_after:
                return "rate limited by Discord, message dropped"
            time.sleep(retry_after)
            response = requests.post(self._webhook_url, json=payload, timeout=self._timeout)
        return None if response.ok else f"HTTP {response.status_code}"


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Discord's JSON `retry_after` (seconds, float); None if absent or not a usable number."""
    try:
        seconds = float(response.json()["retry_after"])
    except (ValueError, KeyError, TypeError):
        return None
    return seconds if seconds >= 0 else None  # also rejects NaN


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _shape(ocpus: float, memory_gbs: float) -> str:
    return f"{ocpus:g} OCPU / {memory_gbs:g} GB"
