"""Image discovery: the newest Canonical Ubuntu 22.04 Minimal aarch64 image that fits A1.Flex.

Used when IMAGE_OCID is empty. The chosen OCID is recorded in the workdir and reused until
`--refresh-image`, so a newer image never changes the module under an instance.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import SHAPE
from .errors import ToolError
from .oci_api import ApiError, Image, OciApi
from .workdir import Workdir, write_private

OPERATING_SYSTEM = "Canonical Ubuntu"
OS_VERSION = "22.04"
NAME_WORDS = ("Minimal", "aarch64")
RECORD_NAME = "image.json"


@dataclass(frozen=True)
class ChosenImage:
    """What discovery picked, as recorded in the workdir."""

    image_ocid: str
    display_name: str
    time_created: str
    found_in: str  # the compartment (or tenancy) that listed it
    chosen_at: str


def record_path(workdir: Workdir) -> Path:
    return workdir.path / RECORD_NAME


def recorded(workdir: Workdir) -> ChosenImage | None:
    path = record_path(workdir)
    if not path.exists():
        return None
    try:
        return ChosenImage(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        raise ToolError(f"{path} is damaged; delete it or use --refresh-image") from None


def matches(image: Image) -> bool:
    """Ubuntu 22.04 whose name says Minimal and aarch64 (the API's shape filter is checked apart)."""
    return (
        image.operating_system == OPERATING_SYSTEM
        and image.operating_system_version.startswith(OS_VERSION)
        and all(word in image.display_name for word in NAME_WORDS)
    )


def newest_matching(api: OciApi, compartment_ocid: str) -> Image | None:
    """The newest matching image listed in the compartment that is compatible with the shape.
    A compartment we may not read counts as listing nothing."""
    try:
        candidates = api.list_images(compartment_ocid, OPERATING_SYSTEM, SHAPE)
    except ApiError as error:
        if error.status != 404:
            raise
        return None
    # Newest first: usually the first candidate is the answer, one compatibility call.
    return next((image for image in candidates if matches(image) and SHAPE in api.image_shapes(image.id)), None)


def discover(api: OciApi, compartment_ocid: str) -> tuple[Image, str]:
    """The image and where it was found: the compartment, else the profile's tenancy."""
    for where in dict.fromkeys((compartment_ocid, api.tenancy)):
        image = newest_matching(api, where)
        if image is not None:
            return image, where
    raise ToolError(
        f"no {OPERATING_SYSTEM} {OS_VERSION} {' '.join(NAME_WORDS)} image compatible with {SHAPE} is visible in "
        f"{compartment_ocid} or the tenancy; set IMAGE_OCID (Console > Compute > Images) or IMAGE_COMPARTMENT_OCID"
    )


def resolve(workdir: Workdir, compartment_ocid: str, api: Callable[[], OciApi], refresh: bool) -> ChosenImage:
    """The recorded image, or (first time, or with refresh) a newly discovered and recorded one.
    `api` connects on first use: a recorded image needs no call at all."""
    if not refresh:
        chosen = recorded(workdir)
        if chosen is not None:
            return chosen
    image, where = discover(api(), compartment_ocid)
    chosen = ChosenImage(
        image_ocid=image.id,
        display_name=image.display_name,
        time_created=image.time_created.isoformat() if image.time_created else "",
        found_in=where,
        chosen_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    workdir.create()
    write_private(record_path(workdir), json.dumps(asdict(chosen), indent=2, sort_keys=True) + "\n")
    return chosen
