"""The simulated cloud's network views: subnets, and each instance's primary VNIC and its attachment.

An instance record holds its VNIC's ids and addresses; these views present them as the
Networking API's own resources, from the cloud's data as the store hands it over.
"""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.simulator.compute import new_ocid
from orchestrator.simulator.provider_errors import NOT_FOUND, ServiceError


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


# ----- the networking resources a module may create (NETWORK=create, PUBLIC_IP=reserved) -----

# The cloud's list for each kind, and the OCID type of its ids.
KINDS = {
    "vcn": ("vcns", "vcn"),
    "internet_gateway": ("internet_gateways", "internetgateway"),
    "route_table": ("route_tables", "routetable"),
    "security_list": ("security_lists", "securitylist"),
    "subnet": ("subnets", "subnet"),
    "public_ip": ("public_ips", "publicip"),
}
# What a VCN's deletion waits for (OCI answers 409 Conflict while any of them is in it).
_IN_A_VCN = ("internet_gateways", "route_tables", "security_lists", "subnets")
# Reserved addresses come from this documentation range (ephemeral ones from 203.0.113.0/24).
_RESERVED_PREFIX = "198.51.100."


def resources(cloud: dict, kind: str) -> list[dict]:
    return cloud.setdefault(KINDS[kind][0], [])


def find_resource(cloud: dict, kind: str, resource_id: str) -> dict | None:
    found = next((r for r in resources(cloud, kind) if r["id"] == resource_id), None)
    if found is not None and kind == "public_ip":
        _release_if_orphaned(cloud, found)
    return found


