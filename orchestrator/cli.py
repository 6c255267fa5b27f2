"""coinpilot-tf's commands. Thin: parse, call, print, exit code.

Exit codes (DESIGN.md): 0 the instance exists; 1 stopped on a failure retrying
cannot fix; 2 bad input or usage (nothing sent to OCI); 3 gave up; 130 interrupted.
Heavy modules load inside the commands that use them, so --help stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .config import FIELDS
from .errors import ToolError, UsageError

EXIT_OK, EXIT_STOPPED, EXIT_USAGE, EXIT_GAVE_UP, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

def settings_options(command: Callable) -> Callable:
    """Every setting as a flag (flag > environment > config file > default), plus where things live."""
    for field in reversed(FIELDS):
        env_note = f" [env {field.env}]" if field.env else ""
        command = click.option(
            field.flag, field.name, multiple=field.repeatable, default=None,
            help=field.help + env_note, show_envvar=False,
        )(command)
    command = click.option("--config", "config", type=click.Path(dir_okay=False), help="Optional TOML file with the same settings in lower case.")(command)
    return workdir_options(command)


def workdir_options(command: Callable) -> Callable:
    command = click.option("--workdir", "workdir", type=click.Path(file_okay=False), help="The workdir itself [env COINPILOT_TF_WORKDIR].")(command)
    return click.option("--terraform", "engine", help="Terraform or OpenTofu binary [env COINPILOT_TF_TERRAFORM].")(command)


def handle_errors(command: Callable) -> Callable:
    """UsageError: one line, exit 2. ToolError: one line, exit 1. Never a traceback for either."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            click.echo(f"coinpilot-tf: {error}", err=True)
            sys.exit(EXIT_USAGE)
        except ToolError as error:
            click.echo(f"coinpilot-tf: {error}", err=True)
            sys.exit(EXIT_STOPPED)

    return wrapper


def _flags(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in kwargs.items() if value not in (None, ())}


def _print_notices(prepared) -> None:
    for notice in prepared.notices:
        click.echo(f"warning: {notice}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coinpilot-tf")
def main() -> None:
    """Win an OCI Always Free VM.Standard.A1.Flex instance, and keep it under Terraform state."""


@main.command()
@settings_options
@click.option("--simulate", metavar="SCENARIO", help="Use the simulated OCI (e.g. 'capacity*3,ok'); the workdir remembers it.")
@click.option("--refresh-image", is_flag=True, help="Discover the newest image again instead of the one recorded in the workdir (IMAGE_OCID empty).")
@handle_errors
def render(simulate: str | None, refresh_image: bool, **kwargs: Any) -> None:
    """Write the Terraform module and terraform.tfvars.json into the workdir."""
    from .prepare import prepare, terraform_for
    from .render import Target, render as render_module

    prepared = prepare(_flags(kwargs), os.environ, simulate, refresh_image)
    _print_notices(prepared)
    terraform_for(prepared, kwargs.get("engine"), os.environ)
    target = Target(prepared.availability_domains[0], prepared.settings.size_list()[0])
    changed = render_module(prepared.settings, target, prepared.ssh_public_key, prepared.workdir)
    click.echo(f"workdir: {prepared.workdir.path}")
    click.echo(f"rendered: {', '.join(changed) if changed else 'no changes'}")
    if prepared.simulated:
        click.echo("mode: simulated OCI (no account used)")


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@workdir_options
@click.option("--instance-name", "instance_name", help="Instance whose workdir to use [env INSTANCE_NAME].")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@handle_errors
def terraform(args: tuple[str, ...], **kwargs: Any) -> None:
    """Run the engine in the workdir, e.g. `coinpilot-tf terraform state list`."""
    from .prepare import load, terraform_for

    _, workdir = load(_flags(kwargs), os.environ)
    if not workdir.path.is_dir():
        raise UsageError("--workdir", f"{workdir.path} does not exist yet; run `coinpilot-tf render` first")
    sys.exit(terraform_for(workdir, kwargs.get("engine"), os.environ).passthrough(list(args)))


