"""`coinpilot-tf simulate ...`: the simulated OCI from outside the retry loop.

serve runs the REST endpoint for any OCI client; stop, terminate and cpu act as Oracle on our
instance in a simulated workdir, and occupy puts someone else's A1 instance in its tenancy
(orchestrator/simulator/ does the work).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ..session import Session
from .options import (
    InOrderOfUse,
    env_file_option,
    handle_errors,
    instance_name_option,
    pass_session,
    workdir_option,
)

# The profile `simulate serve` writes into its OCI config file: the one OCI clients use by default.
_PROFILE = "DEFAULT"
_NOT_STARTED = "start one with `coinpilot-tf retry --simulate ok`"


@click.group(cls=InOrderOfUse, short_help="The simulated OCI: serve its API, or act as Oracle.")
def simulate() -> None:
    """The simulated OCI: serve its REST API to any OCI client, or act as Oracle on our instance."""


def _workdir_options(command: Callable) -> Callable:
    return env_file_option(workdir_option(instance_name_option(command)))


def _simulated_store(session: Session, hint: str = _NOT_STARTED):
    """(settings, store) of the simulated workdir the flags or environment name."""
    from ..simulator.cloud import SimulatedCloud
    from ..simulator.store import CloudStore

    if not isinstance(session.cloud, SimulatedCloud):
        raise UsageError(
            session.workdir.source,
            f"{session.workdir.described} is not a simulated workdir; `simulate` acts on the simulated OCI only ({hint})",
        )
    return session.settings, CloudStore(session.cloud.folder)


def _describe(instance: dict) -> str:
    return f"{instance['display_name']} {instance['id']}: {instance['lifecycle_state']}"


@simulate.command(short_help="Stop our instance, as Oracle does with an idle one.")
@_workdir_options
@handle_errors
@pass_session
def stop(session: Session) -> None:
    """Stop our instance, as Oracle does with an idle Always Free instance."""
    from ..simulator import actions

    settings, store = _simulated_store(session)
    click.echo(f"stopped by the simulated Oracle: {_describe(actions.stop(store, settings.instance_name))}")


@simulate.command(short_help="Terminate our instance behind Terraform's back.")
@_workdir_options
@handle_errors
@pass_session
def terminate(session: Session) -> None:
    """Terminate our instance behind Terraform's back, as Oracle or a user in the Console may."""
    from ..simulator import actions

    settings, store = _simulated_store(session)
    click.echo(f"terminated by the simulated Oracle: {_describe(actions.terminate(store, settings.instance_name))}")


@simulate.command(short_help="Set the CPU use (0-100) Monitoring reports for our instance.")
@_workdir_options
@click.argument("percent")
@handle_errors
@pass_session
def cpu(session: Session, percent: str) -> None:
    """Set the CPU utilisation (0-100) that Monitoring reports for our instance."""
    from ..simulator import actions

    try:
        value = float(percent)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UsageError("PERCENT", f"{percent!r} is not a number; give the CPU utilisation in percent, e.g. 5")
    settings, store = _simulated_store(session)
    instance = actions.set_cpu(store, settings.instance_name, value)
    click.echo(f"CPU utilisation of {instance['display_name']} {instance['id']}: {value:g}% (Monitoring's series)")


@simulate.command(short_help="Put someone else's A1 instance (OCPUS:GB) in the simulated tenancy.")
@click.option(
    "--compartment",
    metavar="OCID",
    help="Compartment to put it in. Default: one the tool does not launch in.",
)
@_workdir_options
@click.argument("size", metavar="OCPUS:GB")
@handle_errors
@pass_session
def occupy(session: Session, size: str, compartment: str | None) -> None:
    """Put an A1 instance that is not ours, of OCPUS:GB, in the simulated tenancy: it uses that much
    of the allowance, as a forgotten instance does, so a launch that no longer fits is LimitExceeded."""
    from ..simulator import actions
    from ..simulator.cloud import parse_allowance

    wanted = parse_allowance(size, "OCPUS:GB")
    _, store = _simulated_store(session, hint="make one first with `coinpilot-tf render --simulate ok`")
    instance = actions.occupy(store, wanted, compartment)
    click.echo(f"occupied by someone else: {_describe(instance)}, {wanted}, in {instance['compartment_id']}")


