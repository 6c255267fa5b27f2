"""Settings -> the Terraform module and its terraform.tfvars.json in the workdir.

Deterministic: the same settings give byte-identical files, and a file is
written only when its content changed (so Terraform's plans stay valid).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from . import __version__
from .config import SHAPE, Settings, Size
from .workdir import Workdir, write_private

PROVIDER_VERSION_CONSTRAINT = ">= 6.0.0"
# Freeform tag that marks an instance as ours (adoption looks for it).
OWNERSHIP_TAG_KEY = "coinpilot-tf"
TEMPLATE_NAMES = ("versions.tf.j2", "provider.tf.j2", "variables.tf.j2", "main.tf.j2", "outputs.tf.j2")


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


def module_files() -> dict[str, str]:
    """The rendered .tf files by name."""
    import jinja2

    folder = resources.files("orchestrator.templates")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    context = {
        "tool_version": __version__,
        "provider_version_constraint": PROVIDER_VERSION_CONSTRAINT,
        "shape": SHAPE,
        "ownership_tag_key": OWNERSHIP_TAG_KEY,
    }
    return {
        name.removesuffix(".j2"): environment.from_string(folder.joinpath(name).read_text()).render(context)
        for name in TEMPLATE_NAMES
    }


def tfvars(settings: Settings, target: Target, ssh_public_key: str) -> dict[str, object]:
    values: dict[str, object] = {
        "oci_profile": settings.oci_profile,
        "disable_auto_retries": not settings.provider_auto_retries,
        "compartment_ocid": settings.compartment_ocid,
        "subnet_ocid": settings.subnet_ocid,
        "image_ocid": settings.image_ocid,
        "instance_name": settings.instance_name,
        "ssh_public_key": ssh_public_key.strip(),
        **target.as_vars(),
    }
    if settings.boot_volume_size_gbs is not None:
        values["boot_volume_size_gbs"] = settings.boot_volume_size_gbs
    return values


def render(settings: Settings, target: Target, ssh_public_key: str, workdir: Workdir) -> list[str]:
    """Write the module and tfvars; returns the names of the files that changed."""
    workdir.create()
    changed = []
    for name, content in module_files().items():
        path = workdir.path / name
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
            changed.append(name)
    content = json.dumps(tfvars(settings, target, ssh_public_key), indent=2, sort_keys=True) + "\n"
    if write_private(workdir.tfvars, content):
        changed.append(workdir.tfvars.name)
    return changed
