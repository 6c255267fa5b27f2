"""coinpilot-tf's commands. Thin: parse, call, print, exit code.

Each command gets one Session (session.py), made by the group and filled in by the options;
exit codes are errors.ExitCode. Heavy modules load inside the commands that use them, so
--help stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .config import FIELDS, Size
from .errors import ExitCode, ToolError, UsageError, disk_problem
from .progress import LOG_FORMATS
from .session import Session

pass_session = click.make_pass_decorator(Session)


def _flag(name: str) -> Callable:
    """An option callback that hands its value to the session instead of the command."""

    def remember(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value not in (None, ()):
            ctx.find_object(Session).flags[name] = value

    return remember


def _simulate(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.find_object(Session).scenario = value


def settings_options(command: Callable) -> Callable:
    """Every setting as a flag (flag > environment > config file > default), plus where things live."""
    for field in reversed(FIELDS):
        env_note = f" [env {field.env}]" if field.env else ""
        command = click.option(
            *field.flags,
            field.name,
            multiple=field.repeatable,
            default=None,
            expose_value=False,
            callback=_flag(field.name),
            help=field.help + env_note,
            show_envvar=False,
        )(command)
    command = click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=_flag("config"),
        help="Optional TOML file with the same settings in lower case.",
    )(command)
    return workdir_options(command)


def workdir_options(command: Callable) -> Callable:
    command = click.option(
        "--workdir",
        "workdir",
        type=click.Path(file_okay=False),
        expose_value=False,
        callback=_flag("workdir"),
        help="The workdir itself [env COINPILOT_TF_WORKDIR].",
    )(command)
    return click.option(
        "--terraform",
        "engine",
        expose_value=False,
        callback=_flag("engine"),
        help="Terraform or OpenTofu binary, or 'bundled' for the engine shipped with coinpilot-tf "
        "[env COINPILOT_TF_TERRAFORM].",
    )(command)


def instance_options(command: Callable) -> Callable:
    """Which workdir: --workdir, or the one --instance-name (INSTANCE_NAME) names; and the engine."""
    command = click.option(
        "--instance-name",
        "instance_name",
        expose_value=False,
        callback=_flag("instance_name"),
        help="Instance whose workdir to use [env INSTANCE_NAME].",
    )(command)
    return workdir_options(command)


def handle_errors(command: Callable) -> Callable:
    """UsageError: one line, exit 2. ToolError: one line, exit 1. Never a traceback for either."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            click.echo(f"coinpilot-tf: {error}", err=True)
            sys.exit(ExitCode.USAGE)
        except ToolError as error:
            click.echo(f"coinpilot-tf: {error}", err=True)
            sys.exit(ExitCode.STOPPED)
        except OSError as error:  # the machine's: a full or read-only disk, a folder in the way
            click.echo(f"coinpilot-tf: {disk_problem(error)}", err=True)
            sys.exit(ExitCode.STOPPED)

    return wrapper


def _print_notices(prepared) -> None:
    for notice in prepared.notices:
        click.echo(f"warning: {notice}", err=True)


