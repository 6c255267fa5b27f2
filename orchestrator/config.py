"""Settings: the runbook's environment names (exported, or from --env-file), a TOML file, and flags.

Precedence: flag > environment > config file > default. The config file is --config's, else
default_config_file() if it exists; --env-file's lines count as exported (session.py). Every value is
checked before anything runs; a bad one raises UsageError naming the
environment variable and the fix.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import io
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .authorized_keys import parse_file as parse_authorized_keys_file
from .backends import BACKENDS, LOCAL, check_backend_config, parse_backend, parse_backend_config
from .errors import UsageError
from .size import Size, plain_number

SHAPE = "VM.Standard.A1.Flex"
FREE_OCPUS = 2
FREE_MEMORY_GBS = 12
# What VM.Standard.A1.Flex accepts (OCI "Compute Shapes" and Data Science "Supported Compute Shapes":
# 1-80 OCPUs, 1 to 64 GB per OCPU, 512 GB in all). 6 GB per OCPU is only the console's default
# ratio, so 1 OCPU with 7 GB is a valid size.
A1_MAX_OCPUS = 80
A1_MAX_MEMORY_GBS = 512
A1_MEMORY_PER_OCPU = (1, 64)

_OCID = re.compile(r"^ocid1\.([a-z0-9]+)\.(oc[0-9]+)\.([a-z0-9-]*)(\.[a-z0-9-]+)?\.([a-z0-9]{20,})$")
_AD = re.compile(r"^[A-Za-z0-9]{4}:[A-Za-z0-9-]+-AD-[1-9]$")
_INSTANCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_PROFILE = re.compile(r"^[A-Za-z0-9._-]+$")
# Discord's webhook hosts; plain http is accepted only on loopback, for a local relay.
_WEBHOOK = re.compile(
    r"^(https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com"
    r"|http://(?:127\.0\.0\.1|localhost)(?::[0-9]+)?)"
    r"/api/webhooks/[0-9]+/[A-Za-z0-9_-]+/?$"
)


# ---- parsers: text (env, file, flag) -> value, UsageError on bad text -------------

Parser = Callable[[str, Any], Any]


@dataclasses.dataclass(frozen=True)
class Expects:
    """What a parser reads, as --help shows it and the shell completes it (commands/options.py)."""

    kind: type = str  # int, float, bool, Path or str
    metavar: str = ""  # for text: what to type, e.g. OCID
    choices: tuple[str, ...] = ()


def _reads(expects: Expects) -> Callable[[Parser], Parser]:
    """Marks a parser with what it reads, so that the flag's type is derived from the parser."""

    def mark(parse: Parser) -> Parser:
        @functools.wraps(parse)
        def marked(name: str, raw: Any) -> Any:
            return parse(name, raw)

        marked.expects = expects  # type: ignore[attr-defined]
        return marked

    return mark


def _ocid(*types: str) -> Callable[[str, Any], str]:
    def parse(name: str, raw: Any) -> str:
        text = str(raw).strip()
        match = _OCID.match(text)
        if not match:
            raise UsageError(
                name, f"not a well-formed OCID (expected ocid1.{types[0]}.oc1...); copy it from the OCI console"
            )
        if match.group(1) not in types:
            wanted = " or ".join(types)
            raise UsageError(name, f"is a {match.group(1)} OCID, expected a {wanted} OCID")
        return text

    return _reads(Expects(metavar="OCID"))(parse)


