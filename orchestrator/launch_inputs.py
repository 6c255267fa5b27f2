"""From the session to a ready workdir: settings, cloud, key; the local checks first.

Everything here is local and checked before anything else, except read-only questions to OCI:
the image when IMAGE_OCID is empty, the ADs for 'all', and the tenancy's A1 allowance when a size
of the ladder is beyond the published figure (allowance.py).
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import allowance
from .config import Settings, with_placeholders
from .session import Session
from .workdir import Workdir

if TYPE_CHECKING:
    from .cloud import Cloud


@dataclass(frozen=True)
class Prepared:
    settings: Settings
    workdir: Workdir
    availability_domains: tuple[str, ...]
    ssh_private_key: Path
    ssh_public_key: str
    notices: tuple[str, ...] = ()  # warnings for the user: big sizes, repaired key permissions


def prepare(session: Session, refresh_image: bool = False, *, for_launch: bool = True) -> Prepared:
    """for_launch=False (render): what only a launch needs from the OCI config becomes a warning,
    when nothing has to be asked of OCI (IMAGE_OCID and the ADs given)."""
    cloud, workdir = session.cloud, session.workdir
    settings = with_placeholders(session.settings, cloud.placeholders)
    cloud.prepare(settings)
    from .checks import CheckStatus, preflight

    asks_oci = not settings.image_ocid or settings.availability_domains == ("all",) or refresh_image
    # The local checks (engine, OCI config, key, fingerprint) before any call to OCI.
    outcomes = preflight(session, settings, needed=None if for_launch or asks_oci else ("engine",))
    later = tuple(
        f"`retry` will need {o.name}: {o.detail}; fix: {o.fix}" for o in outcomes if o.status == CheckStatus.FAIL
    )
    asked = (session.cloud, session.workdir, settings, refresh_image, for_launch and allowance.worth_reading(settings))
    if _calls_oci(*asked):
        from . import in_child

        # The lookups import the oci SDK: in a child Python, it stays out of the loop that waits afterwards.
        settings, known_ads, a1 = in_child.call(ask_oci, *asked)
    else:
        settings, known_ads, a1 = ask_oci(*asked)
    ads = settings.availability_domains
    if ads == ("all",):
        ads = known_ads
    key_path = settings.ssh_key_path or cloud.ssh_key_path(settings.instance_name)
    from .ssh_keys import ensure_key_pair

    key = ensure_key_pair(key_path)
    repairs = tuple(f"fixed SSH key permissions: {repair}" for repair in key.repairs)
    notices = allowance.notices(a1, settings.size_list()) + repairs + later
    return Prepared(settings, workdir, tuple(ads), key.private_path, key.public_key, notices)


def _calls_oci(
    cloud: Cloud, workdir: Workdir, settings: Settings, refresh_image: bool, read_allowance: bool = False
) -> bool:
    """Will ask_oci call OCI: an image to discover, the region's ADs for 'all', the allowance?"""
    from . import images

    discovers = not settings.image_ocid and (refresh_image or images.recorded(workdir) is None)
    all_ads = settings.availability_domains == ("all",) and not cloud.all_availability_domains
    return discovers or all_ads or read_allowance


def ask_oci(
    cloud: Cloud, workdir: Workdir, settings: Settings, refresh_image: bool, read_allowance: bool = False
) -> tuple[Settings, tuple[str, ...], allowance.Allowance]:
    """What the user left to OCI (read-only calls, and only if needed): the image (discovered
    once, then recorded in the workdir), the region's ADs for 'all', and the tenancy's A1 allowance."""
    from . import images

    known_ads = cloud.all_availability_domains
    a1 = allowance.NOT_READ
    with contextlib.ExitStack() as connection:
        api = functools.cache(lambda: connection.enter_context(cloud.api(settings.oci_profile)))
        if not settings.image_ocid:
            where = settings.image_compartment_ocid or settings.compartment_ocid
            settings = settings.replace(image_ocid=images.resolve(workdir, where, api, refresh_image).image_ocid)
        if settings.availability_domains == ("all",) and not known_ads:
            known_ads = tuple(api().availability_domains())
        if read_allowance:
            ads = known_ads if settings.availability_domains == ("all",) else settings.availability_domains
            a1 = allowance.read(api(), ads)
    return settings, known_ads, a1