def instance_options(command: Callable) -> Callable:
    """Which workdir: --workdir, or the one --instance-name (INSTANCE_NAME) names; and the engine."""
    command = click.option("--instance-name", "instance_name", help="Instance whose workdir to use [env INSTANCE_NAME].")(command)
    return workdir_options(command)


def _existing_workdir(kwargs: dict[str, Any]):
    from .prepare import load

    _, workdir = load(_flags(kwargs), os.environ)
    if not workdir.path.is_dir():
        raise UsageError("--workdir", f"{workdir.path} does not exist yet; run `coinpilot-tf retry` first")
    return workdir


@main.command()
@instance_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@handle_errors
def status(as_json: bool, **kwargs: Any) -> None:
    """The instance, the attempts so far and the running loop, from state and journal (no OCI call)."""
    from .prepare import load, terraform_for
    from .status import collect_status

    _, workdir = load(_flags(kwargs), os.environ)
    tf = terraform_for(workdir, kwargs.get("engine"), os.environ) if workdir.state.exists() else None
    report = collect_status(workdir, tf)
    click.echo(report.to_json() if as_json else report.to_text())


@main.command()
@instance_options
@click.option("--json", "as_json", is_flag=True, help="{name: value} as JSON, for scripts.")
@handle_errors
def output(as_json: bool, **kwargs: Any) -> None:
    """The Terraform outputs: instance id, IPs, AD, size, state (none before the instance exists)."""
    import json

    from .engine.output import outputs
    from .prepare import terraform_for

    workdir = _existing_workdir(kwargs)
    values = outputs(terraform_for(workdir, kwargs.get("engine"), os.environ)) if workdir.state.exists() else {}
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
def destroy(yes: bool, **kwargs: Any) -> None:
    """Terminate the instance with `terraform destroy`, after you type its name. The SSH key stays."""
    from .prepare import terraform_for
    from .teardown import destroy_instance

    def confirm(name: str) -> bool:
        if yes:
            return True
        try:
            return click.prompt(f"Type the instance name ({name}) to destroy it", default="", show_default=False) == name
        except click.Abort:  # no terminal, or Ctrl-C/Ctrl-D at the prompt
            return False

    workdir = _existing_workdir(kwargs)
    tf = terraform_for(workdir, kwargs.get("engine"), os.environ)
    done = destroy_instance(workdir, tf, confirm, note=lambda line: click.echo(line, err=True))
    if done.instance_id is None:
        click.echo("nothing to destroy: the state holds no instance")
        return
    click.echo(f"destroyed:    {done.instance_id} ({done.name})")
    kept = done.ssh_private_key or "your SSH key"
    click.echo(f"SSH key kept: {kept} (the next `coinpilot-tf retry` reuses it; delete it yourself if you no longer need it)")


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@instance_options
@click.option("--print", "print_only", is_flag=True, help="Print the ssh command instead of running it.")
@click.argument("ssh_args", nargs=-1, type=click.UNPROCESSED)
@handle_errors
def ssh(print_only: bool, ssh_args: tuple[str, ...], **kwargs: Any) -> None:
    """Log in: `ssh -i <key> ubuntu@<public IP>`, with any extra ssh arguments passed on."""
    import shlex

    from .prepare import terraform_for
    from .ssh import run_ssh, ssh_argv

    workdir = _existing_workdir(kwargs)
    argv = ssh_argv(workdir, terraform_for(workdir, kwargs.get("engine"), os.environ), ssh_args)
    if print_only:
        click.echo(shlex.join(argv))
        return
    sys.exit(run_ssh(argv))


