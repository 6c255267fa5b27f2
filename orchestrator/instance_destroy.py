"""`coinpilot-tf destroy`: terraform destroy of the workdir's instance, once its name is confirmed.

The SSH key stays: it is the user's, and a later `retry` reuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .engine.destroy import destroy
from .engine.runner import STATE_LOCK_WAITING, Terraform, TerraformError
from .engine.state import state_instance
from .errors import ToolError, UsageError
from .journal import Event, Journal
from .launch_result import LaunchResult
from .lock import LockCommand, workdir_lock
from .workdir import Workdir


@dataclass(frozen=True)
class Teardown:
    instance_id: str | None  # None: the state held no instance, nothing was destroyed
    name: str | None
    ssh_private_key: str | None  # the key the instance was launched with, if recorded


def destroy_instance(
    workdir: Workdir, tf: Terraform, confirm: Callable[[str], bool], note: Callable[[str], None]
) -> Teardown:
    """confirm(instance name) -> whether the user confirmed; asked only when there is something to destroy.

    Holds the workdir throughout: refused (WorkdirBusy, exit 2) while a `retry` runs in it, and no
    `retry` can start until the instance is gone from state.
    """
    with workdir_lock(workdir, LockCommand.DESTROY, note) as lock:
        tf.write_cli_config()
        tf.on_process = lock.record_terraform
        tf.on_state_lock_wait = lambda: note(STATE_LOCK_WAITING)
        return _destroy(workdir, tf, confirm)


def _destroy(workdir: Workdir, tf: Terraform, confirm: Callable[[str], bool]) -> Teardown:
    instance = state_instance(tf)
    if instance is None:
        return Teardown(None, None, None)
    name = instance.display_name or instance.id
    if not confirm(name):
        raise UsageError(
            "destroy", f"not confirmed, nothing destroyed; type the instance name ({name}) exactly, or pass --yes"
        )
    journal = Journal(workdir.journal)
    try:
        destroy(tf)
    except TerraformError as error:
        journal.append(
            Event.DESTROY_FAILED,
            instance_id=instance.id,
            category=error.failure.category,
            reason=error.failure.first_line,
        )
        raise ToolError(f"{error}; the instance is still in state, run `coinpilot-tf destroy` again") from None
    journal.append(Event.DESTROY, instance_id=instance.id)
    key = _launch_key(workdir)
    # It described the instance just destroyed; `ssh` and scripts must not find it.
    workdir.launch_result.unlink(missing_ok=True)
    return Teardown(instance.id, name, key)


def _launch_key(workdir: Workdir) -> str | None:
    launch = LaunchResult.load(workdir)
    return launch.ssh_private_key if launch else None