@simulate.command(short_help="Run the simulated OCI REST endpoint, for any OCI client.")
@click.option(
    "--scenario",
    metavar="SCENARIO",
    help="Outcomes per operation, e.g. 'capacity*3,ok' or"
    " 'launch=capacity,ok;start=capacity,ok'. Default: the cloud's own (a new cloud answers ok).",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Folder of the simulated cloud (created if missing). Default: the simulated workdir's.",
)
@click.option("--port", default="0", metavar="PORT", show_default=True, help="Port on 127.0.0.1; 0 picks a free one.")
@click.option(
    "--allowance",
    metavar="OCPUS:GB",
    help="The tenancy's A1 allowance, as its Limits API reports and its launches enforce it."
    " Default: the cloud's own (a new cloud 2:12).",
)
@click.option(
    "--provisioning-seconds",
    default="5",
    metavar="SECONDS",
    show_default=True,
    help="How long a launched instance stays PROVISIONING (and a terminated one TERMINATING); 0: at once.",
)
@_workdir_options
@handle_errors
@pass_session
def serve(
    session: Session,
    scenario: str | None,
    directory: str | None,
    port: str,
    allowance: str | None,
    provisioning_seconds: str,
) -> None:
    """Run the simulated OCI REST endpoint in the foreground, for any OCI client; Ctrl-C stops it."""
    from ..simulator.cloud import parse_allowance
    from ..simulator.rest import RestEndpoint
    from ..simulator.scenario import parse_scenario
    from ..simulator.store import CloudStore

    if not (port.isascii() and port.isdigit() and 0 <= int(port) <= 65535):
        raise UsageError("--port", f"{port!r} is not a port; give a number from 1 to 65535, or 0 for any free port")
    seconds = _seconds(provisioning_seconds)
    if scenario is not None:
        parse_scenario(scenario, field="--scenario")
    a1 = parse_allowance(allowance, "--allowance") if allowance is not None else None
    folder = _serve_folder(session, directory)
    store = CloudStore.ensure(folder, scenario, allowance=a1)
    config, public_key = _client_config(folder)
    try:
        endpoint = RestEndpoint(store, public_key, int(port), lifecycle_seconds=seconds)
    except OSError as error:
        raise UsageError(
            "--port", f"cannot listen on 127.0.0.1:{port} ({error.strerror}); give another port, or 0"
        ) from None
    _stop_on_signals()
    _print_endpoint(endpoint.url, config, folder)
    click.echo(f"A1 allowance:  {_allowance(store)}")
    click.echo("Ctrl-C stops it.")
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise UsageError(
            "--provisioning-seconds", f"{text!r} is not a number of seconds; give e.g. 5, or 0 for at once"
        )
    return seconds


def _serve_folder(session: Session, directory: str | None) -> Path:
    """--dir, or the folder of the simulated workdir's cloud."""
    if directory:
        folder = Path(directory).expanduser().absolute()
    else:
        folder = _simulated_store(session, hint="give --dir DIR to serve a new simulated cloud there")[1].directory
    if folder.exists() and not folder.is_dir():
        raise UsageError("--dir", f"{folder} exists and is not a folder")
    return folder


def _client_config(folder: Path):
    """(OCI config file, public half of its API key) for clients of the simulated cloud in `folder`:
    the same throwaway config the tool's own SDK calls use there."""

    from ..simulator.cloud import api_key_path, client_config, public_api_key

    config = client_config(folder, _PROFILE)
    return config, public_api_key(api_key_path(folder))


def _stop_on_signals() -> None:
    import signal

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell that starts it in the background would leave Ctrl-C's signal ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


def _print_endpoint(url: str, config: Path, folder: Path) -> None:
    from ..simulator.store import PLACEHOLDERS

    click.echo(f"endpoint:      {url}")
    click.echo(f"oci config:    {config} (profile {_PROFILE})")
    click.echo(f"compartment:   {PLACEHOLDERS['compartment_ocid']}")
    click.echo(f"subnet:        {PLACEHOLDERS['subnet_ocid']}")
    click.echo(f"image:         {PLACEHOLDERS['image_ocid']}")
    click.echo(f"ADs:           {', '.join(PLACEHOLDERS['availability_domains'])}")
    click.echo(f"calls log:     {folder / 'calls.jsonl'}")
    click.echo(
        f"try:           oci --config-file {config} --endpoint {url} compute instance list"
        f" --compartment-id {PLACEHOLDERS['compartment_ocid']}"
    )


def _allowance(store) -> str:
    """The simulated tenancy's regional A1 limits, as its Limits API reports them."""
    return ", ".join(f"{u['name']} {u['limit']:g}" for u in store.a1_usage() if u["availability_domain"] is None)