def _print_cloud_notice(session: Session) -> None:
    if session.cloud.notice:
        click.echo(f"mode: {session.cloud.notice}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coinpilot-tf")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Win an OCI Always Free VM.Standard.A1.Flex instance, and keep it under Terraform state."""
    ctx.obj = Session(os.environ)


@main.command()
@settings_options
@click.option(
    "--simulate",
    metavar="SCENARIO",
    expose_value=False,
    callback=_simulate,
    help="Use the simulated OCI (e.g. 'capacity*3,ok'); the workdir remembers it.",
)
@click.option(
    "--refresh-image",
    is_flag=True,
    help="Discover the newest image again instead of the one recorded in the workdir (IMAGE_OCID empty).",
)
@click.option(
    "--migrate-state",
    is_flag=True,
    help="Move the workdir's state to the backend STATE_BACKEND names (terraform init -migrate-state).",
)
@handle_errors
@pass_session
def render(session: Session, refresh_image: bool, migrate_state: bool) -> None:
    """Write the Terraform module and terraform.tfvars.json into the workdir."""
    from .usecases import migrate_workdir_state, render_workdir

    if migrate_state:
        rendered, moved = migrate_workdir_state(session, refresh_image, note=lambda line: click.echo(line, err=True))
    else:
        rendered, moved = render_workdir(session, refresh_image, note=lambda line: click.echo(line, err=True)), None
    _print_notices(rendered.prepared)
    click.echo(f"workdir: {rendered.prepared.workdir.path}")
    click.echo(f"rendered: {', '.join(rendered.changed) if rendered.changed else 'no changes'}")
    _print_cloud_notice(session)
    if moved:
        click.echo(moved)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@instance_options
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@handle_errors
@pass_session
def terraform(session: Session, args: tuple[str, ...]) -> None:
    """Run the engine in the workdir, e.g. `coinpilot-tf terraform state list`."""
    session.existing_workdir("run `coinpilot-tf render` first")
    tf = session.terraform
    tf.write_cli_config()
    sys.exit(tf.passthrough(list(args)))


@main.command()
@instance_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@handle_errors
@pass_session
def status(session: Session, as_json: bool) -> None:
    """The instance (with its reclaim risk from OCI Monitoring), the attempts so far and the running loop."""
    from .reclaim import workdir_reclaim_risk
    from .status import collect_status

    report = collect_status(
        session.workdir, session.cloud, lambda: session.terraform, workdir_reclaim_risk(session.workdir, session.cloud)
    )
    click.echo(report.to_json() if as_json else report.to_text())


@main.command()
@instance_options
@click.option("--json", "as_json", is_flag=True, help="{name: value} as JSON, for scripts.")
@handle_errors
@pass_session
def output(session: Session, as_json: bool) -> None:
    """The Terraform outputs: instance id, IPs, AD, size, state (none before the instance exists)."""
    import json

    from .engine.output import outputs

    workdir = session.existing_workdir()
    values = outputs(session.terraform) if workdir.has_state else {}
    if as_json:
        click.echo(json.dumps(values, indent=2, sort_keys=True))
        return
    if not values:
        click.echo("no outputs yet: the state holds no instance", err=True)
    for name, value in sorted(values.items()):
        click.echo(f"{name} = {json.dumps(value)}")


@main.command()
@instance_options
@click.option("--yes", is_flag=True, help="Do not ask for the instance name (for scripts).")
@handle_errors
@pass_session
def destroy(session: Session, yes: bool) -> None:
    """Terminate the instance with `terraform destroy`, after you type its name. The SSH key stays."""
    from .teardown import destroy_instance

    def confirm(name: str) -> bool:
        if yes:
            return True
        try:
            return (
                click.prompt(f"Type the instance name ({name}) to destroy it", default="", show_default=False) == name
            )
        except click.Abort:  # no terminal, or Ctrl-C/Ctrl-D at the prompt
            return False

    workdir = session.existing_workdir()
    done = destroy_instance(workdir, session.terraform, confirm, note=lambda line: click.echo(line, err=True))
    if done.instance_id is None:
        click.echo("nothing to destroy: the state holds no instance")
        return
    click.echo(f"destroyed:    {done.instance_id} ({done.name})")
    kept = done.ssh_private_key or "your SSH key"
    click.echo(
        f"SSH key kept: {kept} (the next `coinpilot-tf retry` reuses it; delete it yourself if you no longer need it)"
    )


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@instance_options
@click.option("--print", "print_only", is_flag=True, help="Print the ssh command instead of running it.")
@click.argument("ssh_args", nargs=-1, type=click.UNPROCESSED)
@handle_errors
@pass_session
def ssh(session: Session, print_only: bool, ssh_args: tuple[str, ...]) -> None:
    """Log in: `ssh -i <key> ubuntu@<public IP>`, with any extra ssh arguments passed on."""
    import shlex

    from .ssh import run_ssh, ssh_argv

    workdir = session.existing_workdir()
    argv = ssh_argv(workdir, session.terraform, ssh_args)
    if print_only:
        click.echo(shlex.join(argv))
        return
    sys.exit(run_ssh(argv))


def loop_options(command: Callable) -> Callable:
    """What `retry` and `grow` share: the settings, a scenario for the simulator, and how to run."""
    command = click.option(
        "--refresh-image",
        is_flag=True,
        help="Discover the newest image again instead of the one recorded in the workdir (IMAGE_OCID empty).",
    )(command)
    command = click.option(
        "--log-format",
        type=click.Choice(LOG_FORMATS),
        default="auto",
        show_default=True,
        help="auto: a live line on a terminal, text lines otherwise.",
    )(command)
    command = click.option(
        "--once", is_flag=True, help="One attempt per AD and size, then exit (for cron and CI schedulers)."
    )(command)
    command = click.option(
        "--simulate",
        metavar="SCENARIO",
        expose_value=False,
        callback=_simulate,
        help="Run against the simulated OCI, e.g. 'capacity*3,ok' or "
        "'launch=capacity,ok;update=capacity*2,ok' (no account needed).",
    )(command)
    return settings_options(command)


@main.command()
@loop_options
@handle_errors
@pass_session
def retry(session: Session, once: bool, log_format: str, refresh_image: bool) -> None:
    """Launch the instance, retrying until it exists (or a failure retrying cannot fix); start it if it is stopped."""
    _run_loop(session, once, log_format, refresh_image, grow=False)


@main.command()
@loop_options
@click.option(
    "--yes", is_flag=True, help="Do not ask before resizing (the resize reboots the instance); for schedulers."
)
@handle_errors
@pass_session
def grow(session: Session, once: bool, log_format: str, refresh_image: bool, yes: bool) -> None:
    """Resize the won instance in place to the first --size, retrying like the launch. It reboots the instance."""
    from .usecases import grow_request

    request = grow_request(session)
    if request.nothing_to_do:
        click.echo(request.nothing_to_do)
        sys.exit(ExitCode.OK)
    click.echo(
        f"grow: {request.instance_id} from {request.current} to {request.wanted}; the resize reboots the "
        "instance (OCI stops and starts it)",
        err=True,
    )
    if not yes:
        try:
            confirmed = click.confirm("Resize it now?", default=False, err=True)
        except click.Abort:  # no terminal, or Ctrl-C/Ctrl-D at the prompt
            confirmed = False
        if not confirmed:
            raise UsageError("--yes", "not confirmed; nothing was changed (pass --yes to resize without asking)")
    _run_loop(session, once, log_format, refresh_image, grow=True)


def _run_loop(session: Session, once: bool, log_format: str, refresh_image: bool, grow: bool) -> None:
    from .usecases import retry as run_retry

    outcome = run_retry(
        session,
        once=once,
        log_format=log_format,
        refresh_image=refresh_image,
        grow=grow,
        note=lambda line: click.echo(line, err=True),
        notices=_print_notices,
    )
    if outcome.launch:
        _print_launch(outcome.launch, outcome.prepared.workdir.launch_result)
    click.echo(outcome.message, err=outcome.exit_code != ExitCode.OK)
    sys.exit(outcome.exit_code)


def _print_launch(launch, result_path) -> None:
    size = (
        str(Size.of(launch.ocpus, launch.memory_gbs))
        if launch.ocpus is not None and launch.memory_gbs is not None
        else "unknown size"
    )
    click.echo(f"instance id:  {launch.instance_id}")
    click.echo(f"public IP:    {launch.public_ip or 'none'}")
    click.echo(f"placement:    {launch.availability_domain}, {size}")
    click.echo(f"SSH key:      {launch.ssh_private_key} (keep it: OCI cannot give the private key back)")
    click.echo(f"result file:  {result_path}")
    if launch.ssh_command:
        click.echo(f"connect:      {launch.ssh_command}")


@main.command()
@settings_options
@click.option("--notify-test", is_flag=True, help="Also send a test message to every notification channel.")
@handle_errors
@pass_session
def doctor(session: Session, notify_test: bool) -> None:
    """Check everything a launch needs (read-only), one line each with the fix; exit 1 if any fails."""
    from .doctor import diagnose

    outcomes = diagnose(session, notify_test)
    for outcome in outcomes:
        click.echo(outcome.line())
    _print_cloud_notice(session)
    sys.exit(ExitCode.OK if all(outcome.passed for outcome in outcomes) else ExitCode.STOPPED)


@main.group()
def notify() -> None:
    """Notification channels: DISCORD_WEBHOOK_URL and NOTIFY_URLS (Apprise URLs)."""


@notify.command("test")
@settings_options
@handle_errors
@pass_session
def notify_test(session: Session) -> None:
    """Send one test message to every channel: one line each (URL masked), exit 1 if any failed."""
    from .notify import Notifier

    notifier = Notifier.from_settings(session.settings)
    if not notifier.channels:
        raise UsageError("NOTIFY_URLS", "no channel is set; set DISCORD_WEBHOOK_URL or NOTIFY_URLS (or --notify URL)")
    results = notifier.test()
    for channel, error in results:
        click.echo(f"ok    {channel}" if error is None else f"FAIL  {channel}: {error}")
    sys.exit(ExitCode.OK if all(error is None for _, error in results) else ExitCode.STOPPED)


@main.command()
@click.argument("source", type=click.File("rb"), default="-")
@handle_errors
def classify(source) -> None:
    """Why did it stop? Classify Terraform's output (FILE or - for stdin) and print it as JSON."""
    import json

    from .failures import classify as classify_text

    # Any bytes: a log with a stray binary part (or the wrong file) still gets classified.
    text = source.read().decode("utf-8", errors="replace")
    click.echo(json.dumps(classify_text(text).to_dict(), sort_keys=True))


# Last: the group takes handle_errors from above.
from .simulator.commands import simulate_group  # noqa: E402

main.add_command(simulate_group(handle_errors), name="simulate")
