"""`coinpilot-tf destroy [--yes]`: terminate the instance once its name is typed (instance_destroy.py)."""

from __future__ import annotations

import click

from ..session import Session
from .confirm import need_terminal
from .options import handle_errors, instance_options, note, pass_session
from .targets import for_a_target, target_options


@click.command(short_help="Terminate the instance, after you type its name.")
@instance_options
@click.option("--yes", is_flag=True, help="Do not ask for the instance name (for scripts).")
@click.option("--keep-ip", is_flag=True, help="Keep the reserved public IP (PUBLIC_IP=reserved) in OCI.")
@target_options
@handle_errors
@pass_session
@for_a_target
def destroy(session: Session, yes: bool, keep_ip: bool) -> None:
    """Terminate the instance with `terraform destroy`, after you type its name, with the network and
    reserved public IP the state holds for it. The SSH key stays."""
    from ..instance_destroy import destroy_instance

    workdir = session.existing_workdir()
    done = destroy_instance(workdir, session.terraform, lambda name: yes or _typed(name), note=note, keep_ip=keep_ip)
    if not done.destroyed_anything:
        click.echo("nothing to destroy: the state holds no instance")
        return
    if done.instance_id is not None:
        click.echo(f"destroyed:    {done.instance_id} ({done.name})")
    for item in done.removed:
        what = item.ip_address or item.display_name
        click.echo(f"{'released:' if item.ip_address else 'removed:':<13} {item.kind} {what} ({item.id})")
    if done.kept_ip is not None:
        ip = done.kept_ip
        click.echo(
            f"kept:         reserved public IP {ip.ip_address} ({ip.id}), out of the state: it stays in your "
            "compartment until you delete it (Console > Networking > IP management > Reserved public IPs)"
        )
    kept = done.ssh_private_key or "your SSH key"
    click.echo(
        f"SSH key kept: {kept} (the next `coinpilot-tf retry` reuses it; delete it yourself if you no longer need it)"
    )


def _typed(name: str) -> bool:
    """Whether the user typed the instance's name at the prompt."""
    need_terminal("destroy", "nothing destroyed")
    try:
        return click.prompt(f"Type the instance name ({name}) to destroy it", default="", show_default=False) == name
    except click.Abort:  # Ctrl-C/Ctrl-D at the prompt
        return False