@main.command()
@settings_options
@click.option("--simulate", metavar="SCENARIO", help="Run against the simulated OCI, e.g. 'capacity*3,ok' (no account needed).")
@click.option("--once", is_flag=True, help="One attempt per AD and size, then exit (for cron and CI schedulers).")
@click.option("--log-format", type=click.Choice(["auto", "text", "json"]), default="auto", show_default=True,
              help="auto: a live line on a terminal, text lines otherwise.")
@click.option("--refresh-image", is_flag=True, help="Discover the newest image again instead of the one recorded in the workdir (IMAGE_OCID empty).")
@handle_errors
def retry(simulate: str | None, once: bool, log_format: str, refresh_image: bool, **kwargs: Any) -> None:
    """Launch the instance, retrying until it exists (or a failure retrying cannot fix)."""
    import signal

    from .lock import workdir_lock
    from .prepare import load, prepare, terraform_for
    from .progress import Reporter
    from .retry import RetryLoop

    def stop_before_the_loop(*_: Any) -> None:
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_before_the_loop)
    _, workdir = load(_flags(kwargs), os.environ)
    try:
        # One run per workdir, from before the first file is written until the end.
        with workdir_lock(workdir, "retry", note=lambda line: click.echo(line, err=True)) as lock:
            prepared = prepare(_flags(kwargs), os.environ, simulate, refresh_image)
            _print_notices(prepared)
            reporter = Reporter(sys.stdout, log_format)
            tf = terraform_for(prepared, kwargs.get("engine"), os.environ)
            tf.on_process = lock.record_terraform
            loop = RetryLoop.build(prepared, tf, once=once, reporter=reporter)
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: loop.interrupt())
            outcome = loop.run()
    except KeyboardInterrupt:
        click.echo("interrupted before the first attempt; nothing was launched", err=True)
        sys.exit(EXIT_INTERRUPTED)
    reporter.finish()
    if outcome.launch:
        _print_launch(outcome.launch, prepared.workdir.launch_result)
    click.echo(outcome.message, err=outcome.exit_code != EXIT_OK)
    sys.exit(outcome.exit_code)


def _print_launch(launch, result_path) -> None:
    size = f"{launch.ocpus:g} OCPUs / {launch.memory_gbs:g} GB" if launch.ocpus is not None and launch.memory_gbs is not None else "unknown size"
    click.echo(f"instance id:  {launch.instance_id}")
    click.echo(f"public IP:    {launch.public_ip or 'none'}")
    click.echo(f"placement:    {launch.availability_domain}, {size}")
    click.echo(f"SSH key:      {launch.ssh_private_key} (keep it: OCI cannot give the private key back)")
    click.echo(f"result file:  {result_path}")
    if launch.ssh_command:
        click.echo(f"connect:      {launch.ssh_command}")


@main.command()
@settings_options
@click.option("--notify-test", is_flag=True, help="Also send a test message to DISCORD_WEBHOOK_URL.")
@handle_errors
def doctor(notify_test: bool, **kwargs: Any) -> None:
    """Check everything a launch needs (read-only), one line each with the fix; exit 1 if any fails."""
    from .doctor import diagnose
    from .prepare import load

    settings, workdir = load(_flags(kwargs), os.environ)
    outcomes = diagnose(settings, workdir, kwargs.get("engine"), os.environ, notify_test)
    for outcome in outcomes:
        click.echo(outcome.line())
    if workdir.simulated:
        click.echo("mode: simulated OCI (no account used)")
    sys.exit(EXIT_OK if all(outcome.passed for outcome in outcomes) else EXIT_STOPPED)


@main.command()
@click.argument("source", type=click.File("r"), default="-")
@handle_errors
def classify(source) -> None:
    """Why did it stop? Classify Terraform's output (FILE or - for stdin) and print it as JSON."""
    import json

    from .failures import classify as classify_text

    click.echo(json.dumps(classify_text(source.read()).to_dict(), sort_keys=True))


# Last: the group takes handle_errors from above.
from .simulator.commands import simulate_group

main.add_command(simulate_group(handle_errors), name="simulate")
