"""`coinpilot-tf ssh`: log in to the won instance with the key it was launched with."""

from __future__ import annotations

import itertools
import shlex
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine.output import outputs
from .engine.runner import Terraform
from .errors import ToolError, UsageError
from .key_truth import check_key
from .launch_result import SSH_USER, LaunchResult
from .workdir import Workdir

if TYPE_CHECKING:
    from .cloud import Cloud

# Seconds ssh waits for the instance to answer: a stopped instance or a closed port 22 says so
# then, rather than after the system's TCP timeout (minutes).
CONNECT_TIMEOUT_SECONDS = 15


def ssh_argv(workdir: Workdir, tf: Terraform, extra: Sequence[str] = ()) -> list[str]:
    """`ssh -i <key> ubuntu@<public ip> EXTRA...`: the IP from the state, the key from launch_result.json."""
    values = outputs(tf)
    if not values.get("instance_id"):
        raise UsageError("ssh", "this workdir's state holds no instance; run `coinpilot-tf retry` first")
    public_ip = values.get("public_ip")
    if not public_ip:
        raise UsageError(
            "ssh", f"the instance has no public IP; reach {values.get('private_ip') or 'it'} from inside its VCN"
        )
    launch = LaunchResult.load(workdir)
    key = launch.ssh_private_key if launch else None
    if not key and launch and launch.ssh_keys_on_instance:
        raise UsageError(
            "ssh",
            f"none of your SSH keys is on the instance, which accepts {launch.ssh_keys_on_instance}; "
            "log in with that key (SSH_KEY_PATH=<its private key>, then `coinpilot-tf retry` records it)",
        )
    if not key:
        raise UsageError(
            "ssh",
            f"{workdir.launch_result} does not name the SSH key; run `coinpilot-tf retry`, "
            "which records it and exits at once when the instance exists",
        )
    check_key(tf, key)
    # ssh keeps the first value it is given for an option: the user's own ConnectTimeout wins only
    # if ours is not there.
    timeout = [] if _gives_connect_timeout(extra) else ["-o", f"ConnectTimeout={CONNECT_TIMEOUT_SECONDS}"]
    return ["ssh", "-i", key, *timeout, f"{SSH_USER}@{public_ip}", *extra]


def _gives_connect_timeout(extra: Sequence[str]) -> bool:
    """Does `extra` set ConnectTimeout (`-o ConnectTimeout=N`, `-oConnectTimeout N`, any case)?"""
    values = [value for flag, value in itertools.pairwise(extra) if flag == "-o"]
    values += [arg[2:] for arg in extra if arg.startswith("-o") and len(arg) > 2]
    return any(value.strip().lower().startswith("connecttimeout") for value in values)


def run_ssh(argv: Sequence[str], cloud: Cloud) -> int:
    """ssh on the user's terminal; its exit code. A simulated instance has no machine behind its
    address: ToolError at once, rather than ssh waiting on an address that never answers."""
    if cloud.status_fields.get("simulated"):
        raise ToolError(
            "this instance is simulated: there is no machine to log in to; "
            "`coinpilot-tf ssh --print` shows the command a real instance would take"
        )
    try:
        return subprocess.call(list(argv))
    except FileNotFoundError:
        raise ToolError(
            f"ssh is not installed; install the OpenSSH client, or connect with: {shlex.join(argv)}"
        ) from None
