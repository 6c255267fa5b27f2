"""`coinpilot-tf destroy`: terraform destroy of the workdir's instance, once its name is confirmed.

The SSH key stays: it is the user's, and a later `retry` reuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .engine.destroy import destroy
from .engine.runner import STATE_LOCK_WAITING, Terraform, TerraformError
from .engine.state import PUBLIC_IP_ADDRESS, Kept, forget, state_contents
from .errors import ToolError, UsageError
from .journal import Event, Journal
from .launch_result import LaunchResult
from .lock import LockCommand, workdir_lock
from .workdir import Workdir


@dataclass(frozen=True)
class Teardown:
    instance_id: str | None  # None: the state held no instance
    name: str | None
    ssh_private_key: str | None  # the key the instance was launched with, if recorded
    removed: tuple[Kept, ...] = ()  # the network and reserved public IP destroyed with it
    kept_ip: Kept | None = None  # the reserved public IP --keep-ip left in OCI, out of the state

    @property
    def destroyed_anything(self) -> bool:
        return self.instance_id is not None or bool(self.removed) or self.kept_ip is not None


def destroy_instance(
    workdir: Workdir,
    tf: Terraform,
    confirm: Callable[[str], bool],
    note: Callable[[str], None],
    keep_ip: bool = False,
) -> Teardown:
    """confirm(instance name) -> whether the user confirmed; asked only when there is something to destroy.
    keep_ip: the reserved public IP leaves the state first, so OCI keeps it.

    Holds the workdir throughout: refused (WorkdirBusy, exit 2) while a `retry` runs in it, and no
    `retry` can start until the instance is gone from state.
    """
    with workdir_lock(workdir, LockCommand.DESTROY, note) as lock:
        tf.write_cli_config()
        tf.on_process = lock.record_terraform
        tf.on_state_lock_wait = lambda: note(STATE_LOCK_WAITING)
        return _destroy(workdir, tf, confirm, keep_ip)


def _destroy(workdir: Workdir, tf: Terraform, confirm: Callable[[str], bool], keep_ip: bool) -> Teardown:
    contents = state_contents(tf)
    instance = contents.instance
    if instance is None and not contents.kept:
        return Teardown(None, None, None)
    # With no instance left (terminated, never won), the network's own name is asked for.
    name = instance.display_name or instance.id if instance else (contents.kept[0].display_name or contents.kept[0].id)
    if not confirm(name):
        raise UsageError(
            "destroy", f"not confirmed, nothing destroyed; type the instance name ({name}) exactly, or pass --yes"
        )
    kept_ip = contents.public_ip if keep_ip else None
    if kept_ip is not None:
        forget(tf, PUBLIC_IP_ADDRESS)
    journal = Journal(workdir.journal)
    instance_id = instance.id if instance else None
    try:
        destroy(tf)
    except TerraformError as error:
        journal.append(
            Event.DESTROY_FAILED,
            instance_id=instance_id,
            category=error.failure.category,
            reason=error.failure.first_line,
        )
        raise ToolError(f"{error}; what is left is still in state, run `coinpilot-tf destroy` again") from None
    journal.append(Event.DESTROY, instance_id=instance_id)
    key = _launch_key(workdir)
    # It described the instance just destroyed; `ssh` and scripts must not find it.
    workdir.launch_result.unlink(missing_ok=True)
    removed = tuple(item for item in contents.kept if item is not kept_ip)
    return Teardown(instance_id, name if instance else None, key, removed, kept_ip)


def _launch_key(workdir: Workdir) -> str | None:
    launch = LaunchResult.load(workdir)
    return launch.ssh_private_key if launch else None