def _integer(minimum: int, maximum: int | None = None, bound: str = "") -> Callable[[str, Any], int]:
    """A whole number in minimum..maximum; `bound` says what the maximum is, for the message."""

    def parse(name: str, raw: Any) -> int:
        text = str(raw).strip()
        try:
            if not text.isascii():  # int() reads other scripts' digits too ("٣" is 3)
                raise ValueError(text)
            value = int(text)
        except ValueError:
            raise UsageError(name, f"must be a whole number, got {str(raw)!r}") from None
        if value < minimum:
            raise UsageError(name, f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise UsageError(name, f"must be at most {maximum}{bound}, got {value}")
        return value

    return _reads(Expects(int))(parse)


# The longest wait any setting may ask for: beyond it, a typo (and a sleep the OS cannot do).
MAX_WAIT_SECONDS = 7 * 24 * 3600
_seconds = _integer(0, MAX_WAIT_SECONDS, " (a week)")
# The largest boot volume OCI creates, in GB.
MAX_BOOT_VOLUME_GBS = 32768


@_reads(Expects(float))
def _number(name: str, raw: Any) -> float:
    try:
        text = str(raw).strip()
        if not text.isascii():  # float() reads other scripts' digits too
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise UsageError(name, f"must be a number, got {str(raw)!r}") from None
    if not value > 0:
        raise UsageError(name, f"must be positive, got {raw}")
    return plain_number(value)


@_reads(Expects(bool))
def _boolean(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(name, f"must be true or false, got {raw!r}")


def _text(pattern: re.Pattern[str], hint: str, metavar: str) -> Callable[[str, Any], str]:
    def parse(name: str, raw: Any) -> str:
        text = str(raw).strip()
        if not pattern.match(text):
            raise UsageError(name, hint)
        return text

    return _reads(Expects(metavar=metavar))(parse)


@_reads(Expects(metavar="AD"))
def _availability_domains(name: str, raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    names = tuple(str(item).strip() for item in items if str(item).strip())
    if not names:
        raise UsageError(name, "is empty; set an availability domain name such as kIdk:US-ASHBURN-AD-1, or 'all'")
    if names == ("all",):
        return names
    for ad in names:
        if not _AD.match(ad):
            raise UsageError(name, f"{ad!r} is not an availability domain name (like kIdk:US-ASHBURN-AD-1), nor 'all'")
    return names


@_reads(Expects(metavar="URL"))
def _webhook(name: str, raw: Any) -> str:
    text = str(raw).strip()
    if not _WEBHOOK.match(text):
        # The value is a secret: never echo it back.
        raise UsageError(
            name,
            "must be an https://discord.com/api/webhooks/<id>/<token> URL (Server Settings > Integrations > Webhooks)",
        )
    return text


def _items(raw: Any) -> list[str]:
    """A list from a flag or TOML array, or from text separated by commas or whitespace."""
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[\s,]+", str(raw))
    return [str(item).strip() for item in items if str(item).strip()]


@_reads(Expects(metavar="URL"))
def _notify_urls(name: str, raw: Any) -> tuple[str, ...]:
    from .notify.apprise_channel import AppriseChannel, BadNotifyUrl

    urls = tuple(_items(raw))
    for position, url in enumerate(urls, start=1):
        try:
            AppriseChannel(url)
        except BadNotifyUrl as error:
            # str(error) shows the URL masked: it is a secret.
            raise UsageError(
                name,
                f"URL {position} of {len(urls)}, {error}; "
                "see https://github.com/caronc/apprise/wiki for each service's URL",
            ) from None
    return urls


@_reads(Expects(metavar="EVENT,..."))
def _notify_events(name: str, raw: Any) -> frozenset:
    from .notify.events import Event

    names = _items(raw)
    known = [event.value for event in Event if event != Event.TEST]
    for event in names:
        if event not in known:
            raise UsageError(name, f"{event!r} is not an event; use some of {','.join(known)}")
    return frozenset(Event(event) for event in names)


@_reads(Expects(metavar="OCPUS:MEMORY_GBS"))
def _sizes(name: str, raw: Any) -> tuple[Size, ...]:
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    sizes = []
    for item in items:
        size = Size.from_spec(str(item))
        if size is None:
            raise UsageError(name, f"{str(item)!r} is not OCPUS:MEMORY_GBS (like 2:12)")
        sizes.append(size)
    return tuple(sizes)


@_reads(Expects(Path))
def _path(name: str, raw: Any) -> Path:
    return user_path(name, raw)


def user_path(name: str, raw: Any) -> Path:
    """A path as the user typed it, `~` and `~user` expanded; UsageError if that user is unknown."""
    try:
        return Path(str(raw)).expanduser()
    except RuntimeError:  # ~someone with no such user (or no HOME for ~)
        user = str(raw).split("/", 1)[0]
        raise UsageError(
            name, f"{str(raw)!r}: cannot expand {user} (no such user, or HOME is not set); give the path in full"
        ) from None


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def parse(name: str, raw: Any) -> str:
        text = str(raw).strip().lower()
        if text not in choices:
            raise UsageError(name, f"must be {' or '.join(choices)}, got {str(raw)!r}")
        return text

    return _reads(Expects(choices=choices))(parse)


@_reads(Expects(metavar="CIDR"))
def _ipv4_cidr(name: str, raw: Any) -> str:
    import ipaddress

    try:
        return str(ipaddress.IPv4Network(str(raw).strip(), strict=True))
    except ValueError:
        raise UsageError(
            name, f"{str(raw)!r} is not an IPv4 network in CIDR form, like 203.0.113.7/32 or 0.0.0.0/0"
        ) from None


# NETWORK: the runbook's existing subnet, or a VCN and public subnet the module creates.
NETWORK_EXISTING, NETWORK_CREATE = "existing", "create"
PUBLIC_IP_EPHEMERAL, PUBLIC_IP_RESERVED = "ephemeral", "reserved"

_authorized_keys_file = _reads(Expects(Path))(parse_authorized_keys_file)
_backend = _reads(Expects(choices=tuple(BACKENDS)))(parse_backend)
_backend_config = _reads(Expects(metavar="KEY=VALUE"))(parse_backend_config)


class SettingGroup(enum.StrEnum):
    """Who reads a setting: a command's --help lists the flags of the groups it reads (commands/options.py)."""

    TARGET = "target"  # the account, and where and what to launch
    SIZE = "size"
    MODULE = "module"  # the rest of what the module renders
    STATE = "state"  # where the Terraform state lives
    LOOP = "loop"  # how the loop retries
    NOTIFY = "notify"


@dataclasses.dataclass(frozen=True)
class Field:
    """One setting: where it comes from, how its text is checked, and who reads it."""

    name: str  # Settings attribute and config-file key
    env: str | None  # runbook environment name
    parse: Parser  # marked with what it reads (_reads): --help derives the flag's type from it
    default: Any
    help: str
    group: SettingGroup
    env_aliases: tuple[str, ...] = ()  # older names that keep working
    default_note: str = ""  # what the default is when it is not a value (None)

    @property
    def flag(self) -> str:
        return _FLAG_NAMES.get(self.name, "--" + self.name.replace("_", "-"))

    @property
    def flags(self) -> tuple[str, ...]:
        return (self.flag, *("--" + alias.lower().replace("_", "-") for alias in self.env_aliases))

    @property
    def env_names(self) -> tuple[str, ...]:
        return (self.env, *self.env_aliases) if self.env else ()

    @property
    def repeatable(self) -> bool:
        return self.name in _FLAG_NAMES

    @property
    def expects(self) -> Expects:
        return self.parse.expects  # type: ignore[attr-defined]

    @property
    def shown_default(self) -> str:
        """The default as --help shows it ("" when there is none to show)."""
        if isinstance(self.default, bool):
            return str(self.default).lower()
        if self.default in (None, ()):
            return self.default_note
        return str(self.default)


# Flags that repeat, named in the singular.
_FLAG_NAMES = {
    "availability_domains": "--availability-domain",
    "sizes": "--size",
    "notify_urls": "--notify",
    "backend_config": "--backend-config",
}

FIELDS: tuple[Field, ...] = (
    Field(
        "oci_profile",
        "OCI_PROFILE",
        _text(_PROFILE, "must be a profile name from ~/.oci/config, like DEFAULT", "PROFILE"),
        "DEFAULT",
        "Profile in ~/.oci/config.",
        SettingGroup.TARGET,
    ),
    Field(
        "compartment_ocid",
        "COMPARTMENT_OCID",
        _ocid("compartment", "tenancy"),
        None,
        "Compartment (or tenancy) to launch in.",
        SettingGroup.TARGET,
    ),
    Field("subnet_ocid", "SUBNET_OCID", _ocid("subnet"), None, "Existing subnet for the VNIC.", SettingGroup.TARGET),
    Field(
        "network",
        "NETWORK",
        _choice(NETWORK_EXISTING, NETWORK_CREATE),
        NETWORK_EXISTING,
        "'existing' uses SUBNET_OCID's subnet; 'create' makes a VCN and public subnet of its own, in the same state.",
        SettingGroup.TARGET,
    ),
    Field(
        "availability_domains",
        "AVAILABILITY_DOMAIN",
        _availability_domains,
        None,
        "Availability domain(s), comma separated, or 'all'.",
        SettingGroup.TARGET,
    ),
    Field(
        "image_ocid",
        "IMAGE_OCID",
        _ocid("image"),
        None,
        "Image to boot (aarch64).",
        SettingGroup.TARGET,
        default_note="the newest Ubuntu 22.04 Minimal aarch64",
    ),
    Field(
        "image_compartment_ocid",
        "IMAGE_COMPARTMENT_OCID",
        _ocid("tenancy", "compartment"),
        None,
        "Where to look for images.",
        SettingGroup.TARGET,
        default_note="the compartment",
    ),
    Field(
        "instance_name",
        "INSTANCE_NAME",
        _text(
            _INSTANCE_NAME,
            "must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
            "NAME",
        ),
        "coinpilot-ins",
        "Display name; also names the workdir and the SSH key.",
        SettingGroup.TARGET,
    ),
    Field(
        "ocpus",
        "OCPUS",
        _integer(1),
        FREE_OCPUS,
        "OCPUs (Always Free: the tenancy's A1 limit, which doctor and retry read; published: 2 in all).",
        SettingGroup.SIZE,
    ),
    Field(
        "memory_gbs",
        "MEMORY_GBS",
        _number,
        FREE_MEMORY_GBS,
        "Memory in GB (Always Free: the tenancy's A1 limit, which doctor and retry read; published: 12 in all).",
        SettingGroup.SIZE,
    ),
    Field(
        "sizes",
        None,
        _sizes,
        None,
        "Sizes to try, largest first.",
        SettingGroup.SIZE,
        default_note="--ocpus and --memory-gbs",
    ),
    Field(
        "boot_volume_size_gbs",
        "BOOT_VOLUME_SIZE_GBS",
        _integer(50, MAX_BOOT_VOLUME_GBS, " (OCI's largest)"),
        None,
        "Boot volume size in GB.",
        SettingGroup.MODULE,
        default_note="the image's",
    ),
    Field(
        "ssh_key_path",
        "SSH_KEY_PATH",
        _path,
        None,
        "Private key path (a pair is made there if missing).",
        SettingGroup.MODULE,
        default_note="~/.ssh/coinpilot-oci/<INSTANCE_NAME>_a1_flex",
    ),
    Field(
        "user_data",
        "USER_DATA_FILE",
        _path,
        None,
        "Cloud-init file or shell script to run on the first boot.",
        SettingGroup.MODULE,
    ),
    Field(
        "ssh_source_cidr",
        "SSH_SOURCE_CIDR",
        _ipv4_cidr,
        "0.0.0.0/0",
        "Who may SSH in, with NETWORK=create.",
        SettingGroup.MODULE,
    ),
    Field(
        "public_ip",
        "PUBLIC_IP",
        _choice(PUBLIC_IP_EPHEMERAL, PUBLIC_IP_RESERVED),
        PUBLIC_IP_EPHEMERAL,
        "'reserved': an address of its own that a relaunched instance keeps.",
        SettingGroup.MODULE,
    ),
    Field(
        "ssh_authorized_keys_file",
        "SSH_AUTHORIZED_KEYS_FILE",
        _authorized_keys_file,
        None,
        "More public keys to put on the instance, one a line (every machine sharing the state: any can log in).",
        SettingGroup.MODULE,
        default_note="none",
    ),
    Field(
        "provider_auto_retries",
        "OCI_PROVIDER_AUTO_RETRIES",
        _boolean,
        False,
        "Let the OCI provider retry by itself too.",
        SettingGroup.MODULE,
    ),
    Field(
        "retry_interval_seconds",
        "RETRY_INTERVAL_SECONDS",
        _seconds,
        600,
        "Wait after 'Out of host capacity'.",
        SettingGroup.LOOP,
    ),
    Field(
        "max_attempts",
        "MAX_ATTEMPTS",
        _integer(0),
        0,
        "Give up after this many attempts (0 = never).",
        SettingGroup.LOOP,
    ),
    Field(
        "throttle_retry_base_seconds",
        "THROTTLE_RETRY_BASE_SECONDS",
        _seconds,
        900,
        "First wait after a 429.",
        SettingGroup.LOOP,
    ),
    Field(
        "throttle_retry_max_seconds",
        "THROTTLE_RETRY_MAX_SECONDS",
        _seconds,
        3600,
        "Longest wait after 429s.",
        SettingGroup.LOOP,
    ),
    Field(
        "throttle_jitter_max_seconds",
        "THROTTLE_JITTER_MAX_SECONDS",
        _seconds,
        120,
        "Random extra wait after a 429.",
        SettingGroup.LOOP,
    ),
    Field(
        "launch_budget_per_day",
        "LAUNCH_BUDGET_PER_DAY",
        _integer(0),
        288,
        "Most LaunchInstance calls in any 24 hours, counted in the journal; then the loop waits (0 = no cap).",
        SettingGroup.LOOP,
    ),
    Field(
        "limit_rechecks",
        "LIMIT_RECHECKS",
        _integer(0),
        6,
        "LimitExceeded with no A1 instance in the tenancy: how many times to check again before stopping.",
        SettingGroup.LOOP,
    ),
    Field(
        "limit_recheck_seconds",
        "LIMIT_RECHECK_SECONDS",
        _seconds,
        3600,
        "Wait before each such check (OCI may count a terminated instance for about an hour).",
        SettingGroup.LOOP,
    ),
    Field(
        "discord_webhook_url",
        "DISCORD_WEBHOOK_URL",
        _webhook,
        None,
        "Discord webhook for notifications (secret).",
        SettingGroup.NOTIFY,
    ),
    Field(
        "notify_urls",
        "NOTIFY_URLS",
        _notify_urls,
        (),
        "Apprise URL to notify too, e.g. tgram://TOKEN/CHAT (secret).",
        SettingGroup.NOTIFY,
    ),
    Field(
        "notify_every_n_attempts",
        "NOTIFY_EVERY_N_ATTEMPTS",
        _integer(1),
        10,
        "Progress message every N attempts.",
        SettingGroup.NOTIFY,
        env_aliases=("DISCORD_NOTIFY_EVERY_N_ATTEMPTS",),
    ),
    Field(
        "notify_events",
        "NOTIFY_EVENTS",
        _notify_events,
        None,
        "Only these events, e.g. success,stop.",
        SettingGroup.NOTIFY,
        default_note="all",
    ),
    Field(
        "digest_interval_seconds",
        "DIGEST_INTERVAL_SECONDS",
        _integer(1, MAX_WAIT_SECONDS, " (a week)"),
        86400,
        "A digest notification this often while the loop runs.",
        SettingGroup.NOTIFY,
    ),
    Field(
        "state_backend",
        "STATE_BACKEND",
        _backend,
        LOCAL,
        "Where the Terraform state lives.",
        SettingGroup.STATE,
    ),
    Field(
        "backend_config",
        "STATE_BACKEND_CONFIG",
        _backend_config,
        (),
        "Backend setting for terraform init (no secrets).",
        SettingGroup.STATE,
    ),
    Field(
        "grow_after_win",
        "GROW_AFTER_WIN",
        _boolean,
        False,
        "After winning a smaller size, go on to resize to the first --size (the resize reboots the instance).",
        SettingGroup.LOOP,
    ),
    Field(
        "capacity_probe",
        "CAPACITY_PROBE",
        _boolean,
        False,
        "Ask OCI's capacity report before each launch and try the ADs it reports available first (never skips one).",
        SettingGroup.LOOP,
    ),
)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}
LAUNCH_TARGETS = ("compartment_ocid", "subnet_ocid", "availability_domains")


@dataclasses.dataclass(frozen=True)
class Settings:
    oci_profile: str
    compartment_ocid: str | None
    subnet_ocid: str | None
    network: str
    availability_domains: tuple[str, ...] | None
    image_ocid: str | None
    image_compartment_ocid: str | None
    instance_name: str
    ocpus: int
    memory_gbs: float
    sizes: tuple[Size, ...] | None
    boot_volume_size_gbs: int | None
    ssh_key_path: Path | None
    user_data: Path | None
    ssh_source_cidr: str
    public_ip: str
    ssh_authorized_keys_file: Path | None
    provider_auto_retries: bool
    retry_interval_seconds: int
    max_attempts: int
    throttle_retry_base_seconds: int
    throttle_retry_max_seconds: int
    throttle_jitter_max_seconds: int
    launch_budget_per_day: int
    limit_rechecks: int
    limit_recheck_seconds: int
    # Secrets: kept out of repr(), so that no debug print or traceback shows them.
    discord_webhook_url: str | None = dataclasses.field(repr=False)
    notify_urls: tuple[str, ...] = dataclasses.field(repr=False)
    notify_every_n_attempts: int
    notify_events: frozenset | None
    digest_interval_seconds: int
    state_backend: str
    backend_config: tuple[tuple[str, str], ...]
    grow_after_win: bool
    capacity_probe: bool

    def unset_targets(self) -> tuple[str, ...]:
        """The variables of the targets a real launch cannot do without that are not set (IMAGE_OCID
        is not among them: when it is empty, the image is discovered, images.py)."""
        return tuple(FIELDS_BY_NAME[name].env for name in self.launch_targets() if getattr(self, name) in (None, ()))

    def launch_targets(self) -> tuple[str, ...]:
        """The targets a launch needs: no subnet when the module creates its own."""
        return tuple(name for name in LAUNCH_TARGETS if not (name == "subnet_ocid" and self.creates_network))

    @property
    def creates_network(self) -> bool:
        return self.network == NETWORK_CREATE

    @property
    def reserves_public_ip(self) -> bool:
        return self.public_ip == PUBLIC_IP_RESERVED

    def size_list(self) -> tuple[Size, ...]:
        """Sizes to try, largest first."""
        sizes = self.sizes or (Size(self.ocpus, self.memory_gbs),)
        return tuple(sorted(sizes, key=lambda s: (s.ocpus, s.memory_gbs), reverse=True))

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def default_config_file() -> Path:
    """<user config dir>/coinpilot-tf/config.toml (Linux: ~/.config, or XDG_CONFIG_HOME; macOS:
    ~/Library/Application Support): read without --config, so any install has one known place."""
    import platformdirs

    return Path(platformdirs.user_config_dir("coinpilot-tf", appauthor=False)) / "config.toml"


def read_config_file(explicit: Path | None) -> dict[str, tuple[Any, str]]:
    """The settings of --config's file, else of the default file if there is one: by field name,
    the value and how a message names it (the key as written, and the file)."""
    if explicit is not None:
        return _read_config_file(explicit, "--config")
    default = default_config_file()
    return _read_config_file(default, "config file") if default.exists() else {}


def _read_config_file(path: Path, label: str) -> dict[str, tuple[Any, str]]:
    data = read_toml(path, label, 'write one setting per line, like instance_name = "a1"')
    return config_values(data, path, label)


def read_toml(path: Path, label: str, fix: str) -> dict[str, Any]:
    """A TOML file (the config file, a targets file); UsageError named `label`, with `fix` for bad TOML."""
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(label, f"{path} does not exist; give the path of an existing TOML file") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        raise UsageError(label, f"cannot read {path} ({reason}); make it a readable UTF-8 file") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(label, f"{path} is not valid TOML: {error}; {fix}") from None


def config_values(data: Mapping[str, Any], path: Path, label: str, prefix: str = "") -> dict[str, tuple[Any, str]]:
    """A TOML table's settings by field name: the value and how a message names it (`prefix` and
    the key as written, and the file); UsageError, named `label`, for a key that is no setting."""
    by_key = {field.name: field for field in FIELDS}
    by_key.update({env.lower(): field for field in FIELDS for env in field.env_names})
    values = {}
    for key, value in data.items():
        field = by_key.get(key.lower())
        if field is None:
            raise UsageError(
                label, f"unknown key {key!r} in {path}; use the runbook names in lower case, like compartment_ocid"
            )
        values[field.name] = (value, f"{prefix}{key} in {path}")
    return values


def read_env_file(path: Path) -> dict[str, str]:
    """The NAME=value lines of --env-file, read by python-dotenv's parser (quotes, `export`, comments),
    literally: no ${VAR} expansion. A line it cannot read is an error, never skipped (its value
    could be a secret: only its number is said)."""
    from dotenv.parser import parse_stream

    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UsageError("--env-file", f"{path} does not exist; give the file of NAME=value lines") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        raise UsageError("--env-file", f"cannot read {path} ({reason}); make it a readable UTF-8 file") from None
    values = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise UsageError(
                "--env-file",
                f"{path} line {binding.original.line} is not NAME=value; "
                'fix it (quote a value with spaces: NAME="a, b") or remove it',
            )
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def load_settings(
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    config_file: Path | None = None,
    fixed: Mapping[str, tuple[Any, str]] | None = None,
) -> Settings:
    """Resolve every field (fixed > flag > env > file > default) and check it; the file is `config_file`
    (--config), else the default config file if it exists. `fixed`: a targets file's values for one
    target (targets.py), each with how a message names it."""
    from_file = read_config_file(config_file)
    fixed = fixed or {}
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.name in fixed:
            raw, label = fixed[field.name]
        elif flags.get(field.name) not in (None, ()):
            raw, label = flags[field.name], field.flag
        elif env := next((env for env in field.env_names if environ.get(env, "").strip()), None):
            raw, label = environ[env], env
        elif field.name in from_file:
            raw, label = from_file[field.name]
        else:
            values[field.name] = field.default
            continue
        values[field.name] = field.parse(label, raw)
    settings = Settings(**values)
    return _check_consistency(settings)


def _check_consistency(settings: Settings) -> Settings:
    for size in settings.size_list():
        label = "--size" if settings.sizes else "MEMORY_GBS"
        if size.ocpus > A1_MAX_OCPUS:
            raise UsageError(
                "--size" if settings.sizes else "OCPUS",
                f"{size.ocpus} OCPUs is more than {SHAPE} allows ({A1_MAX_OCPUS})",
            )
        low, high = A1_MEMORY_PER_OCPU
        if not low * size.ocpus <= size.memory_gbs <= min(high * size.ocpus, A1_MAX_MEMORY_GBS):
            raise UsageError(
                label,
                f"{size} is outside what {SHAPE} accepts ({low}..{high} GB per OCPU)",
            )
    if settings.throttle_retry_max_seconds < settings.throttle_retry_base_seconds:
        raise UsageError(
            "THROTTLE_RETRY_MAX_SECONDS",
            f"must be >= THROTTLE_RETRY_BASE_SECONDS ({settings.throttle_retry_base_seconds})",
        )
    check_backend_config(settings.state_backend, settings.backend_config, "STATE_BACKEND_CONFIG")
    if settings.creates_network and settings.subnet_ocid:
        raise UsageError(
            ("NETWORK", "SUBNET_OCID"),
            "NETWORK=create makes a subnet of its own: unset SUBNET_OCID, or set NETWORK=existing to use that subnet",
        )
    return settings


def with_placeholders(settings: Settings, placeholders: Mapping[str, Any]) -> Settings:
    """The cloud's placeholders (cloud.py) for any target the user did not set."""
    changes = {
        name: tuple(placeholders[name]) if isinstance(placeholders[name], list) else placeholders[name]
        for name in ("compartment_ocid", "subnet_ocid", "image_ocid", "availability_domains")
        if name in placeholders
        and getattr(settings, name) in (None, ())
        and not (name == "subnet_ocid" and settings.creates_network)
    }
    return settings.replace(**changes)
