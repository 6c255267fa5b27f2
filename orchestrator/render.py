"""Settings -> the Terraform module and its terraform.tfvars.json in the workdir.

Deterministic: the same settings give byte-identical files, and a file is
written only when its content changed (so Terraform's plans stay valid).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from . import __version__
from .authorized_keys import read_file
from .backends import LOCAL
from .config import SHAPE, Settings
from .ownership import OWNERSHIP_TAG_KEY
from .size import Size
from .user_data import encoded
from .workdir import MODULE_FILE, Workdir, write_file, write_private

PROVIDER_VERSION_CONSTRAINT = ">= 6.0.0"
TEMPLATE_NAMES = ("versions.tf.j2", "provider.tf.j2", "variables.tf.j2", "main.tf.j2", "outputs.tf.j2")
# Rendered only for a remote state backend.
BACKEND_TEMPLATE = "backend.tf.j2"
BACKEND_FILE = BACKEND_TEMPLATE.removesuffix(".j2")


@dataclass(frozen=True)
class Target:
    """Where and how big this attempt is: the values that rotate between attempts."""

    availability_domain: str
    size: Size

    def as_vars(self) -> dict[str, object]:
        return {
            "availability_domain": self.availability_domain,
            "ocpus": self.size.ocpus,
            "memory_gbs": self.size.memory_gbs,
        }


@dataclass(frozen=True)
class ModuleShape:
    """What the module declares beyond the instance, from the settings (none of it by default)."""

    user_data: bool = False  # USER_DATA_FILE: metadata.user_data
    create_network: bool = False  # NETWORK=create: VCN, gateway, routes, security list, subnet
    reserved_ip: bool = False  # PUBLIC_IP=reserved: oci_core_public_ip on the primary private IP

    @classmethod
    def of(cls, settings: Settings) -> ModuleShape:
        return cls(settings.user_data is not None, settings.creates_network, settings.reserves_public_ip)


def module_files(
    state_backend: str = LOCAL, manage_size: bool = False, shape: ModuleShape = ModuleShape()
) -> dict[str, str]:
    """The rendered .tf files by name. manage_size: shape_config leaves ignore_changes, so a
    new size is an in-place update (only `grow` renders this way)."""
    import jinja2

    folder = resources.files("orchestrator.templates")
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    context = {
        "tool_version": __version__,
        "provider_version_constraint": PROVIDER_VERSION_CONSTRAINT,
        "shape": SHAPE,
        "ownership_tag_key": OWNERSHIP_TAG_KEY,
        "state_backend": state_backend,
        "manage_size": manage_size,
        "user_data": shape.user_data,
        "create_network": shape.create_network,
        "reserved_ip": shape.reserved_ip,
    }
    names = TEMPLATE_NAMES + ((BACKEND_TEMPLATE,) if state_backend != LOCAL else ())
    return {
        name.removesuffix(".j2"): environment.from_string(folder.joinpath(name).read_text()).render(context)
        for name in names
    }


def authorized_keys_text(settings: Settings, ssh_public_key: str) -> str:
    """The instance's ssh_authorized_keys: the local key, then SSH_AUTHORIZED_KEYS_FILE's (shared
    state: every machine's key is on the instance, whichever wins)."""
    more = read_file(settings.ssh_authorized_keys_file) if settings.ssh_authorized_keys_file else ()
    return "\n".join(dict.fromkeys((ssh_public_key.strip(), *more)))


def tfvars(settings: Settings, target: Target, ssh_public_key: str) -> dict[str, object]:
    values: dict[str, object] = {
        "oci_profile": settings.oci_profile,
        "disable_auto_retries": not settings.provider_auto_retries,
        "compartment_ocid": settings.compartment_ocid,
        "image_ocid": settings.image_ocid,
        "instance_name": settings.instance_name,
        "ssh_public_key": authorized_keys_text(settings, ssh_public_key),
        **target.as_vars(),
    }
    if settings.creates_network:
        values["ssh_source_cidr"] = settings.ssh_source_cidr
    else:
        values["subnet_ocid"] = settings.subnet_ocid
    if settings.boot_volume_size_gbs is not None:
        values["boot_volume_size_gbs"] = settings.boot_volume_size_gbs
    user_data = encoded(settings.user_data)
    if user_data is not None:
        values["user_data"] = user_data
    return values


def render(
    settings: Settings, target: Target, ssh_public_key: str, workdir: Workdir, manage_size: bool = False
) -> list[str]:
    """Write the module and tfvars; returns the names of the files that changed."""
    workdir.create()
    changed = []
    files = module_files(settings.state_backend, manage_size, ModuleShape.of(settings))
    for name, content in files.items():
        if write_file(workdir.path / name, content, MODULE_FILE):
            changed.append(name)
    if BACKEND_FILE not in files and (workdir.path / BACKEND_FILE).exists():
        (workdir.path / BACKEND_FILE).unlink()  # back to the local state
        changed.append(BACKEND_FILE)
    content = json.dumps(tfvars(settings, target, ssh_public_key), indent=2, sort_keys=True) + "\n"
    if write_private(workdir.tfvars, content):
        changed.append(workdir.tfvars.name)
    return changed
