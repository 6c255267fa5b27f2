"""The simulated cloud's network views: subnets, and each instance's primary VNIC and its attachment.

An instance record holds its VNIC's ids and addresses; these views present them as the
Networking API's own resources, from the cloud's data as the store hands it over.
"""

from __future__ import annotations


def subnet(cloud: dict, subnet_id: str) -> dict | None:
    return next((s for s in cloud["subnets"] if s["id"] == subnet_id), None)


def vnic_attachments(cloud: dict, compartment_id: str) -> list[dict]:
    """Each instance's primary VNIC attachment (DETACHED once the instance is terminated)."""
    return [_vnic_attachment(i) for i in cloud["instances"] if i["compartment_id"] == compartment_id]


def vnic(cloud: dict, vnic_id: str) -> dict | None:
    """The primary VNIC of a live instance, with its public IP; a terminated one's is gone."""
    instance = next(
        (i for i in cloud["instances"] if i["vnic_id"] == vnic_id and i["lifecycle_state"] != "TERMINATED"),
        None,
    )
    return _vnic(instance) if instance else None


def _vnic_attachment(instance: dict) -> dict:
    return {
        "id": instance["vnic_attachment_id"],
        "instance_id": instance["id"],
        "vnic_id": instance["vnic_id"],
        "subnet_id": instance["subnet_id"],
        "availability_domain": instance["availability_domain"],
        "compartment_id": instance["compartment_id"],
        "display_name": None,
        "nic_index": 0,
        "lifecycle_state": "DETACHED" if instance["lifecycle_state"] == "TERMINATED" else "ATTACHED",
        "time_created": instance["time_created"],
    }


def _vnic(instance: dict) -> dict:
    return {
        "id": instance["vnic_id"],
        "availability_domain": instance["availability_domain"],
        "compartment_id": instance["compartment_id"],
        "display_name": instance["display_name"],
        "hostname_label": None,
        "is_primary": True,
        "lifecycle_state": "AVAILABLE",
        "mac_address": f"02:00:17:00:00:{int(instance['private_ip'].rsplit('.', 1)[1]):02X}",
        "private_ip": instance["private_ip"],
        "public_ip": instance["public_ip"],
        "subnet_id": instance["subnet_id"],
        "time_created": instance["time_created"],
    }
