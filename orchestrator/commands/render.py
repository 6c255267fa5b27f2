"""`coinpilot-tf render [--migrate-state]`: write the module and its values into the workdir, and
move the state to another backend when asked.

Both hold the workdir lock: refused (WorkdirBusy, exit 2) while a retry runs there, since the
module must not change under its saved plans, nor the state move while a run uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ..session import Session
from .options import (
    handle_errors,
    note,
    pass_session,
    print_cloud_notice,
    print_notices,
    refresh_image_option,
    render_settings,
    simulate_option,
)

if TYPE_CHECKING:
    from ..launch_inputs import Prepared


@dataclass(frozen=True)
class Rendered:
    prepared: Prepared
    changed: list[str]  # the files whose content changed


@click.command(short_help="Write the Terraform module and its values into the workdir.")
@simulate_option("Use the simulated OCI (e.g. 'capacity*3,ok'); the workdir remembers it.")
@refresh_image_option
@click.option(
    "--migrate-state",
    is_flag=True,
    help="Move the workdir's state to the backend STATE_BACKEND names (terraform init -migrate-state).",
)
@render_settings
@handle_errors
@pass_session
def render(session: Session, refresh_image: bool, migrate_state: bool) -> None:
    """Write the Terraform module and terraform.tfvars.json into the workdir."""
    from ..lock import LockCommand, workdir_lock

    moved = None
    with workdir_lock(session.workdir, LockCommand.MIGRATE_STATE if migrate_state else LockCommand.RENDER, note):
        rendered = render_workdir(session, refresh_image)
        if migrate_state:
            from ..migrate import move_state

            settings = rendered.prepared.settings
            moved = move_state(session.terraform, settings.state_backend, settings.backend_config)
    print_notices(rendered.prepared)
    click.echo(f"workdir: {rendered.prepared.workdir.path}")
    click.echo(f"rendered: {', '.join(rendered.changed) if rendered.changed else 'no changes'}")
    print_cloud_notice(session)
    if moved:
        click.echo(moved)


def render_workdir(session: Session, refresh_image: bool) -> Rendered:
    """The module and its values, and the engine's CLI config; the caller holds the workdir lock."""
    from ..launch_inputs import prepare
    from ..render import Target, render

    prepared = prepare(session, refresh_image, for_launch=False)
    session.terraform.write_cli_config()
    target = Target(prepared.availability_domains[0], prepared.settings.size_list()[0])
    return Rendered(prepared, render(prepared.settings, target, prepared.ssh_public_key, prepared.workdir))