def create_resource(cloud: dict, kind: str, fields: dict) -> tuple[dict | None, ServiceError | None]:
    """CreateVcn, CreateInternetGateway, ...: the resource AVAILABLE at once (nothing polls)."""
    record = {
        "defined_tags": {},
        "display_name": None,
        "freeform_tags": {},
        **_FILLED_IN.get(kind, lambda given: {})(fields),
        **fields,
        "id": new_ocid(KINDS[kind][1], "aa"),
        "state": "AVAILABLE",
        "time_created": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if kind == "public_ip":
        record["ip_address"] = f"{_RESERVED_PREFIX}{10 + len(resources(cloud, kind)) % 240}"
        error = _assign(cloud, record, fields.get("private_ip_id"))
        if error:
            return None, error
    resources(cloud, kind).append(record)
    return dict(record), None


def update_resource(cloud: dict, kind: str, resource_id: str, changes: dict) -> tuple[dict | None, ServiceError | None]:
    """UpdateVcn, UpdatePublicIp (private_ip_id moves a reserved address, "" unassigns it), ..."""
    record = find_resource(cloud, kind, resource_id)
    if record is None:
        return None, NOT_FOUND
    if kind == "public_ip" and "private_ip_id" in changes:
        _unassign(cloud, record)
        error = _assign(cloud, record, changes["private_ip_id"])
        if error:
            return None, error
    record.update({name: value for name, value in changes.items() if name != "private_ip_id"})
    return dict(record), None


def delete_resource(cloud: dict, kind: str, resource_id: str) -> ServiceError | None:
    """DeleteVcn, ...: gone at once; 409 while something still uses it, as in OCI."""
    record = find_resource(cloud, kind, resource_id)
    if record is None:
        return None  # already gone: the provider treats the 404 as done
    in_use = _in_use(cloud, kind, record)
    if in_use:
        return ServiceError(409, "Conflict", f"The {kind.replace('_', ' ')} {resource_id} is in use by {in_use}.")
    if kind == "public_ip":
        _unassign(cloud, record)
    resources(cloud, kind).remove(record)
    return None


def _vcn_defaults(fields: dict) -> dict:
    cidr_blocks = fields.get("cidr_blocks") or [fields.get("cidr_block") or "10.0.0.0/16"]
    label = fields.get("dns_label")
    return {
        "cidr_block": cidr_blocks[0],
        "cidr_blocks": cidr_blocks,
        "default_dhcp_options_id": new_ocid("dhcpoptions", "aa"),
        "default_route_table_id": new_ocid("routetable", "aa"),
        "default_security_list_id": new_ocid("securitylist", "aa"),
        "ipv6cidr_blocks": [],
        "is_ipv6enabled": False,
        "vcn_domain_name": f"{label}.oraclevcn.com" if label else None,
    }


def _subnet_defaults(fields: dict) -> dict:
    """As seed.subnet's: the data source and GetSubnet read a created subnet like a seeded one."""
    cidr = fields.get("cidr_block") or "10.0.0.0/24"
    label = fields.get("dns_label")
    private = bool(fields.get("prohibit_public_ip_on_vnic"))
    return {
        "availability_domain": None,
        "cidr_block": cidr,
        "dhcp_options_id": new_ocid("dhcpoptions", "aa"),
        "ipv4cidr_blocks": [cidr],
        "ipv6cidr_block": None,
        "ipv6cidr_blocks": [],
        "ipv6virtual_router_ip": None,
        "prohibit_internet_ingress": private,
        "prohibit_public_ip_on_vnic": private,
        "route_table_id": new_ocid("routetable", "aa"),  # the VCN's default one
        "security_list_ids": [],
        "dns_label": None,
        "subnet_domain_name": f"{label}.vcn.oraclevcn.com" if label else None,
        "virtual_router_ip": cidr.rsplit(".", 1)[0] + ".1",
        "virtual_router_mac": "00:00:17:5E:12:3A",
    }


def _public_ip_defaults(fields: dict) -> dict:
    return {"availability_domain": None, "public_ip_pool_id": None, "scope": "REGION"}


# What OCI fills in that the request left out, by kind.
_FILLED_IN = {"vcn": _vcn_defaults, "subnet": _subnet_defaults, "public_ip": _public_ip_defaults}


def private_ips(cloud: dict, vnic_id: str) -> list[dict]:
    """ListPrivateIps of a VNIC: the primary private IP of a live instance's VNIC; none once it is gone."""
    instance = _live_instance(cloud, lambda i: i["vnic_id"] == vnic_id)
    if instance is None:
        return []
    return [
        {
            "id": private_ip_id(instance),
            "availability_domain": instance["availability_domain"],
            "compartment_id": instance["compartment_id"],
            "display_name": instance["display_name"],
            "hostname_label": None,
            "ip_address": instance["private_ip"],
            "is_primary": True,
            "is_reserved": False,
            "lifetime": "EPHEMERAL",
            "ip_state": "ASSIGNED",
            "subnet_id": instance["subnet_id"],
            "vnic_id": instance["vnic_id"],
            "time_created": instance["time_created"],
            "defined_tags": {},
            "freeform_tags": {},
        }
    ]


def private_ip_id(instance: dict) -> str:
    """The OCID of the instance's primary private IP (derived from its VNIC's)."""
    return instance["vnic_id"].replace("ocid1.vnic.", "ocid1.privateip.", 1)


def _live_instance(cloud: dict, matches) -> dict | None:
    return next((i for i in cloud["instances"] if matches(i) and i["lifecycle_state"] != "TERMINATED"), None)


def _assign(cloud: dict, public_ip: dict, private_ip: str | None) -> ServiceError | None:
    """Put the reserved address on a live instance's primary private IP ("" or None: unassigned)."""
    if not private_ip:
        public_ip.update(private_ip_id=None, assigned_entity_id=None, assigned_entity_type=None, state="AVAILABLE")
        return None
    instance = _live_instance(cloud, lambda i: private_ip_id(i) == private_ip)
    if instance is None:
        return ServiceError(404, "NotAuthorizedOrNotFound", f"Private IP {private_ip} not found.")
    if instance["public_ip"]:
        return ServiceError(409, "Conflict", f"Private IP {private_ip} already has a public IP.")
    instance["public_ip"] = public_ip["ip_address"]
    public_ip.update(
        private_ip_id=private_ip, assigned_entity_id=private_ip, assigned_entity_type="PRIVATE_IP", state="ASSIGNED"
    )
    return None


def _unassign(cloud: dict, public_ip: dict) -> None:
    instance = _live_instance(cloud, lambda i: private_ip_id(i) == public_ip.get("private_ip_id"))
    if instance is not None and instance["public_ip"] == public_ip["ip_address"]:
        instance["public_ip"] = None
    _assign(cloud, public_ip, None)


def _release_if_orphaned(cloud: dict, public_ip: dict) -> None:
    """A terminated instance's private IP is gone, and OCI unassigns its reserved address."""
    assigned = public_ip.get("private_ip_id")
    if assigned and _live_instance(cloud, lambda i: private_ip_id(i) == assigned) is None:
        _assign(cloud, public_ip, None)


def _in_use(cloud: dict, kind: str, record: dict) -> str | None:
    """What still uses the resource: OCI refuses to delete it until that is gone."""
    if kind == "vcn":
        users = [r["id"] for name in _IN_A_VCN for r in cloud.get(name, []) if r.get("vcn_id") == record["id"]]
    elif kind == "subnet":
        users = [
            i["id"]
            for i in cloud["instances"]
            if i["subnet_id"] == record["id"] and i["lifecycle_state"] != "TERMINATED"
        ]
    else:
        users = []
    return users[0] if users else None
