"""`coinpilot-tf capacity [--fault-domains]`: OCI's compute capacity report for the shape at each
size, in each AD, one line each (capacity_report.py)."""

from __future__ import annotations

import click

from ..session import Session
from .options import capacity_settings, handle_errors, pass_session, print_cloud_notice


@click.command(short_help="OCI's capacity report: which AD has room for each size.")
@click.option("--fault-domains", is_flag=True, help="Also a line for each fault domain of each AD.")
@capacity_settings
@handle_errors
@pass_session
def capacity(session: Session, fault_domains: bool) -> None:
    """OCI's compute capacity report (read-only: it launches nothing) for the shape at each size, in
    the ADs of AVAILABILITY_DOMAIN (unset or 'all': every AD of the region): AVAILABLE,
    OUT_OF_HOST_CAPACITY or HARDWARE_NOT_SUPPORTED. OCI's report is known to be wrong at times."""
    from ..capacity_report import line, report

    settings = session.settings
    ads = () if settings.availability_domains in (None, ("all",)) else settings.availability_domains
    for availability in report(session.cloud, settings.oci_profile, ads, settings.size_list(), fault_domains):
        click.echo(line(availability, fault_domains))
    print_cloud_notice(session)
