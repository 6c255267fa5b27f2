"""`coinpilot-tf ssh`: log in to the won instance with the key it was launched with."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence

from .engine.output import outputs
from .engine.runner import Terraform
from .errors import ToolError, UsageError
from .result import SSH_USER, LaunchResult
from .workdir import Workdir


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
    if not key:
        raise UsageError(
            "ssh",
            f"{workdir.launch_result} does not name the SSH key; run `coinpilot-tf retry`, "
            "which records it and exits at once when the instance exists",
        )
    return ["ssh", "-i", key, f"{SSH_USER}@{public_ip}", *extra]


def run_ssh(argv: Sequence[str]) -> int:
    """ssh on the user's terminal; its exit code."""
    try:
        return subprocess.call(list(argv))
    except FileNotFoundError:
        raise ToolError(
            f"ssh is not installed; install the OpenSSH client, or connect with: {shlex.join(argv)}"
        ) from None
